// Seat map: click, Enter or Space on a seat holds it (or releases it if it is yours).
//
// One delegated listener on each seat map (never one per seat: maps have up to 20,000 seats).
// The request goes through htmx, so the CSRF header from <body hx-headers> travels with it.
// The answer's main part is the message for the cart panel's live region (so screen readers
// hear it); the seat's new state, the countdown and the cart lines come out of band. htmx puts
// focus back on the element with the focused seat's id after the swap, so keyboard users stay
// where they are.
// Zoom buttons toggle a CSS class on the scroll container; without this file the page still
// works through the seat list and its plain forms.
(function () {
  "use strict";

  var ZOOM_LEVELS = ["zoom-1", "zoom-2", "zoom-3", "zoom-4"];

  function actionFor(seat) {
    if (seat.classList.contains("fp-available")) return "hold";
    if (seat.classList.contains("fp-mine")) return "release";
    return null;
  }

  function activate(map, seat) {
    var action = actionFor(seat);
    if (!action || seat.getAttribute("aria-busy") === "true" || !window.htmx) return;
    seat.setAttribute("aria-busy", "true");
    var url = map.dataset.actionBase + "/" + seat.dataset.id + "/" + action;
    window.htmx.ajax("POST", url, {source: seat, target: "#seat-message", swap: "innerHTML"});
  }

  function seatFrom(node) {
    return node && node.closest ? node.closest("[data-id]") : null;
  }

  function initMap(map) {
    if (map.dataset.ready) return;
    map.dataset.ready = "1";
    map.addEventListener("click", function (event) {
      var seat = seatFrom(event.target);
      if (seat) activate(map, seat);
    });
    map.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      var seat = seatFrom(event.target);
      if (!seat) return;
      event.preventDefault();  // Space would scroll the page
      activate(map, seat);
    });
  }

  function initZoom(box) {
    var controls = document.querySelector("[data-zoom-for='" + box.id + "']");
    if (!controls || controls.dataset.ready) return;
    controls.dataset.ready = "1";
    controls.hidden = false;
    // On a narrow screen the map is wider than the box: start from its middle (the stage).
    box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2;
    var level = 0;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-zoom]");
      if (!button) return;
      var step = button.dataset.zoom;
      var next = step === "in" ? Math.min(level + 1, ZOOM_LEVELS.length - 1)
        : step === "out" ? Math.max(level - 1, 0) : 0;
      if (next === level) return;
      // Keep the point in the middle of the view in the middle after zooming.
      var ratioX = (box.scrollLeft + box.clientWidth / 2) / box.scrollWidth;
      var ratioY = (box.scrollTop + box.clientHeight / 2) / box.scrollHeight;
      box.classList.remove(ZOOM_LEVELS[level]);
      box.classList.add(ZOOM_LEVELS[next]);
      level = next;
      box.scrollLeft = ratioX * box.scrollWidth - box.clientWidth / 2;
      box.scrollTop = ratioY * box.scrollHeight - box.clientHeight / 2;
      controls.querySelector("[data-zoom-level]").textContent = (level + 1) + "×";
    });
  }

  function init() {
    document.querySelectorAll("svg[data-action-base]").forEach(initMap);
    document.querySelectorAll(".seatmap-scroll[id]").forEach(initZoom);
  }

  // While a seat's own request is in flight, a poll must not replace it: the element is the
  // request's source, and its answer (with the seat's true state) is on the way. The answer
  // clears the mark just before it swaps; a failed request (network down) clears it too.
  function settle(event) {
    var config = event.detail.requestConfig;
    var elt = (config && config.elt) || event.detail.elt;  // the source, not the target
    if (elt && elt.removeAttribute) elt.removeAttribute("aria-busy");
  }
  document.addEventListener("htmx:beforeSwap", settle);
  document.addEventListener("htmx:afterRequest", settle);
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.getAttribute && target.getAttribute("aria-busy") === "true") {
      event.detail.shouldSwap = false;
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
})();
