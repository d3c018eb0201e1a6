// Character counters: under a free-text field whose maxlength would cut text silently (the
// browser stops typing and trims pasted text at it), `includes/field.html` renders
// `<div data-counter-for="FIELD_ID" data-limit="N">Up to N characters.</div>`; this keeps it
// up to date ("37 of 120 characters"), says when the limit is reached, and announces the count
// to screen readers only near the limit (not on every key). Without JavaScript the static
// "Up to N characters." stays.
(() => {
  const NEAR = 0.9; // from 90 % of the limit on, the count is announced and coloured
  const show = (counter) => {
    const field = document.getElementById(counter.dataset.counterFor);
    if (!field) { return; }
    const limit = Number(counter.dataset.limit);
    const used = field.value.length;
    const full = used >= limit;
    const near = used >= limit * NEAR;
    counter.textContent = full
      ? `Limit reached: ${limit.toLocaleString("en")} characters. Anything longer is cut off.`
      : `${used.toLocaleString("en")} of ${limit.toLocaleString("en")} characters`;
    counter.classList.toggle("text-danger", full);
    counter.classList.toggle("text-warning-emphasis", near && !full);
    counter.setAttribute("aria-live", near ? "polite" : "off");
  };
  const showAll = (root) => root.querySelectorAll("[data-counter-for]").forEach(show);
  document.addEventListener("input", (event) => {
    const id = event.target.id;
    if (!id) { return; }
    document.querySelectorAll(`[data-counter-for="${CSS.escape(id)}"]`).forEach(show);
  });
  // Fields that arrive filled in (an edit page, a form shown again with its errors, htmx swaps).
  document.addEventListener("htmx:load", (event) => showAll(event.detail.elt));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => showAll(document));
  } else {
    showAll(document);
  }
})();
