"""The phone's outbox (issue 19): reports kept in IndexedDB until the server stored them,
sent by themselves when the network comes back, never twice, never as someone else.

Each test signs in on a fresh phone (a browser context of its own), lets the service worker
take control, then cuts or spoils the network with ``set_offline`` and ``route``. A plan made
on the phone makes the rows easy to count: its title is new to the database.
"""

import re

import pytest

from campaigns.models import Event, EventPhoto
from campaigns.services import events as event_services
from campaigns.services.unsent_reports import unsent_reports_import
from portal.offline import offline_user_key
from tests.browser.conftest import PHONE, plan_filled, sign_in
from tests.browser.conftest import phone_context as _phone
from tests.browser.conftest import under_worker as _under_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

API = "**/api/v1/offline-reports/**"
PLAN_TITLE = "安曲牧场宣讲（手机上计划）"
# What the outbox holds, read in the page: [{id, state, ...}].
OUTBOX = """async (user) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`portal-outbox-${user}`);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("reports")) { db.close(); return []; }
  return new Promise((resolve) => {
    const request = db.transaction("reports").objectStore("reports").getAll();
    request.onsuccess = () => { db.close(); resolve(request.result.map(
      ({ id, state, errors, attempts, kind }) => ({ id, state, errors, attempts, kind }))); };
  });
}"""
IS_KEPT = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith("pages-") && await (await caches.open(name)).match(path)) return true;
  }
  return false;
}"""
NO_BACKGROUND_SYNC = """
delete window.SyncManager;
if (window.ServiceWorkerRegistration) {
  Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", { get: () => undefined });
}"""


# The form config the outbox keeps: {version, body} or null.
CONFIG_KEPT = """async (user) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`portal-outbox-${user}`);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("config")) { db.close(); return null; }
  return new Promise((resolve) => {
    const request = db.transaction("config").objectStore("config").get("current");
    request.onsuccess = () => { db.close(); resolve(request.result || null); };
  });
}"""
# Writes ``record`` straight into the user's outbox database, at ``version`` (1: as the
# outbox was before the store "config"), as a browser that quit would have left it.
RECORD_WRITTEN = """async ({ user, version, record }) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`portal-outbox-${user}`, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("reports")) {
        db.createObjectStore("reports", { keyPath: "id" });
      }
      if (!db.objectStoreNames.contains("photos")) {
        db.createObjectStore("photos", { keyPath: "id" }).createIndex("report", "report");
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const transaction = db.transaction("reports", "readwrite");
    transaction.objectStore("reports").put(record);
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
  });
  const stores = Array.from(db.objectStoreNames);
  db.close();
  return { version: db.version, stores };
}"""


def _signed_in(browser, live_server, username="aba-organizer", *, background_sync=True):
    """A phone signed in, its pages under the worker. ``background_sync=False``: a browser
    without it, whose worker cannot send past what the test lets through (``page.route``
    holds only the pages' requests)."""
    context = _phone(browser)
    if not background_sync:
        context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.new_page()
    sign_in(page, live_server, username)
    _under_worker(page)
    return context, page


def _user_key(page) -> str:
    return page.locator("script[data-core]").get_attribute("data-user")


def _outbox(page, user=None) -> list[dict]:
    return page.evaluate(OUTBOX, user or _user_key(page))


def _states(page, user=None) -> list[str]:
    return sorted(item["state"] for item in _outbox(page, user))


def _until(page, check, timeout_ms=15000):
    """Wait until ``check()`` (Python, reading the page or the database) holds."""
    waited = 0
    while not check():
        assert waited < timeout_ms, "still not true"
        page.wait_for_timeout(100)
        waited += 100


def _ready(page):
    page.wait_for_function("() => window.PortalOutbox !== undefined")


def _report_form(page, live_server, event):
    page.goto(f"{live_server.url}/events/{event.pk}/report")
    _ready(page)


def _plan_form(page, live_server):
    page.goto(f"{live_server.url}/events/new")
    _ready(page)


def _plan_filled(page, title=PLAN_TITLE):
    plan_filled(page, title)


def _plan_saved_offline(context, page, live_server, title=PLAN_TITLE):
    _plan_form(page, live_server)
    context.set_offline(True)
    _plan_filled(page, title)
    page.click("main form button[type=submit]")
    page.locator(".outbox-saved").wait_for()


def _sign_out_tapped(page):
    page.click("details.site-menu > summary")
    page.click("form[action='/accounts/logout/'] button")


def _signed_out(page, live_server):
    """Sign out with reports not yet sent: the page asks first, and the answer is yes."""
    _sign_out_tapped(page)
    page.locator("dialog.outbox-sign-out button[value=sign-out]").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)


def _planned(title=PLAN_TITLE) -> int:
    return Event.objects.filter(title=title).count()


def test_a_report_saved_offline_is_sent_once_when_the_network_returns(browser, live_server, world):
    context, page = _signed_in(browser, live_server)
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "37")
    page.click("button[name=save]")

    page.locator(".outbox-saved").wait_for()
    assert page.locator(".outbox-badge").is_visible()
    assert _states(page) == ["waiting"]
    world.event.refresh_from_db()
    assert world.event.head_count is None

    context.set_offline(False)
    page.locator(".outbox-bar").wait_for(state="hidden")
    world.event.refresh_from_db()
    assert world.event.head_count == 37
    assert _states(page) == ["sent"]
    context.close()


def test_a_plan_whose_answer_was_lost_is_sent_again_and_stored_once(browser, live_server, world):
    context, page = _signed_in(browser, live_server, background_sync=False)
    _plan_saved_offline(context, page, live_server)
    puts = []

    def answer_lost_once(route):
        puts.append(route.request.method)
        if len(puts) == 1:
            route.fetch()  # the server stores it ...
            route.abort()  # ... and its answer never reaches the phone
        else:
            route.continue_()

    page.route(API, answer_lost_once)
    context.set_offline(False)
    _until(page, lambda: _states(page) == ["sent"])
    assert puts == ["PUT", "PUT"]  # sent again at once: the server answered "already stored"
    assert _planned() == 1
    assert page.locator(".outbox-bar").is_hidden()
    context.close()


@pytest.mark.parametrize("answer", ["captive_portal", "sign_in_redirect"])
def test_a_page_that_is_not_the_apis_answer_leaves_the_report_queued(
    browser, live_server, world, answer
):
    context, page = _signed_in(browser, live_server, background_sync=False)
    _plan_saved_offline(context, page, live_server)
    seen = []

    def not_the_api(route):
        seen.append(route.request.url)
        if answer == "captive_portal":  # a hotel's or a pasture shop's Wi-Fi login, in 200
            route.fulfill(status=200, content_type="text/html", body="<h1>Wi-Fi login</h1>")
        else:
            route.fulfill(status=302, headers={"Location": f"{live_server.url}/accounts/login/"})

    page.route(API, not_the_api)
    context.set_offline(False)
    _until(page, lambda: seen)
    # Back to waiting once the answer (the redirect's login page, slow under load) is read.
    _until(page, lambda: _states(page) == ["waiting"])
    assert _planned() == 0
    assert page.locator(".outbox-badge").is_visible()

    page.unroute(API)
    page.click(".outbox-badge")
    page.click("[data-outbox-send]")
    _until(page, lambda: _planned() == 1)
    context.close()


def test_a_refused_report_needs_attention_and_is_not_sent_again_by_itself(
    browser, live_server, world
):
    context, page = _signed_in(browser, live_server, background_sync=False)
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "37")
    page.click("button[name=save]")
    page.locator(".outbox-saved").wait_for()
    # The office cancels the head count's premise meanwhile: a bound the phone cannot know.
    puts = []
    page.on("request", lambda r: r.method == "PUT" and puts.append(r.url))

    def refused(route):
        route.fulfill(
            status=422,
            content_type="application/json",
            body=(
                f'{{"id": "{world.event.uuid}", "status": "invalid",'
                ' "errors": {"head_count": ["不得超过场地容量。"]}}'
            ),
        )

    page.route(API, refused)
    context.set_offline(False)
    _until(page, lambda: _states(page) == ["attention"])
    # Neither the network's return, nor the page shown again, nor a new page sends it again.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.click(".outbox-badge")
    page.wait_for_timeout(1500)
    assert len(puts) == 1
    item = page.locator(".outbox-item.attention")
    assert "不得超过场地容量。" in item.inner_text()

    item.locator("a.button").click()  # the form, with the reason at its field
    _ready(page)
    field = page.locator(".field.has-error", has=page.locator("input[name=head_count]"))
    field.wait_for()
    assert "不得超过场地容量。" in field.inner_text()
    assert page.input_value("input[name=head_count]") == "37"
    context.close()


def test_signing_out_and_in_again_between_save_and_send_sends_with_the_new_token(
    browser, live_server, world
):
    context, page = _signed_in(browser, live_server, background_sync=False)
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "41")
    page.click("button[name=save]")
    page.locator(".outbox-saved").wait_for()
    page.route(API, lambda route: route.abort())  # not sent before the sign-out
    context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.locator(".outbox-badge").wait_for()
    _signed_out(page, live_server)
    page.unroute(API)

    sign_in(page, live_server, "aba-organizer")  # a new session, a rotated CSRF token
    _until(page, lambda: Event.objects.get(pk=world.event.pk).head_count == 41)
    context.close()


def test_an_office_edit_before_the_send_is_reviewed_field_by_field(
    browser, live_server, world, artifacts
):
    context, page = _signed_in(browser, live_server)
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "50")
    page.fill("input[name=staff_count]", "3")
    page.click("button[name=save]")
    page.locator(".outbox-saved").wait_for()
    # The office saves another head count and a summary meanwhile.
    event_services.event_report_save(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=world.event.version,
        figures={"head_count": 60},
        audience={},
        summary="办公室补录",
    )

    context.set_offline(False)
    page.goto(f"{live_server.url}/outbox/")
    _until(page, lambda: _states(page) == ["conflict"])
    page.reload()
    review = page.locator(".outbox-item.conflict table.outbox-review")
    review.wait_for()
    stored = Event.objects.get(pk=world.event.pk)
    assert (stored.head_count, stored.summary) == (60, "办公室补录")  # nothing overwritten
    rows = {row.get_attribute("data-key"): row for row in review.locator("tbody tr").all()}
    assert "report.head_count" in rows
    assert "report.summary" in rows
    page.screenshot(path=artifacts / "outbox-conflict-office-edit.png", full_page=True)
    # Keep the phone's head count and the office's summary.
    rows["report.summary"].locator("input[value=server]").check()
    page.click(".outbox-item.conflict button:not(.danger)")
    _until(page, lambda: _states(page) == ["sent"])
    stored = Event.objects.get(pk=world.event.pk)
    assert (stored.head_count, stored.summary) == (50, "办公室补录")
    context.close()


@pytest.mark.parametrize("trigger", ["online", "visible", "next_page"])
def test_without_background_sync_the_page_sends_on_its_own_occasions(
    browser, live_server, world, trigger
):
    context = _phone(browser)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.new_page()
    sign_in(page, live_server, "aba-organizer")
    _under_worker(page)
    _plan_form(page, live_server)
    _plan_filled(page)
    page.route(API, lambda route: route.abort())  # no signal for the API
    page.click("main form button[type=submit]")
    page.locator(".outbox-saved").wait_for()
    assert _states(page) == ["waiting"]
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    # Its next try by the backoff timer is ten minutes away: what sends it is the trigger.
    [queued] = _outbox(page)
    page.evaluate(
        "([user, id]) => PortalOutbox.update(user, id, { next_try_at: Date.now() + 600000 })",
        [_user_key(page), queued["id"]],
    )
    page.unroute(API)
    if trigger == "online":
        page.evaluate("window.dispatchEvent(new Event('online'))")
    elif trigger == "visible":
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    else:
        page.goto(f"{live_server.url}/events/")
    _until(page, lambda: _planned() == 1, timeout_ms=3000)
    context.close()


def test_two_tabs_sending_at_once_store_one_event(browser, live_server, world):
    context, first = _signed_in(browser, live_server)
    _plan_saved_offline(context, first, live_server)
    second = context.new_page()
    second.goto(f"{live_server.url}/events/new")  # kept by the worker: still offline
    _ready(second)
    puts = []
    # The PUTs the server answered (the second tab's try on opening, offline, never left).
    context.on("response", lambda r: r.request.method == "PUT" and puts.append(r.url))

    context.set_offline(False)  # both tabs hear `online` at once
    _until(first, lambda: _states(first) == ["sent"])
    first.wait_for_timeout(500)
    assert _planned() == 1
    assert len(puts) == 1  # the Web Lock let one of them send
    context.close()


def test_a_new_service_worker_leaves_the_queued_report_in_place(
    browser, live_server, world, monkeypatch
):
    from portal import offline

    context, page = _signed_in(browser, live_server, background_sync=False)
    _plan_saved_offline(context, page, live_server)
    page.route(API, lambda route: route.abort())
    context.set_offline(False)
    # A deploy: the worker's version changes, the phone installs the new one.
    monkeypatch.setattr(offline, "shell_version", lambda: "a-new-version")
    page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.update())")
    page.wait_for_function("""async () => (await caches.keys()).includes("shell-a-new-version")""")
    page.reload()
    _ready(page)
    # The new worker is active: it dropped the old shell, and left the outbox alone.
    shells = "async () => (await caches.keys()).filter((name) => name.startsWith('shell-'))"
    _until(page, lambda: page.evaluate(shells) == ["shell-a-new-version"])
    assert _states(page) in (["waiting"], ["sending"])  # the page opening tries it again

    page.unroute(API)
    page.click(".outbox-badge")
    page.click("[data-outbox-send]")
    _until(page, lambda: _planned() == 1)
    context.close()


def test_a_report_saved_offline_survives_a_browser_restart_and_is_sent_later(
    browser, live_server, world, tmp_path
):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    profile = tmp_path / "phone-profile"
    options = {
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
    }
    chromium = browser.browser_type
    # No Background Sync: the worker of a restarted browser would send at once, past the
    # offline mode Playwright gives the pages. Here the page must find it and send it.
    context = chromium.launch_persistent_context(profile, **options)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.pages[0]
    sign_in(page, live_server, "aba-organizer")
    _under_worker(page)
    page.goto(f"{live_server.url}/outbox/")  # kept for later
    _plan_saved_offline(context, page, live_server)
    user = _user_key(page)
    context.close()  # the browser quits: nothing of the page is left in memory

    context = chromium.launch_persistent_context(profile, **options)
    context.add_init_script(NO_BACKGROUND_SYNC)
    context.set_offline(True)
    page = context.pages[0]
    page.goto(f"{live_server.url}/outbox/")
    _ready(page)
    # Queued still ("sending" if the browser quit in the middle of a try: sent first next time).
    assert _states(page, user) in (["waiting"], ["sending"])
    assert PLAN_TITLE in page.locator(".outbox-list").inner_text()
    assert _planned() == 0

    context.set_offline(False)
    _until(page, lambda: _planned() == 1)
    context.close()


def test_another_user_on_the_same_phone_neither_sees_nor_sends_the_first_ones_reports(
    browser, live_server, world
):
    from tests.events_world import member

    member(world.units["central_a"], "organizer", "aba-colleague")
    context, page = _signed_in(browser, live_server, background_sync=False)
    _plan_saved_offline(context, page, live_server)
    first_user = _user_key(page)
    page.route(API, lambda route: route.abort())  # not sent before the sign-out
    context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.locator(".outbox-badge").wait_for()
    _signed_out(page, live_server)
    page.unroute(API)

    sign_in(page, live_server, "aba-colleague")
    _ready(page)
    puts = []
    page.on("request", lambda r: r.method == "PUT" and puts.append(r.url))
    page.goto(f"{live_server.url}/outbox/")
    _ready(page)
    page.wait_for_timeout(1000)
    assert page.locator(".outbox-bar").is_hidden()
    assert page.locator(".outbox-list li").count() == 0
    assert PLAN_TITLE not in page.content()
    assert puts == []
    assert _planned() == 0
    # Still on the phone for the first user, who finds it sent when back.
    assert _states(page, first_user) == ["waiting"]
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_unsent_reports_page_lists_each_report_offline_in_the_users_language(
    browser, live_server, world, artifacts, language
):
    context, page = _signed_in(browser, live_server)
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/outbox/")  # kept for use without network
    _ready(page)
    _plan_form(page, live_server)  # kept too
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "37")
    page.click("button[name=save]")
    page.locator(".outbox-saved").wait_for()
    _plan_form(page, live_server)
    _plan_filled(page)
    page.click("main form button[type=submit]")
    page.locator(".outbox-saved").wait_for()

    page.goto(f"{live_server.url}/outbox/")
    _ready(page)
    page.locator(".outbox-item").nth(1).wait_for()
    assert page.locator("html").get_attribute("lang") == language
    warning = page.locator(".outbox-warning").inner_text()
    assert "2" in warning
    # The number stands where the language puts it (Tibetan: after the noun).
    assert re.search(r"(?<!\d)2(?!\d)", page.locator(".outbox-badge").inner_text())
    titles = page.locator(".outbox-item h2").all_inner_texts()
    assert titles == [world.event.title, PLAN_TITLE]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=artifacts / f"unsent-reports-{language}.png", full_page=True)

    # Discarding asks first; keeping it changes nothing.
    page.locator(".outbox-item").nth(1).locator("button.danger").click()
    page.locator("dialog.outbox-discard button[value=keep]").click()
    assert page.locator(".outbox-item").count() == 2
    page.locator(".outbox-item").nth(1).locator("button.danger").click()
    page.locator("dialog.outbox-discard button[value=discard]").click()
    _until(page, lambda: page.locator(".outbox-item").count() == 1)
    context.close()


class Taps:
    """The organizer's taps on the phone, counted as a thumb makes them: a box to type in,
    a checkbox, a button or a link is one tap; a list to choose from is two (open, choose);
    choosing photos is two (the button, the gallery's done)."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def type(self, selector, text):
        self.count += 1
        self.page.fill(selector, text)

    def choose(self, selector, value):
        self.count += 2
        self.page.select_option(selector, value)

    def check(self, selector):
        self.count += 1
        self.page.check(selector)

    def tap(self, selector):
        self.count += 1
        self.page.click(selector)

    def photos(self, selector, files):
        self.count += 2
        self.page.set_input_files(selector, files)


def _photo_files(tmp_path, count):
    from PIL import Image

    files = []
    for number in range(count):
        path = tmp_path / f"pasture-{number}.jpg"
        Image.new("RGB", (640, 480), (30 * number, 120, 60)).save(path, "JPEG")
        files.append(str(path))
    return files


def test_the_whole_offline_journey_plan_and_report_with_photos_then_sync(
    browser, live_server, world, tmp_path
):

    context, page = _signed_in(browser, live_server)
    page.goto(f"{live_server.url}/events/")  # the organizer's events, online, in the morning
    _until(page, lambda: page.evaluate(IS_KEPT, "/events/new/report"))
    context.set_offline(True)  # on the pasture
    taps = Taps(page)
    taps.tap("main a[href='/events/new']")
    _ready(page)
    taps.type("input[name=title]", PLAN_TITLE)
    taps.type("input[name=county]", "红原县")
    taps.type("input[name=venue_name]", "安曲乡牧场")
    taps.choose("select[name=venue_type]", "village")
    taps.choose("select[name=format]", "county_tour_stop")
    taps.check("input[name=topics][value=eight_rights]")
    taps.type("input[name=starts_at]", "2025-03-13T10:00")
    taps.tap("main form button[type=submit]")
    taps.tap(".outbox-saved a.button")  # "Report this event"
    _ready(page)
    page.locator("form[data-outbox=report-new]").wait_for()
    assert PLAN_TITLE in page.locator("[data-outbox-planned]").inner_text()
    assert page.locator("input[name=online_reach]").is_hidden()  # an in-person event
    taps.type("input[name=head_count]", "64")
    taps.type("input[name=audience_farmers_herders]", "50")
    taps.type("textarea[name=summary]", "牧民踊跃参加。")
    taps.photos("input[name=photos]", _photo_files(tmp_path, 2))
    page.locator("#report-photos-status").wait_for()
    taps.tap("button[name=submit]")
    page.locator(".outbox-saved").wait_for()
    assert page.locator(".outbox-badge").inner_text().startswith("1")
    assert _planned() == 0

    context.set_offline(False)  # back in the township: it goes by itself
    _until(page, lambda: _states(page) == ["sent"])
    event = Event.objects.get(title=PLAN_TITLE)
    assert event.head_count == 64
    assert event.status == Event.Status.REPORTED
    assert EventPhoto.objects.filter(event=event).count() == 2
    print(f"taps of the offline journey (plan, report with 2 photos, sync): {taps.count}")
    assert taps.count <= 20
    context.close()


def test_a_session_that_ran_out_keeps_the_report_waiting_and_asks_to_sign_in_again(
    browser, live_server, world
):
    context, page = _signed_in(browser, live_server, background_sync=False)
    _plan_saved_offline(context, page, live_server)
    page.route(
        API,
        lambda route: route.fulfill(
            status=403,
            content_type="application/json",
            body='{"detail": "Authentication credentials were not provided."}',
        ),
    )
    context.set_offline(False)
    sign_in_again = page.locator(".outbox-sign-in a")
    sign_in_again.wait_for()
    assert _states(page) == ["waiting"]
    assert _planned() == 0
    assert "next=/events/new" in sign_in_again.get_attribute("href")
    context.close()


def test_the_unsent_reports_file_holds_each_report_as_it_would_be_sent_with_its_photos(
    browser, live_server, world, tmp_path
):
    import base64
    import hashlib
    import json

    context, page = _signed_in(browser, live_server)
    page.goto(f"{live_server.url}/outbox/")  # kept for use without network
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "37")
    page.set_input_files("input[name=photos]", _photo_files(tmp_path, 1))
    page.locator("#report-photos-status").wait_for()
    page.click("button[name=save]")
    page.locator(".outbox-saved").wait_for()
    page.goto(f"{live_server.url}/outbox/")
    _ready(page)

    with page.expect_download() as download:
        page.click("[data-outbox-file]")
    saved = json.loads(download.value.path().read_text(encoding="utf-8"))

    assert download.value.suggested_filename.startswith("unsent-reports-")
    assert (saved["format"], saved["format_version"]) == ("outreach-portal-unsent-reports", 1)
    assert saved["user"] == _user_key(page)
    [report] = saved["reports"]
    assert report["id"] == str(world.event.uuid)
    assert report["body"]["report"]["head_count"] == 37
    assert report["body"]["base_version"] == world.event.version
    [photo] = report["photos"]
    assert report["body"]["photos"] == [photo["id"]]
    data = base64.b64decode(photo["data"])
    assert hashlib.sha256(data).hexdigest() == photo["sha256"]
    assert photo["type"] == "image/jpeg"

    # The office imports it; the phone sending the same report later stores nothing twice.
    imported = unsent_reports_import(user=world.organizer, data=download.value.path().read_bytes())
    assert imported.problems == []
    assert Event.objects.get(pk=world.event.pk).head_count == 37
    context.set_offline(False)
    _until(page, lambda: _states(page) == ["sent"])
    assert EventPhoto.objects.filter(event=world.event).count() == 1
    context.close()


def _plan_record(world, report_id, state, title=PLAN_TITLE) -> dict:
    """An outbox record of a plan made on the phone, as the outbox writes it."""
    now = "2025-03-12T08:00:00.000Z"
    return {
        "id": report_id,
        "kind": "plan",
        "state": state,
        "title": title,
        "starts_at": "2025-03-13 10:00",
        "county_label": "红原县",
        "event_url": None,
        "base_version": None,
        "config_version": "",
        "body": {
            "base_version": None,
            "config_version": "",
            "plan": {
                "campaign": world.campaign.pk,
                "org_unit": world.event.org_unit_id,
                "county": world.event.county_id,
                "title": title,
                "venue_name": "安曲乡牧场",
                "venue_type": "village",
                "format": "county_tour_stop",
                "language": "zh",
                "channel": "offline",
                "starts_at": "2025-03-13T10:00",
                "ends_at": None,
                "topics": ["eight_rights"],
                "expected_partners": [],
            },
            "report": None,
            "photos": [],
            "submit": False,
        },
        "errors": None,
        "detail": None,
        "server": None,
        "server_version": None,
        "attempts": 0,
        "next_try_at": 0,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "report_stored": False,
    }


def test_a_report_records_the_version_of_the_form_config_it_was_filled_against(
    browser, live_server, world
):
    context, page = _signed_in(browser, live_server, background_sync=False)
    configs = []
    page.on(
        "response",
        lambda response: (
            "/api/v1/form-config" in response.url
            and configs.append((response.status, response.request.headers.get("if-none-match")))
        ),
    )
    _plan_form(page, live_server)
    user = _user_key(page)
    # wait_for_function would take the returned promise for true at once: poll instead.
    _until(page, lambda: page.evaluate(CONFIG_KEPT, user))
    kept = page.evaluate(CONFIG_KEPT, user)
    assert kept["version"] == kept["body"]["version"] != ""
    assert kept["body"]["venue_types"]

    # The next page asks with the version it has, and the server answers "unchanged".
    page.reload()
    _ready(page)
    _until(page, lambda: any(status == 304 for status, _ in configs))
    assert (304, f'"{kept["version"]}"') in configs

    context.set_offline(True)
    _plan_filled(page)
    page.click("main form button[type=submit]")
    page.locator(".outbox-saved").wait_for()
    saved = page.evaluate(
        """async (user) => (await PortalOutbox.all(user)).map(
             (record) => [record.config_version, record.body.config_version])""",
        user,
    )
    assert saved == [[kept["version"], kept["version"]]]
    context.set_offline(False)
    _until(page, lambda: _planned() == 1)
    assert Event.objects.get(title=PLAN_TITLE).offline_config_version == kept["version"]
    context.close()


def test_a_report_kept_before_the_outbox_had_its_config_store_survives_the_upgrade(
    browser, live_server, world
):
    import uuid

    context = _phone(browser)
    context.add_init_script(NO_BACKGROUND_SYNC)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    user = offline_user_key(world.organizer)
    report_id = str(uuid.uuid4())
    before = page.evaluate(
        RECORD_WRITTEN,
        {"user": user, "version": 1, "record": _plan_record(world, report_id, "waiting")},
    )
    assert before == {"version": 1, "stores": ["photos", "reports"]}

    sign_in(page, live_server, "aba-organizer")
    _under_worker(page)
    _ready(page)
    _until(page, lambda: page.evaluate(CONFIG_KEPT, user))  # the upgraded database
    _until(page, lambda: _planned() == 1)
    assert [item["id"] for item in _outbox(page, user)] == [report_id]
    assert _states(page, user) == ["sent"]
    context.close()


def test_a_report_left_sending_by_a_browser_that_quit_is_sent_again_once(
    browser, live_server, world
):
    import uuid

    context, page = _signed_in(browser, live_server, background_sync=False)
    _ready(page)
    user = _user_key(page)
    report_id = str(uuid.uuid4())
    # The tab died in the middle of a send: the record says "sending", nobody holds the lock.
    context.set_offline(True)
    page.evaluate(
        RECORD_WRITTEN,
        {"user": user, "version": 2, "record": _plan_record(world, report_id, "sending")},
    )
    page.close()
    context.set_offline(False)

    page = context.new_page()
    puts = []
    page.route(API, lambda route: (puts.append(route.request.url), route.continue_()))
    page.goto(f"{live_server.url}/outbox/")
    _ready(page)
    _until(page, lambda: _states(page, user) == ["sent"])
    assert _planned() == 1
    assert puts == [f"{live_server.url}/api/v1/offline-reports/{report_id}"]
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_conflict_review_names_choices_counties_handouts_and_partners_in_the_users_language(
    browser, live_server, world, artifacts, language
):
    import uuid

    from django.utils import translation

    from campaigns.forms.events import handout_name
    from campaigns.models import MaterialEdition, ScreeningType, ServiceType, Topic, VenueType
    from tests import factories as f

    edition = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=world.units["hq"], title_zh="金融消费者八项基本权利"),
        status=MaterialEdition.Status.APPROVED,
    )
    hospital = f.PartnerFactory(org_unit=world.event.org_unit, name="红原县人民医院")
    context, page = _signed_in(browser, live_server)
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/outbox/")
    _ready(page)
    user = _user_key(page)
    with translation.override(language):
        campus_label = str(VenueType.CAMPUS.label)
    # The lists kept in this language, with the hospital: the config the sign-in page kept
    # may still be the other language's, until this page's request for it is answered.
    kept_here = f"""async ([user, campus, partner]) => {{
      const kept = await ({CONFIG_KEPT})(user);
      return !!kept && kept.body.venue_types.some(([value, label]) =>
          value === "campus" && label === campus) &&
        kept.body.partners.some((p) => p.name === partner);
    }}"""
    _until(page, lambda: page.evaluate(kept_here, [user, campus_label, hospital.name]))

    record = _plan_record(world, str(uuid.uuid4()), "conflict")
    record["body"]["plan"]["expected_partners"] = [hospital.pk]
    record["body"]["report"] = {
        "head_count": 40,
        "audience": {},
        "summary": "",
        "handouts": [{"edition": edition.pk, "copies": 40}],
        "partner_services": [
            {
                "partner": hospital.pk,
                "service_type": "health_screening",
                "screening_type": "cervical_breast",
                "people_served": None,
                "screened": 30,
                "referred": 2,
            }
        ],
    }
    record["server_version"] = 2
    record["detail"] = "changed at the office"
    record["server"] = {
        "plan": {
            **record["body"]["plan"],
            "venue_type": "campus",
            "county": world.other_county.pk,  # not in the user's lists: shown as it is
            "topics": ["anti_fraud", "eight_rights"],
            "expected_partners": [],
        },
        "report": {**record["body"]["report"], "handouts": [], "partner_services": []},
    }
    page.evaluate(RECORD_WRITTEN, {"user": user, "version": 2, "record": record})
    page.reload()
    review = page.locator(".outbox-item.conflict table.outbox-review")
    review.wait_for()
    cells = {
        row.get_attribute("data-key"): [cell.inner_text() for cell in row.locator("td").all()]
        for row in review.locator("tbody tr").all()
    }
    page.screenshot(
        path=artifacts / f"outbox-conflict-review{'-bo' if language == 'bo' else ''}.png",
        full_page=True,
    )
    with translation.override(language):
        village, campus = str(VenueType.VILLAGE.label), str(VenueType.CAMPUS.label)
        rights, fraud = str(Topic.EIGHT_RIGHTS.label), str(Topic.ANTI_FRAUD.label)
        handout = handout_name(edition)
        service = str(ServiceType.HEALTH_SCREENING.label)
        screening = str(ScreeningType.CERVICAL_BREAST.label)
    county = "རྨ་ཐང་རྫོང་" if language == "bo" else "红原县"
    # [at the office, on this phone]
    assert cells["plan.venue_type"] == [campus, village]
    assert cells["plan.county"] == [str(world.other_county.pk), county]
    assert cells["plan.topics"] == [f"{fraud}, {rights}", rights]
    assert cells["plan.expected_partners"] == ["—", "红原县人民医院"]
    assert cells["report.handouts"] == ["—", f"{handout} × 40"]
    server_side, phone_side = cells["report.partner_services"]
    assert server_side == "—"
    assert phone_side.startswith(f"红原县人民医院: {service}, {screening}, ")
    assert phone_side.endswith(" 2")
    assert not any("{" in text for pair in cells.values() for text in pair)  # no JSON
    context.close()


def test_signing_out_with_an_unsent_report_asks_in_the_users_language_and_keeps_the_report(
    browser, live_server, world, artifacts
):
    from django.utils import translation

    context, page = _signed_in(browser, live_server, background_sync=False)
    page.click("nav.languages button[value=bo]")
    page.wait_for_load_state()
    _under_worker(page)
    _plan_saved_offline(context, page, live_server)
    user = _user_key(page)
    page.route(API, lambda route: route.abort())  # not sent before the sign-out
    context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.locator(".outbox-badge").wait_for()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    _sign_out_tapped(page)
    asking = page.locator("dialog.outbox-sign-out")
    asking.wait_for()
    with translation.override("bo"):
        question = translation.gettext(
            "Reports not yet sent stay on this phone and are sent when you sign in again."
            " Sign out now?"
        )
    assert asking.locator("p").inner_text() == question
    page.screenshot(path=artifacts / "outbox-sign-out-bo.png")
    asking.locator("button[value=stay]").click()
    asking.wait_for(state="hidden")
    page.wait_for_timeout(300)
    assert page.url == f"{live_server.url}/"
    page.reload()  # still signed in
    assert _user_key(page) == user
    assert page.locator("dialog.outbox-sign-out").count() == 1

    _signed_out(page, live_server)
    assert dialogs == []  # the page's own dialog, never the browser's confirm
    page.goto(f"{live_server.url}/")
    assert page.locator("script[data-core]").count() == 0  # signed out
    page.unroute(API)
    sign_in(page, live_server, "aba-organizer")
    _until(page, lambda: _states(page, user) == ["sent"])  # still on the phone, and sent
    assert _planned() == 1
    context.close()
