// Tell the server the browser's time zone (an IANA name such as "Europe/Berlin") in the
// `vip_tz` cookie; config.middleware.ViewerTimeZoneMiddleware shows times in it from the next
// page on. Pages show the zone next to every time, so the first page (in UTC) is not wrong.
(function () {
  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) { return; }
  const value = encodeURIComponent(zone);
  const current = document.cookie.split("; ").find((item) => item.startsWith("vip_tz="));
  if (current === `vip_tz=${value}`) { return; }
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `vip_tz=${value}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
})();
