/* The portal's service worker: keeps the app shell and the organizer's pages on the phone, so
   that the events pages open without network. Served at /sw.js by portal/offline.py, which
   writes OFFLINE (its version, what it keeps, what it never touches) above this code.

   It never answers a request other than GET, nor anything under OFFLINE.neverIntercepted (the
   API, sign-in, the admin): those always go to the network as if it were not there. It deletes
   only caches of its own, never IndexedDB, where the pages keep the reports not yet sent. */
"use strict";

// The outbox's storage and sending, shared with the pages: Background Sync sends with them.
importScripts(OFFLINE.outboxCore);

const SHELL_CACHE = `shell-${OFFLINE.version}`;
// One cache of pages per user (pages-<opaque user name>), and the name of the user now signed
// in, kept in a cache of its own so that a restarted worker still knows it.
const PAGES_PREFIX = "pages-";
const STATE_CACHE = "offline-state";
const STATE_KEY = "/offline-state.json"; // only a key in STATE_CACHE: never requested
const PREFETCHED = "X-Offline-Prefetched";

self.addEventListener("install", (event) => {
  // Past the browser's own cache: a new version must not precache the old files.
  const requests = OFFLINE.shell.map((url) => new Request(url, { cache: "reload" }));
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(requests))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // Pages are kept across versions: a page kept before a deploy still opens offline, and
  // asks for the shell's files under their old names (staticFile() finds the new ones).
  const older = (name) => name.startsWith("shell-") && name !== SHELL_CACHE;
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter(older).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (OFFLINE.neverIntercepted.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (url.pathname.startsWith(OFFLINE.staticUrl)) {
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(page(event, url));
  }
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "page") {
    const signing = signedIn(String(message.user || ""), message.language);
    event.waitUntil(signing.then((whose) => whose.settled));
  } else if (message.type === "prefetch" && Array.isArray(message.urls)) {
    // The page hears how many it now holds of those it asked for.
    const answer = (held) => event.source && event.source.postMessage({ type: "prefetched", held });
    event.waitUntil(inTurn(() => pagesPrefetched(message.urls)).then(answer));
  }
});

// The network is back (Background Sync, where the browser has it): the reports of the user
// signed in now go, even with no page open. Nobody else's outbox is opened. A send that found
// no network fails the event, for the browser to try again later.
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(state().then(async ({ user }) => {
    if (!user) return;
    const result = await PortalOutbox.sendAll(user, { api: OFFLINE.outboxApi, force: true });
    const pages = await self.clients.matchAll({ type: "window" });
    pages.forEach((client) => client.postMessage({ type: "outbox" }));
    if (result.stopped === "offline") throw new Error("no network: try again later");
  }));
});

// Changes to the kept pages and to whose they are happen one at a time, in the order asked.
let queue = Promise.resolve();
function inTurn(task) {
  queue = queue.catch(() => undefined).then(task);
  return queue;
}

// --- static files: from the shell, else the network ---------------------------------------

async function staticFile(request, url) {
  const kept = await caches.match(request, { cacheName: SHELL_CACHE });
  if (kept) return kept;
  try {
    return await fetch(request);
  } catch (error) {
    // Offline, a page kept before a deploy asks for a shell file by its old hashed name
    // (css/portal.<old hash>.css): the shell's file of the same name stands in for it.
    const same = OFFLINE.shell.find((shellUrl) => unhashed(shellUrl) === unhashed(url.pathname));
    const standIn = same && (await caches.match(same, { cacheName: SHELL_CACHE }));
    if (standIn) return standIn;
    throw error;
  }
}

function unhashed(path) {
  return path.replace(/\.[0-9a-f]{12}(\.[^./]+)$/, "$1");
}

// --- pages: from the network, else as kept, else the offline page -------------------------

async function page(event, url) {
  let response;
  try {
    response = await fetch(event.request);
  } catch (error) {
    return (await keptPage(url)) || (await offlinePage());
  }
  const user = response.headers.get(OFFLINE.userHeader);
  if (user !== null) {
    // The network says who is signed in now: only their pages are shown from here on, and
    // anyone else's go before this one is kept.
    const copy = isKept(url) && keepable(response) ? response.clone() : null;
    const whose = await signedIn(user);
    event.waitUntil(copy ? inTurn(() => pageKept(user, url.href, copy)) : whose.settled);
  }
  return response;
}

function isKept(url) {
  return OFFLINE.keptPages.some((pattern) => new RegExp(pattern).test(url.pathname));
}

// Only a page as the signed-in user sees it: never a redirect (to the sign-in page, say), an
// error, or anything but HTML.
function keepable(response) {
  const type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected &&
    type.startsWith("text/html") && response.headers.has(OFFLINE.userHeader);
}

async function keptPage(url) {
  const { user } = await state();
  if (!user) return undefined;
  return caches.match(url.href, { cacheName: PAGES_PREFIX + user, ignoreVary: true });
}

async function offlinePage() {
  const { language } = await state();
  const url = OFFLINE.offlinePages[language] || OFFLINE.offlinePages[OFFLINE.defaultLanguage];
  return (await caches.match(url, { cacheName: SHELL_CACHE })) || Response.error();
}

// Answers whether the page is kept: a prefetched page finds no room among pages opened.
async function pageKept(user, href, response, { prefetched = false } = {}) {
  if ((await state()).user !== user) return false; // someone else signed in meanwhile
  const cache = await caches.open(PAGES_PREFIX + user);
  let kept = response;
  if (prefetched) {
    const headers = new Headers(response.headers);
    headers.set(PREFETCHED, "1");
    kept = new Response(await response.blob(), { status: response.status, headers });
  }
  await cache.put(href, kept);
  return pagesTrimmed(cache, href, prefetched);
}

// The pages stay under OFFLINE.pagesMaxBytes, the ones kept longest ago going first. A page
// the organizer opened pushes out prefetched pages first, then older opened ones, never
// itself; a prefetched page pushes out only older prefetched ones, or else goes itself.
// Answers whether the page just kept is still there.
async function pagesTrimmed(cache, justKept, prefetched) {
  const requests = await cache.keys(); // oldest first
  const entries = await Promise.all(requests.map(async (request) => {
    const response = await cache.match(request);
    const bytes = (await response.blob()).size;
    return { request, bytes, prefetched: response.headers.has(PREFETCHED) };
  }));
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  const prefetchedOnes = entries.filter((entry) => entry.prefetched);
  const candidates = prefetched ? prefetchedOnes : [
    ...prefetchedOnes, ...entries.filter((entry) => !entry.prefetched),
  ].filter((entry) => entry.request.url !== justKept);
  for (const entry of candidates) {
    if (total <= OFFLINE.pagesMaxBytes) return true;
    await cache.delete(entry.request);
    total -= entry.bytes;
    if (entry.request.url === justKept) return false;
  }
  return true;
}

// The report forms the events list names, kept in case the organizer reports offline an
// event whose form they never opened. A form kept already is not fetched again: each is
// fetched fresh when opened online anyway. Answers how many of them are kept.
async function pagesPrefetched(urls) {
  const { user } = await state();
  if (!user) return 0;
  const cache = await caches.open(PAGES_PREFIX + user);
  let held = 0;
  for (const address of urls.slice(0, OFFLINE.prefetchMax)) {
    if (current.user !== user) break; // signed out meanwhile
    const url = new URL(address, self.location.href);
    if (url.origin !== self.location.origin || !isKept(url)) continue;
    if (await cache.match(url.href, { ignoreVary: true })) {
      held += 1;
      continue;
    }
    let response;
    try {
      response = await fetch(url.href, { credentials: "same-origin" });
    } catch (error) {
      break; // the network is gone: the list asks again next time
    }
    // Only the page of the user who asked: after a sign-out it is the sign-in page.
    if (!keepable(response) || response.headers.get(OFFLINE.userHeader) !== user) continue;
    if (!(await pageKept(user, url.href, response, { prefetched: true }))) break; // no room
    held += 1;
  }
  return held;
}

// --- whose pages --------------------------------------------------------------------------

let current; // { user, language }: read once as last kept in STATE_CACHE, then kept up to date
const loaded = caches.match(STATE_KEY, { cacheName: STATE_CACHE })
  .then((kept) => (kept ? kept.json() : null))
  .catch(() => null)
  .then((kept) => {
    current = kept || { user: "", language: "" };
  });

async function state() {
  await loaded;
  return current;
}

// Another user is signed in on this phone, or the user signed out (""): only that user's
// pages are shown from now on, and the pages kept for anyone else are deleted in turn, so
// that nobody sees another person's pages, online or not. Answers { settled }: the deletion.
async function signedIn(user, language) {
  const before = await state();
  const next = { user, language: language || before.language };
  current = next;
  return { settled: inTurn(() => othersForgotten(next)) };
}

async function othersForgotten(next) {
  const others = (name) => name.startsWith(PAGES_PREFIX) && name !== PAGES_PREFIX + next.user;
  const names = await caches.keys();
  await Promise.all(names.filter(others).map((name) => caches.delete(name)));
  // Kept for a restarted worker, which starts with no memory of it.
  const cache = await caches.open(STATE_CACHE);
  await cache.put(STATE_KEY, new Response(JSON.stringify(next), {
    headers: { "Content-Type": "application/json" },
  }));
}
