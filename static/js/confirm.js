// Confirmation dialogs (config/confirm.py): a button's GET form fetches the dialog with htmx
// into #confirm-dialog; this shows it as a Bootstrap modal, puts the focus in it, and gives the
// focus back to the button when it closes (Cancel, Escape, the close button) and empties it.
// Without JavaScript the same button opens the confirmation as a page.
// Also: the "Undo" offer after a board move disappears when its time is up.
(() => {
  document.addEventListener("htmx:afterSwap", (event) => {
    const region = event.detail.target;
    if (!region || region.id !== "confirm-dialog") { return; }
    const element = region.querySelector(".modal");
    if (!element || !window.bootstrap) {
      // Not a dialog (signed out meanwhile, not allowed, an error): open that answer as a page.
      region.replaceChildren();
      const url = event.detail.xhr && event.detail.xhr.responseURL;
      if (url) { window.location.assign(url); }
      return;
    }
    const opener = document.activeElement;
    const modal = window.bootstrap.Modal.getOrCreateInstance(element);
    element.addEventListener("shown.bs.modal", () => {
      const first = element.querySelector(".modal-body textarea, .modal-body input:not([type=hidden]), .modal-body select");
      (first || element.querySelector(".modal-footer .btn")).focus();
    }, { once: true });
    element.addEventListener("hidden.bs.modal", () => {
      modal.dispose();
      region.replaceChildren();
      if (opener && document.contains(opener)) { opener.focus(); }
    }, { once: true });
    modal.show();
  });

  // The dialog's form is boosted: its answer (the page the action leads to) replaces the body,
  // dialog and backdrop included; Bootstrap's marks on <body> go with them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== document.body || !document.body.classList.contains("modal-open")) { return; }
    document.body.classList.remove("modal-open");
    document.body.style.removeProperty("overflow");
    document.body.style.removeProperty("padding-right");
  });

  const expireUndo = () => {
    document.querySelectorAll("[data-undo-until]").forEach((offer) => {
      if (offer.dataset.undoArmed) { return; }
      offer.dataset.undoArmed = "1";
      const left = Date.parse(offer.dataset.undoUntil) - Date.now();
      window.setTimeout(() => {
        const form = offer.querySelector("form");
        if (form) { form.remove(); }
        const note = offer.querySelector("[data-undo-expired]");
        if (note) { note.hidden = false; }
      }, Math.max(0, left));
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", expireUndo);
  } else {
    expireUndo();
  }
  document.addEventListener("htmx:afterSettle", expireUndo);
})();
