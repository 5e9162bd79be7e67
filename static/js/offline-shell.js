/* The portal without network, the page's side (the worker is portal/service-worker.js).

   For a signed-in user, once the page has loaded (the worker's downloads, the Tibetan font
   among them, come after the page, never before it): registers the worker, tells it whose page
   this is and in which language, hands it the pages an events list names to keep, and asks
   the browser once per user to keep the portal's data rather than clear it when space runs
   short. Signing out tells the worker to forget the pages it kept. A browser that can do none
   of this (the one inside WeChat, say) shows the banner of partials/offline_unsupported.html
   instead, and the pages work online as before. */
(function () {
  "use strict";
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !("indexedDB" in window)) {
    document.querySelectorAll(".offline-unsupported").forEach((banner) => {
      banner.hidden = false;
    });
    return;
  }
  const user = script.dataset.user;
  const language = document.documentElement.lang;
  if (!user) return;

  function tell(worker) {
    worker.postMessage({ type: "page", user: user, language: language });
    const list = document.querySelector("[data-offline-prefetch]");
    if (list) {
      const urls = list.dataset.offlinePrefetch.split(" ").filter(Boolean);
      worker.postMessage({ type: "prefetch", urls: urls });
    }
  }

  function keepStorage() {
    if (!navigator.storage || !navigator.storage.persist) return;
    const asked = "portal.offline.storageAskedFor";
    try {
      if (localStorage.getItem(asked) === user) return;
      localStorage.setItem(asked, user);
    } catch (error) {
      return; // no localStorage (a private window, say): better not asked than asked each time
    }
    navigator.storage.persisted()
      .then((persisted) => persisted || navigator.storage.persist())
      .catch(() => undefined);
  }

  // Someone who signs out may hand the phone to another person: their pages go at once. A
  // session that merely ran out keeps them, for the same person to read without network
  // (the worker still forgets them when someone else signs in).
  document.querySelectorAll(`form[action="${script.dataset.signOut}"]`).forEach((form) => {
    form.addEventListener("submit", () => {
      const worker = navigator.serviceWorker.controller;
      if (worker) worker.postMessage({ type: "page", user: "", language: language });
    });
  });

  window.addEventListener("load", () => {
    navigator.serviceWorker
      .register(script.dataset.worker, { scope: script.dataset.scope, updateViaCache: "none" })
      .catch(() => undefined); // no worker: the page works online as before
    navigator.serviceWorker.ready.then((registration) => tell(registration.active));
    keepStorage();
  });
})();
