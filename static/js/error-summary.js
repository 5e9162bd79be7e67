/* A refused form's summary of problems (templates/partials/error_summary.html).

   The page opens at its top after a refused save; the focus moves to the summary, so a phone
   shows it and a screen reader reads it first. Each link moves the focus to its field with
   the field's label in view: following a link to an id alone scrolls but leaves the focus
   where it was, and puts the label above the top of the screen. */
(function () {
  "use strict";
  if (window.errorSummaryReady) {
    return; // a page with two refused forms loads this twice
  }
  window.errorSummaryReady = true;

  // The text that names the element: a group's legend, a box's label, or the element itself.
  function namedBy(element) {
    var group = element.closest("fieldset");
    if ((element.type === "checkbox" || element.type === "radio") && group) {
      var legend = group.querySelector("legend");
      if (legend) {
        return legend;
      }
    }
    if (element.id) {
      var label = document.querySelector('label[for="' + CSS.escape(element.id) + '"]');
      if (label) {
        return label;
      }
    }
    return element.closest("label") || element;
  }

  // Whether all of the element shows, above the buttons a long form keeps at the bottom.
  function inView(element) {
    var box = element.getBoundingClientRect();
    var bottom = window.innerHeight;
    var bar = document.querySelector(".sticky-actions");
    if (bar) {
      bottom = Math.min(bottom, bar.getBoundingClientRect().top);
    }
    return box.top >= 0 && box.bottom <= bottom;
  }

  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus({ preventScroll: true });
    if (!inView(summary)) {
      summary.scrollIntoView({ block: "start" });
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!target) {
      return;
    }
    event.preventDefault();
    namedBy(target).scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
})();
