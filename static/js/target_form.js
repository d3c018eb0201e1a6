// Target form: show only the login fields of the chosen method. Without JavaScript every field
// stays visible and the server ignores the ones the method does not use.
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
  };
  // Also when htmx swaps a page in (a boosted form's answer) and runs this script again.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
