// Text boxes marked data-grow grow with their text. Browsers with CSS field-sizing do it
// themselves (portal.css); in the others the box is given the height of its text whenever
// it is shown or typed into. Only the element's own style is set, which the
// Content-Security-Policy allows (no inline style attribute is written).
(function () {
  "use strict";
  if (window.CSS && CSS.supports && CSS.supports("field-sizing", "content")) {
    return;
  }
  var SELECTOR = "textarea[data-grow]";

  function fit(box) {
    var borders = box.offsetHeight - box.clientHeight;
    box.style.height = "auto";
    box.style.height = box.scrollHeight + borders + "px";
  }

  function fitAll(root) {
    if (root.matches && root.matches(SELECTOR)) {
      fit(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll(SELECTOR).forEach(fit);
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) {
      fit(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    fitAll(document);
  });
  // Parts that htmx swaps in (a block after a conflict) are fitted as they arrive.
  document.addEventListener("htmx:load", function (event) {
    fitAll(event.target);
  });
  // A phone turned sideways re-wraps the text.
  window.addEventListener("resize", function () {
    fitAll(document);
  });
})();
