"""The phone's outbox catching up after days without signal (issue 19).

Builds its own small world on a throwaway test database (bench/throwaway_db.py), starts the
portal on it in a thread, signs in as an organizer in Debian's Chromium at phone size, and
queues offline, through the outbox's own code (static/js/outbox-core.js), 50 events planned
and reported on the phone with 2 photos each, as the forms keep them. Then the network
returns, and 20 % of the API's answers are lost on the way back after the server stored the
request (Playwright's route.fetch(), then abort), chosen by a seeded random draw. The page
(the unsent reports page, left open) sends everything by itself. Background Sync is switched
off, so that every request goes through the lossy route (the worker's would pass around it).

Counted from the database at the end: events stored per phone-made id and photos per event;
a duplicate is a second row for one id, a lost report or photo one that never arrived.
Last line: `sync_s=S reports=50 photos=100 duplicates=0 lost=0 cached_kb=K`, S the seconds
from the network's return until the outbox says all is sent, K the kilobytes of every cache
the worker keeps.

    .venv/bin/python bench/offline_sync.py
"""

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import django_setup, in_test_database

# Playwright's sync API runs an event loop in this thread; the ORM reads after it are deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django_setup("offline-sync-bench")

REPORTS = 50
PHOTOS_PER_REPORT = 2
LOST_SHARE = 0.2
API = "**/api/v1/offline-reports/**"
TITLE = "牧场宣讲 {number:02d}"

NO_BACKGROUND_SYNC = """
delete window.SyncManager;
if (window.ServiceWorkerRegistration) {
  Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", { get: () => undefined });
}"""

# Queues the reports as the plan and report forms keep them: a record, then its photos (small
# JPEGs drawn here, a few tens of KB each), each photo with the SHA-256 of its bytes.
QUEUED = """async ({ user, reports, photosPerReport, plan }) => {
  const ids = [];
  for (let number = 1; number <= reports; number += 1) {
    const id = crypto.randomUUID();
    const photos = [];
    for (let index = 0; index < photosPerReport; index += 1) {
      const canvas = new OffscreenCanvas(800, 600);
      const drawing = canvas.getContext("2d");
      for (let stripe = 0; stripe < 40; stripe += 1) {
        drawing.fillStyle = `hsl(${(number * 37 + index * 90 + stripe * 9) % 360} 60% 50%)`;
        drawing.fillRect(stripe * 20, 0, 20, 600);
      }
      drawing.fillStyle = "#fff";
      drawing.font = "64px sans-serif";
      drawing.fillText(`${number}-${index}`, 40, 300);
      const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 });
      const photo = { id: crypto.randomUUID(), report: id, blob, type: "image/jpeg",
        sha256: await PortalOutbox.sha256Hex(blob), caption: `照片 ${index + 1}` };
      await PortalOutbox.photoAdded(user, photo);
      photos.push(photo.id);
    }
    const title = plan.title.replace("{number:02d}", String(number).padStart(2, "0"));
    const day = String(1 + (number % 28)).padStart(2, "0");
    const body = {
      base_version: null, config_version: "",
      plan: { ...plan, title, starts_at: `2025-03-${day}T10:00` },
      report: { head_count: 20 + number, audience: { farmers_herders: number },
        summary: "牧民踊跃参加。", handouts: [], partner_services: [] },
      photos, submit: true,
    };
    await PortalOutbox.update(user, id, {
      kind: "plan", title, starts_at: body.plan.starts_at, county_label: "红原县", event_url: null,
      body, base_version: null, state: "waiting", next_try_at: 0,
    });
    ids.push(id);
  }
  return ids;
}"""
STATES = """async (user) => (await PortalOutbox.all(user)).map((record) => record.state)"""
CACHED = """async () => {
  let total = 0;
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      total += (await (await cache.match(request)).blob()).size;
    }
  }
  return total;
}"""


def world() -> dict:
    """An organizer of a central sub-branch serving Hongyuan county, and a campaign."""
    import datetime as dt

    from campaigns.models import Membership, OrgUnit
    from tests import factories as f

    hq = f.OrgUnitFactory(code="HQ", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="BR-A", kind=OrgUnit.Kind.BRANCH, parent=hq)
    unit = f.OrgUnitFactory(code="CSB-A", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch)
    county = f.RegionFactory(code="513233", name_zh="红原县", name_bo="རྨ་ཐང་རྫོང་")
    unit.service_area.add(county)
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31))
    organizer = f.UserFactory(username="aba-organizer")
    f.MembershipFactory(user=organizer, org_unit=unit, role=Membership.Role.ORGANIZER)
    plan = {
        "campaign": campaign.pk,
        "org_unit": unit.pk,
        "county": county.pk,
        "title": TITLE,
        "venue_name": "安曲乡牧场",
        "venue_type": "village",
        "format": "county_tour_stop",
        "language": "zh",
        "channel": "offline",
        "ends_at": None,
        "topics": ["eight_rights"],
        "expected_partners": [],
    }
    return {"plan": plan, "unit": unit}


def portal_thread():
    """The portal in a thread of this process, on the throwaway database."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


def counted(unit) -> dict:
    """Rows stored of what the phone queued, read from the database."""
    from campaigns.models import Event, EventPhoto

    duplicates = lost = stored_reports = stored_photos = 0
    for number in range(1, REPORTS + 1):
        events = list(Event.objects.filter(org_unit=unit, title=TITLE.format(number=number)))
        duplicates += max(0, len(events) - 1)
        if not events or events[0].head_count is None:
            lost += 1
            continue
        stored_reports += 1
        photos = EventPhoto.objects.filter(event__in=events).count()
        stored_photos += min(photos, PHOTOS_PER_REPORT)
        duplicates += max(0, photos - PHOTOS_PER_REPORT)
        lost += max(0, PHOTOS_PER_REPORT - photos)
    return {
        "reports": stored_reports,
        "photos": stored_photos,
        "duplicates": duplicates,
        "lost": lost,
    }


def signed_in(browser, base: str):
    """A phone signed in as the organizer, on the unsent reports page, under the worker."""
    from tests.browser.conftest import PHONE
    from tests.factories import USER_PASSWORD

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "aba-organizer")
    page.fill("input[name=password]", USER_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(f"{base}/outbox/")
    page.wait_for_function("() => window.PortalOutbox !== undefined")
    return context, page


def synced(context, page, plan: dict, answers: dict) -> dict:
    """Queue the reports offline, let the network return through the lossy route, and wait
    until the outbox says everything is sent."""
    user = page.locator("script[data-core]").get_attribute("data-user")
    context.set_offline(True)
    queued_at = time.monotonic()
    arguments = {
        "user": user,
        "reports": REPORTS,
        "photosPerReport": PHOTOS_PER_REPORT,
        "plan": plan,
    }
    page.evaluate(QUEUED, arguments)
    print(f"queued {REPORTS} reports offline in {time.monotonic() - queued_at:.1f} s")
    draw = random.Random(19)

    def lossy(route):
        if draw.random() < LOST_SHARE:
            route.fetch()  # the server stores it ...
            route.abort()  # ... and the answer never reaches the phone
            answers["lost"] += 1
        else:
            route.continue_()
            answers["delivered"] += 1

    page.route(API, lossy)
    started = time.monotonic()
    context.set_offline(False)
    states = []
    while time.monotonic() < started + 600:
        states = page.evaluate(STATES, user)
        if states.count("sent") == REPORTS:
            break
        page.wait_for_timeout(250)
    return {
        "sync_s": time.monotonic() - started,
        "states": {state: states.count(state) for state in set(states)},
        "cached": page.evaluate(CACHED),
    }


def run() -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    made = world()
    server = portal_thread()
    answers = {"delivered": 0, "lost": 0}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context, page = signed_in(browser, f"http://127.0.0.1:{server.port}")
            result = synced(context, page, made["plan"], answers)
            browser.close()
    finally:
        server.terminate()
        server.join()

    rows = counted(made["unit"])
    print(f"answers: {answers['delivered']} delivered, {answers['lost']} lost after storing")
    print(f"states at the end: {result['states']}")
    print(
        f"sync_s={result['sync_s']:.1f} reports={rows['reports']} photos={rows['photos']} "
        f"duplicates={rows['duplicates']} lost={rows['lost']} "
        f"cached_kb={round(result['cached'] / 1000)}"
    )


if __name__ == "__main__":
    in_test_database(run)
