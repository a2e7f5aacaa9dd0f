// Booth floor plan: click, Enter or Space on a booth adds it to (or removes it from) the
// vendor's preferred booths. One delegated listener per plan; the request goes through htmx
// (CSRF header from <body hx-headers>) and the answer replaces the picker section, which
// carries the plan, the status line and the checkbox list (the no-script way to pick).
(function () {
  "use strict";

  function pick(plan, booth) {
    if (booth.getAttribute("aria-disabled") === "true" || !window.htmx) return;
    var id = booth.dataset.id;
    window.htmx.ajax("POST", plan.dataset.actionBase + "/" + id, {
      source: booth, target: "#booth-picker", swap: "outerHTML",
      headers: {"HX-Target": "booth-picker"}
    }).then(function () {
      var again = document.getElementById("spot-" + id);
      if (again) again.focus();
    });
  }

  function init() {
    document.querySelectorAll("svg.boothplan[data-action-base]").forEach(function (plan) {
      if (plan.dataset.ready) return;
      plan.dataset.ready = "1";
      plan.addEventListener("click", function (event) {
        var booth = event.target.closest("[data-id]");
        if (booth) pick(plan, booth);
      });
      plan.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" && event.key !== " ") return;
        var booth = event.target.closest("[data-id]");
        if (!booth) return;
        event.preventDefault();
        pick(plan, booth);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:load", init);
})();
