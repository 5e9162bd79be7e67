/* The Tibetan webfont comes after the page's first paint, never before it.

   Where our service worker keeps the portal (portal/service-worker.js precaches the font
   once it is installed), the font's stylesheet is switched on as soon as the worker holds
   the font, and the font is then read from the phone. Until then, the first page a phone
   opens shows Tibetan in the phone's own font. A browser without a worker (the one inside
   WeChat, say) fetches the font once the page has loaded. */
(function () {
  "use strict";
  const link = document.querySelector("link[data-tibetan-font]");
  if (!link) return;
  const fontUrl = new URL(link.dataset.font, window.location.href).href;

  function apply() {
    link.media = "all";
  }

  if (!("serviceWorker" in navigator) || !("caches" in window)) {
    window.addEventListener("load", apply);
    return;
  }

  let tries = 0;
  function whenKept() {
    if (!navigator.serviceWorker.controller) {
      return; // not (yet) a page of the worker's: controllerchange asks again
    }
    caches.match(fontUrl).then((kept) => {
      if (kept) {
        apply();
      } else if (tries++ < 30) {
        window.setTimeout(whenKept, 2000); // the worker is still putting the shell away
      }
    }).catch(() => undefined);
  }
  navigator.serviceWorker.addEventListener("controllerchange", whenKept);
  whenKept();
})();
