// Hold countdown: shows how long the visitor's seats stay held, by the server's clock.
//
// The panel (#hold-countdown) carries data-expires-at and data-now, both ISO timestamps from
// the server, so a wrong clock on the device does not matter: only the difference is used.
// Without this file the panel still says until when the seats are held. At one minute left
// the warning region (aria-live) speaks once; at zero the cart panel is fetched again from
// data-refresh-url, and the server answers with the released seats and a note that says so.
// The panel is re-read after every htmx swap, since holding a seat renders a new one.
(function () {
  "use strict";

  var timer = null;
  var WARN_MS = 60 * 1000;

  function format(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  function start() {
    if (timer) { clearInterval(timer); timer = null; }
    var panel = document.getElementById("hold-countdown");
    if (!panel || !panel.dataset.expiresAt) return;
    var expires = Date.parse(panel.dataset.expiresAt);
    var skew = Date.parse(panel.dataset.now) - Date.now();  // server clock minus ours
    var clock = panel.querySelector("[data-clock]");
    var warning = panel.querySelector("[data-warning]");
    var warned = false;

    function tick() {
      var left = expires - (Date.now() + skew);
      if (clock) clock.textContent = format(left);
      if (left <= WARN_MS && !warned && left > 0) {
        warned = true;
        panel.classList.add("countdown-warning");
        if (warning) warning.textContent = warning.dataset.text;
      }
      if (left <= 0) {
        clearInterval(timer);
        timer = null;
        refresh(panel);
      }
    }
    tick();
    if (expires - (Date.now() + skew) > 0) timer = setInterval(tick, 1000);
  }

  function refresh(panel) {
    if (!window.htmx || !panel.dataset.refreshUrl || panel.dataset.refreshed) return;
    panel.dataset.refreshed = "1";
    window.htmx.ajax("GET", panel.dataset.refreshUrl, {source: panel, target: "#seat-message",
                                                      swap: "innerHTML"});
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", function () {
    var panel = document.getElementById("hold-countdown");
    // Only restart when a new panel arrived (the old one has our marker).
    if (panel && !panel.dataset.started) { panel.dataset.started = "1"; start(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("hold-countdown");
    if (panel) panel.dataset.started = "1";
  });
})();
