// Target form: show only the login fields of the chosen method, and "Add mount" adds a row to
// the secret mounts (a copy of the formset's empty form, numbered). Without JavaScript every
// login field stays visible (the server ignores the ones the method does not use) and new
// mount rows come with each edit.
(() => {
  const init = () => {
    const method = document.getElementById("id_auth_method");
    if (!method) { return; }
    const update = () => {
      document.querySelectorAll("[data-methods]").forEach((group) => {
        group.hidden = !group.dataset.methods.split(" ").includes(method.value);
      });
    };
    method.addEventListener("change", update);
    update();
    const test = document.getElementById("test-connection");
    if (test) { test.hidden = false; }

    const add = document.getElementById("add-mount");
    const template = document.getElementById("mount-row-template");
    const total = document.getElementById("id_mounts-TOTAL_FORMS");
    const rows = document.querySelector("#mount-rows tbody");
    if (!add || !template || !total || !rows) { return; }
    const max = Number(add.dataset.max || 20);
    const refresh = () => { add.disabled = Number(total.value) >= max; };
    add.hidden = false;
    refresh();
    add.addEventListener("click", () => {
      const index = Number(total.value);
      if (index >= max) { return; }
      const html = template.innerHTML
        .replaceAll("__prefix__", String(index))
        .replaceAll("__number__", String(index + 1));
      const holder = document.createElement("tbody");
      holder.innerHTML = html;
      const row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      refresh();
      const first = row.querySelector("input, select");
      if (first) { first.focus(); }
    });
  };
  // Also when htmx swaps a page in (a boosted form's answer) and runs this script again.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
