// Photos chosen on a phone: made smaller before they leave it, and never left behind unsent.
//
// A file box marked data-photo-status="<id of its status line>" gets both.
// - Each JPEG, PNG or WebP chosen in it is drawn again upright, at most LONGEST_SIDE pixels
//   on its longest side, as a JPEG of QUALITY, and put back in the box in place of the
//   original, so that the form's own post and htmx both send the small one: a few hundred
//   KB instead of several MB on a pasture's link. Whatever fails, the original goes; the
//   server checks and re-encodes every photo anyway.
// - Leaving the page while the box holds photos asks first, unless it is the photos' own
//   form being sent.
// Without JavaScript the originals are sent with the form, as chosen.
(() => {
  "use strict";

  const LONGEST_SIDE = 1600;
  const QUALITY = 0.7;
  const KINDS = new Set(["image/jpeg", "image/png", "image/webp"]);
  const CHOOSER = "input[type=file][data-photo-status]";

  const working = new Map(); // file box -> its choice of photos being made smaller
  let leavingWith = null; // the form whose own post is taking the browser off this page

  function shownSize(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
    return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  // The texts come translated from the page, with {name} placeholders.
  function filled(text, values) {
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  // Shows the status line's text named by key (its data-<key>), filled with values.
  function say(status, key, values = {}) {
    if (!status) return;
    status.textContent = filled(status.dataset[key] || "", values);
    status.hidden = false;
  }

  // The photo as a smaller JPEG, or the file itself when that is not smaller or not possible.
  async function smaller(file) {
    if (!KINDS.has(file.type) || typeof createImageBitmap !== "function") return file;
    let bitmap = null;
    try {
      // Turned upright by its EXIF orientation. A browser that does not know the option
      // refuses it, and the original goes: better large than sideways.
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a JPEG has no transparency: a PNG's is laid on white
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", QUALITY));
      if (!blob || blob.size >= file.size) return file;
      const name = `${file.name.replace(/\.[^.]*$/, "") || "photo"}.jpg`;
      return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
    } catch {
      return file;
    } finally {
      if (bitmap) bitmap.close();
    }
  }

  async function madeSmaller(input, choice) {
    const { originals } = choice;
    const status = document.getElementById(input.dataset.photoStatus);
    const files = [];
    for (const file of originals) {
      files.push(await smaller(file)); // one at a time: a phone's memory holds one bitmap
    }
    if (working.get(input) !== choice) return; // chosen again meanwhile: that choice wins
    const before = originals.reduce((sum, file) => sum + file.size, 0);
    const after = files.reduce((sum, file) => sum + file.size, 0);
    if (files.every((file, index) => file === originals[index])) {
      say(status, "asChosen", { size: shownSize(before) });
      return;
    }
    try {
      const replaced = new DataTransfer();
      for (const file of files) replaced.items.add(file);
      input.files = replaced.files; // fires no change event
    } catch {
      say(status, "asChosen", { size: shownSize(before) });
      return;
    }
    const key = originals.length === 1 ? "one" : "many";
    say(status, key, { before: shownSize(before), after: shownSize(after) });
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(CHOOSER)) return;
    const status = document.getElementById(input.dataset.photoStatus);
    const choice = { originals: Array.from(input.files) };
    if (!choice.originals.length) {
      working.delete(input);
      if (status) status.hidden = true;
      return;
    }
    say(status, "working");
    working.set(input, choice);
    choice.done = madeSmaller(input, choice).finally(() => {
      if (working.get(input) === choice) working.delete(input);
    });
  });

  // A tap on save while photos are still being made smaller: wait, then send them small.
  // In the capture phase, before htmx sees the submit.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const waits = [];
      for (const [input, choice] of working) {
        if (input.form === form) waits.push(choice.done);
      }
      if (!waits.length) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const submitter = event.submitter;
      Promise.all(waits).then(() => {
        if (submitter) submitter.click();
        else form.requestSubmit();
      });
    },
    true,
  );

  // A post the browser makes itself leaves the page; htmx prevents the default of its own.
  document.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) leavingWith = event.target;
  });

  window.addEventListener("beforeunload", (event) => {
    const unsent = Array.from(document.querySelectorAll(CHOOSER)).some(
      (input) => input.files.length && input.form !== leavingWith,
    );
    leavingWith = null;
    if (unsent) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });
})();
