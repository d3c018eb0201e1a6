// SLA clocks count down on the page: each running clock's remaining time (rendered by the
// server in `data-sla-remaining`, seconds) is updated as time passes, in the server's words
// ("1 d 23 h left", "5 h 10 min left", "overdue by 12 min"). A reload gives the server's view.
// Clocks that htmx swaps in later count from when they arrived.
(() => {
  const words = (seconds) => {
    const whole = Math.floor(Math.abs(seconds));
    const days = Math.floor(whole / 86400);
    const hours = Math.floor((whole % 86400) / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    if (days) { return `${days} d ${hours} h`; }
    if (hours) { return `${hours} h ${minutes} min`; }
    return `${minutes} min`;
  };
  const arrived = (root) => {
    const now = String(Date.now());
    root.querySelectorAll("[data-sla-remaining]").forEach((clock) => {
      clock.dataset.slaSince ??= now;
    });
  };
  const tick = () => {
    const now = Date.now();
    document.querySelectorAll("[data-sla-remaining][data-sla-since]").forEach((clock) => {
      const elapsed = (now - Number(clock.dataset.slaSince)) / 1000;
      const remaining = Number(clock.dataset.slaRemaining) - elapsed;
      if (Number.isNaN(remaining)) { return; }
      clock.textContent = remaining < 0 ? `overdue by ${words(remaining)}` : `${words(remaining)} left`;
    });
  };
  arrived(document);
  document.addEventListener("htmx:load", (event) => arrived(event.detail.elt));
  window.setInterval(tick, 5000);
})();
