// What the browser tells a page of itself (time zone, locale, languages,
// position, screen), added to the server's view of the request (the
// #echo-server JSON, when the page has one), posted to /api/echo and shown
// in <pre id="echo" data-done> when the page has one. The echo page and
// the item pages opened in a new tab (/pages?newtab=1) run it.
(async () => {
  const srv = document.getElementById("echo-server");
  const e = srv ? JSON.parse(srv.textContent) : {};
  const o = Intl.DateTimeFormat().resolvedOptions();
  e.timezone = o.timeZone;
  e.locale = o.locale;
  e.languages = Array.from(navigator.languages || []);
  e.page = location.pathname;
  e.screen = {width: screen.width, height: screen.height, device_pixel_ratio: window.devicePixelRatio, max_touch_points: navigator.maxTouchPoints, inner_width: window.innerWidth};
  // Ask for the position only where it was granted: a prompt would wait.
  let granted = false;
  try { granted = (await navigator.permissions.query({name: "geolocation"})).state === "granted"; } catch (err) {}
  e.geolocation = await new Promise((done) => {
    if (!granted || !navigator.geolocation) return done(null);
    navigator.geolocation.getCurrentPosition(
      (p) => done({latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy}),
      () => done(null), {timeout: 3000});
  });
  try {
    await fetch("/api/echo", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(e)});
  } catch (err) {}
  const pre = document.getElementById("echo");
  if (pre) {
    pre.textContent = JSON.stringify(e, null, 1);
    pre.dataset.done = "1";
  }
  document.documentElement.dataset.echoed = "1";
})();
