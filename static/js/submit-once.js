/* A form posted twice by a double tap, or by a second tap while a slow network still sends
   the first, would plan two events or answer the second tap with a conflict. The first
   submission of a form stands; further ones are dropped while it is on its way.

   The pressed button is not disabled: a disabled button's name and value are left out of
   what the form sends ("Save and submit" differs from "Save" by them). The hold lifts after
   a while (a form whose answer is a download leaves the page where it was) and when the
   page is shown again from the back-forward cache. Forms that htmx sends are its own. */
(function () {
  "use strict";
  var HOLD_MS = 8000;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) {
      return;
    }
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () { release(form); }, HOLD_MS);
  });

  function release(form) {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
  }

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(release);
  });
})();
