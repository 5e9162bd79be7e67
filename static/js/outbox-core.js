/* The phone's outbox: reports kept in IndexedDB until the server has them (issue 19).

   No DOM here: the pages (static/js/outbox.js) and the service worker (Background Sync, with
   no page open) both load this file and share one way of storing and sending.

   One database per user, named by the opaque key the pages carry (portal/offline.py), so
   that another user's reports are never opened, shown or sent. A report is written here
   before any attempt to send it, and leaves only when the server answered, in so many words,
   that it stored it: status 200/201, JSON, naming the report's id, status "stored". A login
   page, a captive portal's page or a proxy's 200 leave it waiting. */
(function (scope) {
  "use strict";

  // 2: the store "config", the form's reference lists as last fetched (a report records
  // their version). An upgrade only adds stores: the reports and photos kept stay.
  const VERSION = 2;
  const MAX_DELAY_MS = 5 * 60 * 1000;
  const FIRST_DELAY_MS = 2 * 1000;
  // Not yet stored on the server: what the badge counts and the escape-hatch file holds.
  const UNSENT = ["draft", "waiting", "sending", "attention", "conflict"];
  // Sent reports stay listed as "sent" for a day, then leave the phone.
  const SENT_KEPT_MS = 24 * 60 * 60 * 1000;

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function finished(transaction) {
    return new Promise((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = transaction.onerror = () => reject(transaction.error);
    });
  }

  const opened = new Map();

  function databaseName(user) {
    return `portal-outbox-${user}`;
  }

  function open(user) {
    if (!user) return Promise.reject(new Error("nobody is signed in"));
    if (!opened.has(user)) {
      const request = indexedDB.open(databaseName(user), VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("reports")) {
          db.createObjectStore("reports", { keyPath: "id" });
        }
        if (!db.objectStoreNames.contains("photos")) {
          db.createObjectStore("photos", { keyPath: "id" }).createIndex("report", "report");
        }
        if (!db.objectStoreNames.contains("config")) {
          db.createObjectStore("config"); // one record, "current": {version, body}
        }
      };
      const db = done(request).then((database) => {
        // A new version of the outbox in another tab: this one steps aside, keeping the data.
        database.onversionchange = () => {
          database.close();
          opened.delete(user);
        };
        return database;
      });
      db.catch(() => opened.delete(user));
      opened.set(user, db);
    }
    return opened.get(user);
  }

  async function read(user, store, key) {
    const db = await open(user);
    return done(db.transaction(store).objectStore(store).get(key));
  }

  async function all(user) {
    const db = await open(user);
    return done(db.transaction("reports").objectStore("reports").getAll());
  }

  async function photosOf(user, reportId) {
    const db = await open(user);
    const index = db.transaction("photos").objectStore("photos").index("report");
    return done(index.getAll(reportId));
  }

  // The report's record with ``changes`` made in one transaction (a fresh record when new).
  async function update(user, id, changes) {
    const db = await open(user);
    const transaction = db.transaction("reports", "readwrite");
    const store = transaction.objectStore("reports");
    const now = new Date().toISOString();
    const before = (await done(store.get(id))) || {
      id,
      kind: "report",
      state: "draft",
      errors: null,
      detail: null,
      server: null,
      server_version: null,
      attempts: 0,
      next_try_at: 0,
      created_at: now,
      sent_at: null,
      report_stored: false,
    };
    const record = { ...before, ...changes, id, updated_at: now };
    store.put(record);
    await finished(transaction);
    return record;
  }

  // The form's reference lists as last fetched ({version, body}), or null.
  async function config(user) {
    return (await read(user, "config", "current")) || null;
  }

  async function configKept(user, version, body) {
    const db = await open(user);
    const transaction = db.transaction("config", "readwrite");
    transaction.objectStore("config").put({ version, body, fetched_at: new Date().toISOString() }, "current");
    await finished(transaction);
  }

  async function photoAdded(user, photo) {
    const db = await open(user);
    const transaction = db.transaction("photos", "readwrite");
    transaction.objectStore("photos").put({ state: "waiting", ...photo });
    await finished(transaction);
  }

  async function photoChanged(user, id, changes) {
    const db = await open(user);
    const transaction = db.transaction("photos", "readwrite");
    const store = transaction.objectStore("photos");
    const photo = await done(store.get(id));
    if (photo) store.put({ ...photo, ...changes });
    await finished(transaction);
  }

  // The report and its photos leave the phone.
  async function discard(user, id) {
    const db = await open(user);
    const transaction = db.transaction(["reports", "photos"], "readwrite");
    transaction.objectStore("reports").delete(id);
    const photos = transaction.objectStore("photos");
    const keys = await done(photos.index("report").getAllKeys(id));
    keys.forEach((key) => photos.delete(key));
    await finished(transaction);
  }

  async function forgetOldSent(user) {
    const limit = Date.now() - SENT_KEPT_MS;
    for (const record of await all(user)) {
      if (record.state === "sent" && Date.parse(record.sent_at) < limit) {
        await discard(user, record.id);
      }
    }
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  // --- sending ----------------------------------------------------------------------------

  // The CSRF token as the cookie holds it now: a sign-in since the report was saved rotates it.
  async function csrfToken() {
    if (typeof document !== "undefined") {
      const found = document.cookie.split("; ").find((pair) => pair.startsWith("csrftoken="));
      return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
    }
    if (scope.cookieStore) {
      const cookie = await scope.cookieStore.get("csrftoken");
      return cookie ? cookie.value : "";
    }
    return "";
  }

  // The answer's JSON, or null when it is not JSON (a login or captive portal's page, say).
  async function jsonOf(response) {
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("application/json") || response.redirected) return null;
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function stored(response, body, id) {
    return (response.status === 200 || response.status === 201) && body !== null &&
      body.id === id && body.status === "stored";
  }

  // Why a send stopped: "signIn" (401/403: the queue waits for the same user to sign in
  // again), "offline" (no answer, or not the endpoint's), or null.
  class Stop extends Error {
    constructor(reason) {
      super(reason);
      this.reason = reason;
    }
  }

  function later(record) {
    const attempts = (record.attempts || 0) + 1;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempts - 1));
    return { state: "waiting", attempts, next_try_at: Date.now() + delay };
  }

  // The answer, or null when none came. A request whose answer was lost on a flaky link is
  // sent once more at once (the server stores it once however often it comes), before the
  // outbox waits for its next try.
  async function put(url, options) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        return await fetch(url, { credentials: "same-origin", redirect: "follow", ...options });
      } catch (error) {
        if (scope.navigator && scope.navigator.onLine === false) break; // no network at all
      }
    }
    return null;
  }

  async function reportSent(user, record, api) {
    const response = await put(`${api}${record.id}`, {
      method: "PUT",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": await csrfToken(),
      },
      body: JSON.stringify(record.body),
    });
    if (response === null) {
      await update(user, record.id, later(record));
      throw new Stop("offline");
    }
    const body = await jsonOf(response);
    if (stored(response, body, record.id)) {
      return update(user, record.id, {
        report_stored: true,
        event_url: body.url,
        stored_version: body.version,
        errors: null,
        detail: null,
      });
    }
    if (body !== null && body.id === record.id) {
      // The server read the report and refused it: the organizer decides what comes next.
      if (response.status === 422 && body.status === "invalid") {
        await update(user, record.id, { state: "attention", errors: body.errors, detail: null });
        return null;
      }
      if (response.status === 409 && body.status === "conflict") {
        await update(user, record.id, {
          state: "conflict",
          server: body.server,
          server_version: body.server_version,
          detail: body.detail,
        });
        return null;
      }
      if (response.status === 410 && body.status === "gone") {
        await update(user, record.id, { state: "gone", detail: body.detail });
        return null;
      }
    }
    if (response.status === 401 || response.status === 403) {
      await update(user, record.id, { state: "waiting" });
      throw new Stop("signIn");
    }
    await update(user, record.id, later(record));
    throw new Stop("offline");
  }

  async function photoSent(user, record, photo, api) {
    const response = await put(`${api}${record.id}/photos/${photo.id}`, {
      method: "PUT",
      headers: {
        "Content-Type": photo.type,
        Accept: "application/json",
        "X-Content-SHA256": photo.sha256,
        "X-Caption": encodeURIComponent(photo.caption || ""),
        "X-CSRFToken": await csrfToken(),
      },
      body: photo.blob,
    });
    if (response === null) {
      await update(user, record.id, later(record));
      throw new Stop("offline");
    }
    const body = await jsonOf(response);
    if (stored(response, body, photo.id)) {
      // The server has it: the bytes leave the phone.
      await photoChanged(user, photo.id, { state: "sent", blob: null });
      return;
    }
    if (body !== null && body.id === photo.id && [409, 422].includes(response.status)) {
      const errors = body.errors || { photos: [body.detail] };
      await update(user, record.id, { state: "attention", errors });
      return;
    }
    if (response.status === 401 || response.status === 403) {
      await update(user, record.id, { state: "waiting" });
      throw new Stop("signIn");
    }
    await update(user, record.id, later(record));
    throw new Stop("offline");
  }

  // The report, then its photos, one at a time. Answers the record as it ends.
  async function sendOne(user, record, api) {
    const id = record.id;
    record = await update(user, id, { state: "sending" });
    if (!record.report_stored) {
      record = await reportSent(user, record, api);
      if (record === null) return read(user, "reports", id); // refused: attention and the like
    }
    for (const photo of await photosOf(user, record.id)) {
      if (photo.state === "sent") continue;
      await photoSent(user, record, photo, api);
      const now = await read(user, "reports", record.id);
      if (now.state === "attention") return now;
    }
    return update(user, record.id, {
      state: "sent",
      sent_at: new Date().toISOString(),
      attempts: 0,
      next_try_at: 0,
    });
  }

  /* A report still "sending" when a sender starts was left so by a tab or a browser that quit
     in the middle (the state is kept, the sender died): the sender holds the user's Web Lock,
     so nobody else is sending it. Back to waiting, and sent again at once; the server stores
     it once however often it comes. */
  async function abandonedResumed(user) {
    for (const record of await all(user)) {
      if (record.state === "sending") await update(user, record.id, { state: "waiting", next_try_at: 0 });
    }
  }

  /* Sends what waits, one report at a time, oldest first. ``force``: also what waits for
     its next try ("Send now", the network back). Answers {sent, stopped}, stopped being
     null, "offline", "signIn" or "busy" (another tab or the worker is sending: a Web Lock
     per user keeps to one sender; the server's idempotency stays the guarantee). */
  async function sendAll(user, { api, force = false } = {}) {
    const run = async () => {
      let sent = 0;
      await forgetOldSent(user);
      await abandonedResumed(user);
      const waiting = (await all(user))
        .filter((record) => record.state === "waiting") // a "sending" one is waiting again by now
        .filter((record) => force || (record.next_try_at || 0) <= Date.now())
        .sort((a, b) => a.created_at.localeCompare(b.created_at));
      for (const record of waiting) {
        try {
          const after = await sendOne(user, record, api);
          if (after && after.state === "sent") sent += 1;
        } catch (error) {
          if (error instanceof Stop) return { sent, stopped: error.reason };
          throw error;
        }
      }
      return { sent, stopped: null };
    };
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request(databaseName(user), { ifAvailable: true }, (lock) =>
        lock ? run() : { sent: 0, stopped: "busy" });
    }
    return run();
  }

  // When the next report waiting for its next try is due (ms since the epoch), or null.
  async function nextTry(user) {
    const due = (await all(user))
      .filter((record) => record.state === "waiting")
      .map((record) => record.next_try_at || 0);
    return due.length ? Math.min(...due) : null;
  }

  // The escape-hatch file's content (the contract's format_version 1).
  async function escapeFile(user) {
    const reports = [];
    for (const record of await all(user)) {
      if (!UNSENT.includes(record.state) || !record.body) continue;
      const photos = [];
      for (const photo of await photosOf(user, record.id)) {
        if (photo.state === "sent" || !photo.blob) continue;
        const bytes = new Uint8Array(await photo.blob.arrayBuffer());
        let binary = "";
        for (let i = 0; i < bytes.length; i += 0x8000) {
          binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        }
        photos.push({
          id: photo.id, type: photo.type, sha256: photo.sha256, caption: photo.caption || "",
          data: btoa(binary),
        });
      }
      reports.push({ id: record.id, title: record.title || "", body: record.body, photos });
    }
    const now = new Date();
    const offset = -now.getTimezoneOffset();
    const pad = (n) => String(Math.abs(n)).padStart(2, "0");
    const local = new Date(now.getTime() + offset * 60000).toISOString().slice(0, 19);
    const savedAt = `${local}${offset >= 0 ? "+" : "-"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
    return {
      name: `unsent-reports-${local.slice(0, 10).replaceAll("-", "")}-${local.slice(11, 16).replace(":", "")}.json`,
      content: {
        format: "outreach-portal-unsent-reports",
        format_version: 1,
        saved_at: savedAt,
        user,
        reports,
      },
    };
  }

  scope.PortalOutbox = {
    UNSENT, all, read, update, discard, photoAdded, photosOf, sha256Hex, sendAll, nextTry,
    escapeFile, databaseName, config, configKept,
  };
})(typeof self !== "undefined" ? self : window);
