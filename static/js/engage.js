// Intake webform: show the new-organisation fields and the "not encouraged" note only when
// they apply. Without JavaScript both stay usable (the server validates everything).
(() => {
  const init = () => {
    const partner = document.getElementById("id_partner");
    const category = document.getElementById("id_category");
    if (partner) {
      partner.addEventListener("change", () => {
        document.getElementById("new-partner").hidden = partner.value !== partner.dataset.toggleNew;
      });
    }
    if (category) {
      category.addEventListener("change", () => {
        document.getElementById("not-encouraged").hidden = category.value !== "storage_or_unseal";
      });
    }
  };
  // Also when htmx swaps a page in (a boosted form's answer) and runs this script again.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
