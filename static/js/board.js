// Drag-and-drop on the board: dropping a card on a column submits the card's own move form
// (the same form the "Move to" menu uses), so the server's transition service decides.
(() => {
  const init = () => {
    let dragged = null;
    document.querySelectorAll(".board-card").forEach((card) => {
      card.addEventListener("dragstart", (event) => {
        dragged = card;
        event.dataTransfer.setData("text/plain", card.dataset.card);
        event.dataTransfer.effectAllowed = "move";
      });
      card.addEventListener("dragend", () => { dragged = null; });
    });
    document.querySelectorAll(".board-column").forEach((column) => {
      column.addEventListener("dragover", (event) => {
        if (dragged) { event.preventDefault(); column.classList.add("drop-target"); }
      });
      column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
      column.addEventListener("drop", (event) => {
        event.preventDefault();
        column.classList.remove("drop-target");
        if (!dragged || dragged.closest(".board-column") === column) { return; }
        const form = dragged.querySelector(".move-form");
        const select = form.querySelector("select[name=to]");
        const target = column.dataset.stage;
        if (![...select.options].some((option) => option.value === target)) {
          window.alert("This integration cannot move directly to that stage.");
          return;
        }
        select.value = target;
        form.requestSubmit();
      });
    });
  };
  // Also when htmx swaps a page in (a boosted form's answer) and runs this script again.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
