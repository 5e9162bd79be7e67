/* The outbox, the pages' side (storage and sending: static/js/outbox-core.js). Loaded by
   static/js/outbox.js once the service worker controls the page, after the core.

   - Every page: the number of reports not yet sent (partials/outbox_badge.html), sending on
     page load, on `online`, when the page is shown again and on a backoff timer; signing out
     with unsent reports asks first.
   - The report form and the new-plan form (data-outbox): what is typed is kept on the phone
     as a draft; a tap on save keeps the report (and its photos) in the outbox before any
     attempt to send it, then sends it through the API. Online, the browser goes to the event's
     page as after a post; offline, the page says that the report is kept and will go by itself.
   - The unsent reports page (data-outbox-page): each report, its state, and what can be done.
   Browsers without a service worker or IndexedDB (WeChat's) post the forms as always. */
(function () {
  "use strict";
  const script = document.querySelector("script[data-outbox-pages]"); // static/js/outbox.js
  const user = script.dataset.user;
  if (!user || !("serviceWorker" in navigator) || !("indexedDB" in window)) return;
  const api = script.dataset.api.replace(/0{8}-0{4}-0{4}-0{4}-0{12}$/, "");
  const FLASH = "portal.outbox.flash";
  const FIGURES = [
    "head_count", "staff_count", "outlets_count", "online_reach", "visitors_received",
    "matters_raised", "matters_resolved", "matters_referred",
  ];
  const PLAN_FIELDS = [
    "campaign", "org_unit", "county", "title", "venue_name", "venue_type", "format", "channel",
    "topics", "language", "starts_at", "ends_at", "expected_partners",
  ];
  const SERVICE_FIELDS = ["partner", "service_type", "screening_type", "people_served", "screened", "referred"];
  let Outbox = null; // window.PortalOutbox once loaded
  const texts = () => (document.querySelector(".outbox-texts") || { dataset: {} }).dataset;
  const filled = (text, values) => text.replace(/\{(\w+)\}|%\((\w+)\)s/g, (whole, a, b) => {
    const name = a || b;
    return name in values ? values[name] : whole;
  });

  // --- every page -----------------------------------------------------------------------

  function flashShown() {
    let flash = null;
    try {
      flash = JSON.parse(sessionStorage.getItem(FLASH) || "null");
      sessionStorage.removeItem(FLASH);
    } catch (error) {
      return;
    }
    if (!flash || flash.path !== location.pathname) return;
    const main = document.querySelector("main");
    const list = document.createElement("ul");
    list.className = "messages";
    list.setAttribute("role", "status");
    for (const text of flash.texts || []) {
      const item = document.createElement("li");
      item.className = "message success";
      item.textContent = text;
      list.append(item);
    }
    main.prepend(list);
  }

  let signInNeeded = false;

  async function countsShown() {
    const records = await Outbox.all(user);
    const unsent = records.filter((record) => Outbox.UNSENT.includes(record.state) && record.state !== "draft");
    const bar = document.querySelector(".outbox-bar");
    if (bar) {
      const badge = bar.querySelector(".outbox-badge");
      badge.textContent = filled(unsent.length === 1 ? badge.dataset.one : badge.dataset.many, { n: unsent.length });
      bar.querySelector(".outbox-sign-in").hidden = !signInNeeded;
      bar.hidden = unsent.length === 0;
    }
    if (document.querySelector("[data-outbox-page]")) outboxPageShown(records, await Outbox.config(user));
    return unsent.length;
  }

  let timer = null;
  let sending = null;

  // Sends what waits (one sender per user at a time), then shows the counts and sets the
  // timer for the next try. Answers what sendAll answered.
  function send(force) {
    if (sending) return sending;
    sending = (async () => {
      const result = await Outbox.sendAll(user, { api, force });
      if (result.stopped === "signIn") signInNeeded = true;
      else if (result.stopped === null || result.sent) signInNeeded = false;
      await countsShown();
      const due = await Outbox.nextTry(user);
      window.clearTimeout(timer);
      if (due !== null) timer = window.setTimeout(() => send(false), Math.max(1000, due - Date.now()));
      return result;
    })().finally(() => {
      sending = null;
    });
    return sending;
  }

  /* The form's reference lists, fetched while online and kept in the user's outbox database
     (not the worker's cache: the worker never touches /api/), so that a report records the
     version of the lists its form was filled against, and the conflict review has labels.
     If-None-Match: an unchanged config costs a 304. */
  let configFetching = null;
  function configFetched() {
    if (!script.dataset.config || navigator.onLine === false) return Promise.resolve(null);
    configFetching = configFetching || (async () => {
      const kept = await Outbox.config(user);
      const headers = { Accept: "application/json" };
      if (kept) headers["If-None-Match"] = `"${kept.version}"`;
      const response = await fetch(script.dataset.config, { credentials: "same-origin", headers });
      const type = response.headers.get("Content-Type") || "";
      if (response.status === 200 && type.startsWith("application/json") && !response.redirected) {
        const body = await response.json();
        if (body && typeof body.version === "string" && body.version) await Outbox.configKept(user, body.version, body);
      }
      return Outbox.config(user);
    })().catch(() => null).finally(() => {
      configFetching = null;
    });
    return configFetching;
  }

  function askForBackgroundSync() {
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("outbox"))
      .catch(() => undefined);
  }

  // Signing out with reports not yet sent asks first (partials/outbox_badge.html's dialog);
  // they stay on the phone for this user. Held here, before offline-shell.js forgets the
  // user's pages: only a confirmed sign-out goes on, submitted again.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.getAttribute("action") !== script.dataset.signOut || form.dataset.outboxAsked) return;
    const bar = document.querySelector(".outbox-bar");
    const dialog = document.querySelector("dialog.outbox-sign-out");
    if (!bar || bar.hidden || !dialog) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog.returnValue = "";
    dialog.onclose = () => {
      if (dialog.returnValue !== "sign-out") return;
      form.dataset.outboxAsked = "1";
      form.requestSubmit();
    };
    dialog.showModal();
  }, true);

  // --- the forms ------------------------------------------------------------------------

  function values(form) {
    const fields = {};
    for (const element of form.elements) {
      const name = element.name;
      if (!name || element.type === "file" || element.type === "submit" || name === "csrfmiddlewaretoken") continue;
      if (element.closest("fieldset[hidden]")) continue; // not asked of this kind of event
      if (element.type === "checkbox") {
        fields[name] = fields[name] || [];
        if (element.checked) fields[name].push(element.value);
      } else if (element.type === "radio") {
        if (element.checked) fields[name] = element.value;
      } else {
        fields[name] = element.value;
      }
    }
    return fields;
  }

  function restored(form, fields) {
    for (const element of form.elements) {
      if (!element.name || !(element.name in fields) || element.type === "file" || element.name === "version") continue;
      const value = fields[element.name];
      if (element.type === "checkbox") element.checked = value.includes(element.value);
      else if (element.type === "radio") element.checked = value === element.value;
      else element.value = value;
    }
  }

  const number = (value) => (value === undefined || value === "" ? null : Number(value));

  function rows(fields, prefix, names) {
    const total = Number(fields[`${prefix}-TOTAL_FORMS`] || 0);
    const found = [];
    for (let i = 0; i < total; i += 1) {
      const row = {};
      for (const name of names) row[name] = fields[`${prefix}-${i}-${name}`];
      found.push(row);
    }
    return found;
  }

  function reportOf(fields) {
    const report = { audience: {}, summary: fields.summary || "" };
    for (const name of FIGURES) if (name in fields) report[name] = number(fields[name]);
    for (const name of Object.keys(fields)) {
      if (name.startsWith("audience_")) report.audience[name.slice(9)] = number(fields[name]);
    }
    report.handouts = rows(fields, "handouts", ["edition", "copies"])
      .filter((row) => row.edition)
      .map((row) => ({ edition: Number(row.edition), copies: number(row.copies) }));
    report.partner_services = rows(fields, "services", SERVICE_FIELDS)
      .filter((row) => row.partner)
      .map((row) => ({
        partner: Number(row.partner),
        service_type: row.service_type || "",
        screening_type: row.screening_type || "",
        people_served: number(row.people_served),
        screened: number(row.screened),
        referred: number(row.referred),
      }));
    return report;
  }

  function countyOf(form, text) {
    const typed = (text || "").trim();
    const code = (typed.match(/^\d{6}/) || [""])[0];
    const name = typed.replace(/^\d{6}\s*/, "");
    const options = Array.from(form.querySelectorAll("datalist option[data-id]"));
    const found = options.filter((option) => (code ? option.value.startsWith(code) :
      option.dataset.nameZh === name || option.dataset.nameBo === name || option.dataset.nameZh.startsWith(name)));
    return found.length === 1 ? Number(found[0].dataset.id) : null;
  }

  function planOf(form, fields) {
    return {
      campaign: number(fields.campaign),
      org_unit: number(fields.org_unit),
      county: countyOf(form, fields.county),
      title: fields.title || "",
      venue_name: fields.venue_name || "",
      venue_type: fields.venue_type || "",
      format: fields.format || "",
      language: fields.language || "zh",
      channel: fields.channel || "offline",
      starts_at: fields.starts_at || null,
      ends_at: fields.ends_at || null,
      topics: fields.topics || [],
      expected_partners: (fields.expected_partners || []).map(Number),
    };
  }

  // The server's rules that the phone can check, in the server's words (outbox_form_rules.html).
  function problems(form, fields) {
    const rules = document.querySelector(".outbox-rules").dataset;
    const found = {};
    const add = (name, message) => {
      found[name] = found[name] || [];
      found[name].push(message);
    };
    for (const element of form.elements) {
      if (!element.name || element.type === "hidden" || element.type === "file") continue;
      if (element.closest("fieldset[hidden]")) continue;
      const value = element.type === "checkbox" ? (fields[element.name] || []).length : element.value.trim();
      if (element.required && !value && !found[element.name]) add(element.name, rules.required);
      if (element.type === "number" && element.value !== "") {
        if (element.min !== "" && Number(element.value) < Number(element.min)) add(element.name, filled(rules.min, { limit_value: element.min }));
        if (element.max !== "" && Number(element.value) > Number(element.max)) add(element.name, filled(rules.max, { limit_value: element.max }));
      }
    }
    if (form.dataset.outbox !== "plan" && "head_count" in fields) {
      const head = number(fields.head_count);
      for (const name of Object.keys(fields)) {
        if (!name.startsWith("audience_") || number(fields[name]) === null || found[name]) continue;
        if (head === null) add(name, rules.headCountFirst);
        else if (number(fields[name]) > head) add(name, filled(rules.atMostHeadCount, { head_count: head }));
      }
      rows(fields, "handouts", ["edition", "copies"]).forEach((row, i) => {
        if (row.edition && number(row.copies) === null) add(`handouts-${i}-copies`, rules.howManyCopies);
        if (number(row.copies) && !row.edition) add(`handouts-${i}-edition`, rules.whichHandout);
      });
      rows(fields, "services", SERVICE_FIELDS).forEach((row, i) => {
        const filledIn = SERVICE_FIELDS.some((name) => (row[name] || "") !== "");
        if (!row.partner && filledIn) add(`services-${i}-partner`, rules.whichPartner);
        if (number(row.referred) !== null && number(row.screened) !== null && number(row.referred) > number(row.screened)) {
          add(`services-${i}-referred`, rules.referred);
        }
      });
    }
    if (form.dataset.outbox === "plan" && fields.county && !found.county && countyOf(form, fields.county) === null) {
      add("county", filled(rules.countyUnknown, { text: fields.county.trim() }));
    }
    return found;
  }

  // Errors at their fields, as partials/field.html shows them, and the summary above the form.
  function errorsShown(form, errors) {
    form.querySelectorAll(".outbox-error").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid=true]").forEach((node) => {
      node.removeAttribute("aria-invalid");
      const described = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => id !== `${node.id}_error`);
      if (described.length) node.setAttribute("aria-describedby", described.join(" "));
      else node.removeAttribute("aria-describedby");
    });
    form.querySelectorAll(".field.has-error").forEach((node) => node.classList.remove("has-error"));
    const summary = document.createElement("div");
    summary.className = "error-summary outbox-error";
    summary.setAttribute("role", "alert");
    summary.tabIndex = -1;
    summary.dataset.errorSummary = "";
    const heading = document.createElement("h2");
    heading.textContent = texts().problem;
    const list = document.createElement("ul");
    summary.append(heading, list);
    const at = (name) => (name === "__all__" ? null : form.querySelector(`[name="${CSS.escape(name)}"]`));
    const position = (name) => {
      const element = at(name);
      return element ? Array.prototype.indexOf.call(form.elements, element) : -1;
    };
    const ordered = Object.entries(errors || {}).sort(([a], [b]) => position(a) - position(b));
    for (const [name, messages] of ordered) {
      const element = at(name);
      const field = element && element.closest(".field");
      if (field) {
        field.classList.add("has-error");
        const box = document.createElement("div");
        box.className = "field-errors outbox-error";
        if (element.id) {
          // Tied to its box as partials/field.html ties a server's error: read with the field.
          box.id = `${element.id}_error`;
          element.setAttribute("aria-invalid", "true");
          const described = (element.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (!described.includes(box.id)) element.setAttribute("aria-describedby", [...described, box.id].join(" "));
        }
        for (const message of messages) {
          const line = document.createElement("p");
          line.className = "error";
          line.textContent = message;
          box.append(line);
        }
        field.append(box);
      }
      for (const message of messages) {
        const item = document.createElement("li");
        if (element && element.id) {
          const link = document.createElement("a");
          link.href = `#${element.id}`;
          link.textContent = message;
          item.append(link);
        } else {
          item.textContent = message;
        }
        list.append(item);
      }
    }
    if (!list.children.length) return;
    form.prepend(summary);
    summary.focus();
  }

  function savedNotice(form, text) {
    let notice = document.querySelector(".outbox-saved");
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "card notice outbox-saved";
      notice.setAttribute("role", "status");
      form.before(notice);
    }
    notice.textContent = text;
    notice.scrollIntoView({ block: "center" });
  }

  async function photosKept(form, id) {
    const input = form.querySelector("input[type=file][name=photos]");
    if (!input || !input.files.length) return [];
    const caption = (form.elements.caption && form.elements.caption.value) || "";
    const ids = [];
    for (const file of input.files) {
      const photo = {
        id: crypto.randomUUID(), report: id, blob: file, type: file.type || "image/jpeg",
        sha256: await Outbox.sha256Hex(file), caption,
      };
      await Outbox.photoAdded(user, photo);
      ids.push(photo.id);
    }
    return ids;
  }

  function formId(form) {
    if (form.dataset.outbox === "report") return form.dataset.outboxId;
    // A new plan's id is made when its form is first opened and kept in the address, so
    // that the same plan keeps it across reloads, and its report and the unsent page find it.
    const match = location.hash.match(/^#outbox=([0-9a-f-]{36})$/);
    if (match) return match[1];
    if (form.dataset.outbox === "report-new") return null;
    const id = crypto.randomUUID();
    history.replaceState(history.state, "", `#outbox=${id}`);
    return id;
  }

  // The report form of an event planned on this phone: its heading from the plan, and the
  // figures of its kind of event only. Answers whether there is such a plan.
  function plannedShown(form, record) {
    if (!record || !record.body || !record.body.plan) return false;
    const plan = record.body.plan;
    const kinds = new Set([plan.channel === "online" ? "online" : "in-person", plan.format]);
    form.querySelectorAll("[data-when]").forEach((part) => {
      part.hidden = !kinds.has(part.dataset.when);
    });
    const heading = document.querySelector("[data-outbox-planned]");
    heading.textContent = [record.title, record.starts_at, record.county_label].filter(Boolean).join(" · ");
    form.hidden = false;
    return true;
  }

  // Taken over at once: a tap on save while the outbox still reads what it keeps waits for
  // it, rather than posting the form. Answers whether the outbox keeps this form.
  function formTakenOver(form) {
    let keep;
    const ready = new Promise((resolve) => {
      keep = resolve;
    });
    form.addEventListener("submit", async (event) => {
      if (form.dataset.outboxPost) return; // posted as a web form: see the conflict below
      if (form.dataset.sending) return; // posted already before the outbox started (submit-once.js)
      event.preventDefault();
      if (form.dataset.outboxSaving) return; // a double tap
      form.dataset.outboxSaving = "1";
      try {
        const formKept = await ready;
        if (formKept) await formKept(event.submitter);
      } finally {
        delete form.dataset.outboxSaving;
      }
    });
    formPrepared(form, keep).catch(() => keep(null));
  }

  async function formPrepared(form, readyToKeep) {
    let id = formId(form);
    const kind = form.dataset.outbox;
    if (id === null) return readyToKeep(null); // a report form with no plan named
    // The report form of a phone-made plan keeps what is typed beside the plan's own fields.
    const fieldsKey = kind === "report-new" ? "report_fields" : "fields";
    const pageVersion = form.elements.version ? number(form.elements.version.value) : null;
    let record = await Outbox.read(user, "reports", id);
    if (kind === "plan" && record && record.state === "sent") {
      // Back on the form of a plan already stored: a new plan, under an id of its own.
      history.replaceState(history.state, "", location.pathname + location.search);
      id = formId(form);
      record = null;
    }
    if (kind === "report-new") {
      if (record && record.state === "sent" && record.event_url) {
        location.replace(`${record.event_url}report`); // on the server now: its own form
        return readyToKeep(null);
      }
      if (!plannedShown(form, record)) return readyToKeep(null);
    }
    if (record && record.state !== "sent" && record[fieldsKey]) {
      restored(form, record[fieldsKey]);
      if (record.state === "attention") errorsShown(form, record.errors);
    }
    const header = () => {
      const fields = values(form);
      if (kind === "report-new") return {};
      return kind === "report"
        ? { kind, title: form.dataset.title, starts_at: form.dataset.startsAt, county_label: form.dataset.county, event_url: form.dataset.eventUrl }
        : { kind, title: fields.title || "", starts_at: (fields.starts_at || "").replace("T", " "), county_label: fields.county || "", event_url: null };
    };
    let draftTimer = null;
    const draftKept = async () => {
      record = await Outbox.read(user, "reports", id);
      const changes = { ...header(), [fieldsKey]: values(form) };
      if (!record || record.state === "sent") {
        Object.assign(changes, { state: "draft", base_version: pageVersion, report_stored: false, body: null });
      }
      record = await Outbox.update(user, id, changes);
    };
    form.addEventListener("input", () => {
      window.clearTimeout(draftTimer);
      draftTimer = window.setTimeout(draftKept, 300);
    });
    form.addEventListener("change", () => {
      window.clearTimeout(draftTimer);
      draftTimer = window.setTimeout(draftKept, 100);
    });

    readyToKeep(formKept);

    async function formKept(submitter) {
      window.clearTimeout(draftTimer);
      const fields = values(form);
      const found = problems(form, fields);
      if (Object.keys(found).length) {
        errorsShown(form, found);
        return;
      }
      record = await Outbox.read(user, "reports", id);
      const fresh = !record || record.state === "sent";
      // Changed after it was stored: on the version this phone's last request left.
      const baseVersion = fresh ? (record && record.stored_version) || pageVersion : record.base_version;
      const before = (!fresh && record.body) || {};
      const added = await photosKept(form, id);
      const photos = [...(before.photos || []), ...added];
      // The lists this form was filled against: the latest the phone has.
      const config = await Outbox.config(user);
      const body = {
        base_version: baseVersion,
        config_version: config ? config.version : "",
        plan: kind === "plan" ? planOf(form, fields) : before.plan || null,
        report: kind === "plan" ? before.report || null : reportOf(fields),
        photos,
        submit: kind === "plan" ? Boolean(before.submit) : Boolean(submitter && submitter.name === "submit"),
      };
      // Kept on the phone before any attempt to send it.
      record = await Outbox.update(user, id, {
        ...header(), [fieldsKey]: fields, body, base_version: baseVersion, config_version: body.config_version,
        state: "waiting", errors: null, detail: null,
        report_stored: false, attempts: 0, next_try_at: 0, sent_at: null,
      });
      askForBackgroundSync();
      await send(true);
      record = await Outbox.read(user, "reports", id);
      const input = form.querySelector("input[type=file][name=photos]");
      if (record.state === "conflict" && kind === "report" && navigator.onLine) {
        // Someone saved this report while the form was open: the web form's own conflict
        // screen compares field by field, with nothing retyped (and the photos still chosen).
        await Outbox.discard(user, id);
        form.dataset.outboxPost = "1";
        delete form.dataset.outboxSaving;
        form.requestSubmit(submitter || null);
        return;
      }
      if (input) input.value = ""; // they are in the outbox now: leaving the page loses none
      if (record.state === "sent" || (record.report_stored && record.state !== "attention")) {
        const said = [body.submit ? form.dataset.doneSubmit : form.dataset.doneSave];
        if (added.length && form.dataset.photosAdded) said.push(JSON.parse(form.dataset.photosAdded)[added.length]);
        const url = new URL(record.event_url, location.href);
        try {
          sessionStorage.setItem(FLASH, JSON.stringify({ path: url.pathname, texts: said }));
        } catch (error) { /* the page opens without the confirmation */ }
        location.assign(url.href);
      } else if (record.state === "attention") {
        errorsShown(form, record.errors);
      } else if (record.state === "conflict" || record.state === "gone") {
        location.assign(document.querySelector(".outbox-badge").href);
      } else {
        savedNotice(form, texts().saved);
        if (kind === "plan" && form.dataset.reportNew) {
          const link = element("a", { className: "button", href: `${form.dataset.reportNew}#outbox=${id}`, textContent: form.dataset.reportThis });
          document.querySelector(".outbox-saved").append(" ", link);
        }
      }
    }
  }

  // --- the unsent reports page ----------------------------------------------------------

  function flat(copy, prefix) {
    const out = {};
    if (!copy) return out;
    for (const [name, value] of Object.entries(copy)) {
      if (name === "audience" && value && typeof value === "object") {
        for (const [group, count] of Object.entries(value)) out[`${prefix}.audience.${group}`] = count;
      } else {
        out[`${prefix}.${name}`] = value;
      }
    }
    return out;
  }

  /* The labels of coded values, in the user's language, by kind (venue_type, county,
     partner...): the kept form config's first (it names the user's counties, handouts and
     partners), then the choices the page carries (outbox_page), and the raw value last. */
  function namesOf(config, page) {
    const names = {};
    const add = (kind, pairs) => {
      names[kind] = names[kind] || {};
      for (const [value, label] of pairs) names[kind][String(value)] = label;
    };
    for (const [kind, labels] of Object.entries(JSON.parse(page.choices || "{}"))) add(kind, Object.entries(labels));
    const body = config && config.body;
    if (!body) return names;
    const tibetan = (document.documentElement.lang || "").startsWith("bo");
    const lists = {
      venue_type: "venue_types", format: "formats", channel: "channels", topics: "topics",
      language: "languages", service_type: "service_types", screening_type: "screening_types",
    };
    for (const [kind, list] of Object.entries(lists)) add(kind, body[list] || []);
    add("campaign", (body.campaigns || []).map((campaign) => [campaign.id, campaign.name]));
    add("org_unit", (body.units || []).map((unit) => [unit.id, unit.name]));
    add("county", (body.units || []).flatMap((unit) => unit.counties.map((county) =>
      [county.id, (tibetan && county.name_bo) || county.name_zh])));
    add("edition", (body.editions || []).map((edition) => [edition.id, edition.label]));
    add("partner", (body.partners || []).map((partner) => [partner.id, partner.name]));
    return names;
  }

  // What a review cell shows of one value: its lines (handouts and partner services one a line).
  function linesOf(key, value, names, labels) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return ["—"];
    const named = (kind, code) => (code === null || code === undefined || code === "" ? "" :
      (names[kind] && names[kind][String(code)]) || String(code));
    const field = key.split(".").pop();
    if (key === "report.handouts") return value.map((row) => `${named("edition", row.edition)} × ${row.copies ?? "—"}`);
    if (key === "report.partner_services") {
      return value.map((row) => {
        const kinds = [named("service_type", row.service_type), named("screening_type", row.screening_type)].filter(Boolean);
        const figures = ["people_served", "screened", "referred"]
          .filter((name) => row[name] !== null && row[name] !== undefined)
          .map((name) => `${labels[`service.${name}`] || name} ${row[name]}`);
        return `${named("partner", row.partner)}: ${[...kinds, ...figures].join(", ")}`;
      });
    }
    const kind = field === "expected_partners" ? "partner" : field;
    if (Array.isArray(value)) return [value.map((code) => named(kind, code)).join(", ")];
    if (names[kind]) return [named(kind, value)];
    return [typeof value === "object" ? JSON.stringify(value) : String(value)];
  }

  const shown = (value) => (value === null || value === undefined || value === "" ? "—" :
    typeof value === "object" ? JSON.stringify(value) : String(value));

  function differences(record) {
    const phone = { ...flat(record.body.plan, "plan"), ...flat(record.body.report, "report") };
    const server = { ...(record.body.plan ? flat(record.server.plan, "plan") : {}), ...flat(record.server.report, "report") };
    return Object.keys({ ...phone, ...server }).filter((key) => {
      if (key.startsWith("plan.") && !record.body.plan) return false;
      if (key.startsWith("report.") && !record.body.report) return false;
      return shown(phone[key]) !== shown(server[key]);
    }).map((key) => ({ key, phone: phone[key], server: server[key] }));
  }

  function chosen(record, choices) {
    const body = JSON.parse(JSON.stringify(record.body));
    for (const { key, server } of choices) {
      const path = key.split(".");
      let target = body;
      for (const part of path.slice(0, -1)) {
        target[part] = target[part] || {};
        target = target[part];
      }
      target[path[path.length - 1]] = server === undefined ? null : server;
    }
    body.base_version = record.server_version;
    return body;
  }

  function element(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    const { dataset, ...rest } = props;
    Object.assign(node, rest);
    Object.assign(node.dataset, dataset || {});
    node.append(...children);
    return node;
  }

  function reviewShown(item, record, page, config) {
    const labels = JSON.parse(page.labels);
    const names = namesOf(config, page);
    const rowsFound = differences(record);
    const table = element("table", { className: "outbox-review" },
      element("thead", {}, element("tr", {}, element("th", { textContent: page.field }),
        element("th", { textContent: page.server }), element("th", { textContent: page.phone }))));
    const body = element("tbody");
    rowsFound.forEach((row, i) => {
      const name = `choice-${record.id}-${i}`;
      const option = (side, value) => element("td", {}, element("label", {},
        element("input", { type: "radio", name, value: side, checked: side === "phone" }), " ",
        element("span", { className: "outbox-value" }, ...linesOf(row.key, value, names, labels)
          .flatMap((line, n) => (n ? [element("br"), line] : [line])))));
      body.append(element("tr", { dataset: { key: row.key } }, element("th", { textContent: labels[row.key] || row.key }),
        option("server", row.server), option("phone", row.phone)));
    });
    table.append(body);
    const button = element("button", { type: "button", textContent: page.sendChoices });
    button.addEventListener("click", async () => {
      const takeServer = rowsFound.filter((row, i) => item.querySelector(`input[name="choice-${record.id}-${i}"][value=server]`).checked);
      await Outbox.update(user, record.id, {
        body: chosen(record, takeServer), base_version: record.server_version, state: "waiting",
        server: null, detail: null, report_stored: false, attempts: 0, next_try_at: 0,
      });
      await send(true);
    });
    item.append(element("div", { className: "table-wrap" }, table), button);
  }

  function outboxPageShown(records, config) {
    const section = document.querySelector("[data-outbox-page]");
    const page = section.dataset;
    const unsent = records.filter((record) => Outbox.UNSENT.includes(record.state));
    const warning = section.querySelector(".outbox-warning");
    warning.textContent = filled(unsent.length === 1 ? page.warningOne : page.warningMany, { n: unsent.length });
    warning.hidden = unsent.length === 0;
    section.querySelector(".outbox-empty").hidden = records.length > 0;
    const list = section.querySelector(".outbox-list");
    list.replaceChildren();
    records.sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const record of records) {
      const item = element("li", { className: `card outbox-item ${record.state}`, dataset: { id: record.id, state: record.state } },
        element("h2", { textContent: record.title || "—" }),
        element("p", { className: "meta", textContent: [record.starts_at, record.county_label].filter(Boolean).join(" · ") }),
        element("p", { className: "outbox-state", textContent: page[`state${record.state[0].toUpperCase()}${record.state.slice(1)}`] }));
      const reasons = [record.detail, ...Object.values(record.errors || {}).flat()].filter(Boolean);
      if (reasons.length) item.append(element("ul", { className: "errors" }, ...reasons.map((text) => element("li", { className: "error", textContent: text }))));
      const actions = element("div", { className: "actions" });
      if (["draft", "attention", "waiting"].includes(record.state)) {
        const planErrors = Object.keys(record.errors || {}).some((name) => PLAN_FIELDS.includes(name));
        let href = `${page.planUrl}#outbox=${record.id}`;
        if (record.kind === "report" && record.event_url) href = `${record.event_url}report`;
        else if (record.body && record.body.report && !planErrors) href = `${page.reportNewUrl}#outbox=${record.id}`;
        actions.append(element("a", { className: "button secondary", href, textContent: page.open }));
        if (record.kind === "plan" && record.body && !record.body.report) {
          actions.append(element("a", { className: "button secondary", href: `${page.reportNewUrl}#outbox=${record.id}`, textContent: page.reportThis }));
        }
      }
      if (record.state !== "sent") {
        const discard = element("button", { type: "button", className: "danger", textContent: page.discard });
        discard.addEventListener("click", () => {
          const dialog = document.querySelector("dialog.outbox-discard");
          dialog.returnValue = "";
          dialog.onclose = async () => {
            if (dialog.returnValue !== "discard") return;
            await Outbox.discard(user, record.id);
            await countsShown();
          };
          dialog.showModal();
        });
        actions.append(discard);
      }
      // The review first: choosing is what a conflict asks for; discarding is the way out.
      if (record.state === "conflict" && record.server) reviewShown(item, record, page, config);
      item.append(actions);
      list.append(item);
    }
  }

  function pageWired() {
    const section = document.querySelector("[data-outbox-page]");
    if (!section) return;
    section.querySelector("[data-outbox-send]").addEventListener("click", () => send(true));
    section.querySelector("[data-outbox-file]").addEventListener("click", async () => {
      const file = await Outbox.escapeFile(user);
      const blob = new Blob([JSON.stringify(file.content, null, 1)], { type: "application/json" });
      const link = element("a", { href: URL.createObjectURL(blob), download: file.name });
      document.body.append(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    });
  }

  // --- start ----------------------------------------------------------------------------

  function started() {
    Outbox = window.PortalOutbox;
    document.querySelectorAll("form[data-outbox]").forEach(formTakenOver);
    pageWired();
    countsShown().then(() => send(true)).catch(() => undefined);
    configFetched();
    window.addEventListener("online", () => {
      send(true);
      configFetched();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") send(true);
    });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "outbox") countsShown();
    });
  }

  flashShown();
  started();
})();
