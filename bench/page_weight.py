"""Bytes a phone downloads to open the report form of an event, with an empty cache.

Needs a database where `load_seeds` has run (the default after `make run`, or the one in
DATABASE_URL). Starts the portal on a free loopback port, signs in as the seeded Aba
organizer in Debian's Chromium, opens the report form of the seeded planned event in Aba,
and adds up every byte transferred for that page (HTML, CSS, JS, fonts, images; headers
included) as Chromium's network log counts them. Prints one line per resource, then as its
last line `report_form_bytes=N`. Target: N <= 150000. `PAGE_LANGUAGE=bo` measures the
Tibetan page, whose webfont comes from the service worker after the first paint.

    .venv/bin/python bench/page_weight.py
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
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS, PHONE  # noqa: E402

TARGET_BYTES = 150_000
# The interface language of the measured page: `PAGE_LANGUAGE=bo` measures a Tibetan page.
LANGUAGE = os.environ.get("PAGE_LANGUAGE", "zh-hans")


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
            organizer_signed_in(page, base)
            # A fresh context for the measured page: signed in (same cookies), empty cache.
            cookies = context.cookies()
            context.close()
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            context.add_cookies(cookies)
            context.add_cookies([{"name": "django_language", "value": LANGUAGE, "url": base}])
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            urls, transferred = {}, {}
            cdp.on(
                "Network.requestWillBeSent",
                lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
            )
            cdp.on(
                "Network.loadingFinished",
                lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]),
            )
            response = page.goto(f"{base}/events/{event.pk}/report", wait_until="networkidle")
            if response is None or response.status != 200:
                sys.exit(f"the report form answered {response and response.status}")
            page.wait_for_timeout(300)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    for request_id, size in sorted(transferred.items(), key=lambda item: -item[1]):
        print(f"{size:>8}  {urls.get(request_id, '?').replace(base, '')}")
    total = sum(transferred.values())
    verdict = "within" if total <= TARGET_BYTES else "OVER"
    print(f"{len(transferred)} requests, {verdict} the target of {TARGET_BYTES} bytes")
    print(f"report_form_bytes={total}")


if __name__ == "__main__":
    main()
