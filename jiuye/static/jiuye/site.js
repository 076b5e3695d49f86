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
})();
