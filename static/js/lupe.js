// Lupe's only script of its own: keep keyboard and screen-reader users oriented after htmx swaps.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  if (!target || !target.isConnected) { target = document.getElementById("item"); }
  if (!target) { return; }
  var focus = target.querySelector("[data-autofocus]");
  if (focus) { focus.focus(); }
  else if (target.id === "item") {
    var heading = target.querySelector("h1");
    if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }
});
