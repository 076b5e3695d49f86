// Behaviour the templates ask for with data attributes, so that pages need no inline
// script or event handler (the Content-Security-Policy allows scripts from this site only).
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option submits its form.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  // A table wider than the screen scrolls sideways inside its .scroll box: the box can then
  // take the keyboard's focus (arrow keys scroll it) and is announced as a region named after
  // its table (WCAG 2.1.1; axe-core's scrollable-region-focusable).
  function regionName(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) { return caption.textContent.trim(); }
    var heading = box.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
    if (!heading) { heading = document.querySelector("main h1"); }
    var name = heading ? heading.textContent.trim() : "";
    return (name ? name + " · " : "") + (document.body.getAttribute("data-scroll-label") || "");
  }

  function markScrollable() {
    var boxes = document.querySelectorAll(".scroll");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) { box.setAttribute("aria-label", regionName(box)); }
        box.setAttribute("data-scroll-marked", "");
      } else if (!wide && box.hasAttribute("data-scroll-marked")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-scroll-marked");
      }
    }
  }

  var pending = null;
  function later() {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(markScrollable, 100);
  }
  markScrollable();  // scripts are deferred: the document is parsed
  window.addEventListener("load", markScrollable);
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", markScrollable);
})();
