/* Loads the phone's outbox (static/js/outbox-core.js, then static/js/outbox-pages.js) once
   the page has loaded and our service worker controls it: from the worker's shell, so that a
   form's first load does not carry them (bench/page_weight.py), and only where reports can be
   kept on the phone. Until then, and in browsers without a service worker or IndexedDB
   (WeChat's), the forms are posted as always. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script.dataset.user || !("serviceWorker" in navigator) || !("indexedDB" in window)) return;

  function load(src) {
    return new Promise((resolve, reject) => {
      const element = document.createElement("script");
      element.src = src;
      element.onload = resolve;
      element.onerror = reject;
      document.head.append(element);
    });
  }

  let loading = null;
  function start() {
    loading = loading || load(script.dataset.core).then(() => load(script.dataset.pages));
    loading.catch(() => undefined);
  }

  function whenControlled() {
    if (navigator.serviceWorker.controller) start();
    else navigator.serviceWorker.addEventListener("controllerchange", start, { once: true });
  }

  if (document.readyState === "complete") whenControlled();
  else window.addEventListener("load", whenControlled, { once: true });
})();
