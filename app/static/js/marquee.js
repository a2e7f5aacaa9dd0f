// Small progressive enhancements. Every page works without this file.
// Focus the main region after an htmx swap that replaced it, so screen readers follow.
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "main") {
    event.detail.target.focus();
  }
});
