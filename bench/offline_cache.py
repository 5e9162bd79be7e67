"""Bytes the service worker keeps on a phone for use without network (portal/offline.py).

Needs a database where `load_seeds` has run (the default after `make run`, or the one in
DATABASE_URL). Starts the portal on a free loopback port and, in Debian's Chromium at phone
size, signs in as the seeded Aba organizer in Tibetan (the language whose pages need the
webfont), opens the seeded planned event's page and report form, then the events list (which
hands the worker the plan form and the report forms of the unit's planned events to keep),
and waits until the worker says it has kept them. Then it reads back every cache the worker
made and adds up the bytes of each response body as the phone stores it (uncompressed).
Prints one line per kept response, the shell and the pages apart, and as its last line
`cached_kb=K`. Target: K <= 500.

    .venv/bin/python bench/offline_cache.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from bench.live_portal import (  # noqa: E402
    free_port,
    organizer_signed_in,
    portal_started,
    seeded_event,
)
from portal.offline import CACHED_MAX_BYTES, PAGES_MAX_BYTES  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE  # noqa: E402

LANGUAGE = "bo"

# Every response in every cache of the origin: cache name, path, bytes of the body.
CACHED = """async () => {
  const rows = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const body = await (await cache.match(request)).blob();
      rows.push([name, new URL(request.url).pathname, body.size]);
    }
  }
  return rows;
}"""
# Notes the worker's answer once it has kept the pages an events list named.
HEAR_PREFETCHED = """navigator.serviceWorker.addEventListener("message", (event) => {
  if (event.data.type === "prefetched") window.prefetched = event.data;
});"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    event = seeded_event()
    port = free_port()
    server = portal_started(port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = context.new_page()
            page.add_init_script(HEAR_PREFETCHED)
            organizer_signed_in(page, base)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null")
            page.click(f"nav.languages button[value={LANGUAGE}]")
            page.wait_for_load_state()
            for path in (f"/events/{event.pk}/", f"/events/{event.pk}/report", "/events/"):
                page.goto(f"{base}{path}", wait_until="networkidle")
            page.wait_for_function("() => window.prefetched !== undefined")
            rows = page.evaluate(CACHED)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    for name, path, size in sorted(rows, key=lambda row: (row[0], -row[2])):
        print(f"{size:>8}  {name:<32} {path}")
    shell = sum(size for name, _path, size in rows if name.startswith("shell-"))
    pages = sum(size for name, _path, size in rows if name.startswith("pages-"))
    total = sum(size for _name, _path, size in rows)
    page_count = sum(1 for name, _path, _size in rows if name.startswith("pages-"))
    print(f"shell: {shell} bytes; pages: {pages} bytes in {page_count} pages", end="")
    print(f" (the worker keeps pages under {PAGES_MAX_BYTES})")
    verdict = "within" if total <= CACHED_MAX_BYTES else "OVER"
    print(f"{total} bytes, {verdict} the target of {CACHED_MAX_BYTES} bytes")
    print(f"cached_kb={round(total / 1000)}")


if __name__ == "__main__":
    main()
