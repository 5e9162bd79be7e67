"""The portal without network on a phone (issue 19): the service worker of portal/offline.py
keeps the shell and the organizer's pages, and shows them again with the network off.

Each test signs in on a fresh phone (a browser context of its own: no worker, no caches, no
IndexedDB), lets the worker take control, then cuts the network with ``set_offline``.
"""

import datetime as dt

import pytest

from portal import offline
from tests import factories as f
from tests.browser.conftest import phone_context as _phone
from tests.browser.conftest import sign_in
from tests.browser.conftest import under_worker as _under_worker
from tests.events_world import BEIJING

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_HEADING = {"zh-hans": "填报活动", "bo": None, "en": "Report the event"}

# The URLs a phone keeps in its caches of pages (not the shell's), by cache name.
KEPT_PAGES = """async () => {
  const kept = {};
  for (const name of await caches.keys()) {
    if (!name.startsWith("pages-")) continue;
    const cache = await caches.open(name);
    kept[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return kept;
}"""

OUR_TIBETAN_FONT_LOADS = """async () => {
  const faces = await document.fonts.load('16px "Noto Serif Tibetan"', "བོད་ཡིག");
  return faces.some((face) => face.family.replaceAll('"', "") === "Noto Serif Tibetan"
    && face.status === "loaded");
}"""


def _signed_in_under_worker(page, live_server, username="aba-organizer") -> None:
    """Sign in on the phone and wait until the worker controls the page."""
    sign_in(page, live_server, username)
    _under_worker(page)


@pytest.fixture
def organizer_phone(browser, live_server, world):
    """A fresh phone's page, signed in as the organizer and under the worker."""
    context = _phone(browser)
    page = context.new_page()
    _signed_in_under_worker(page, live_server)
    yield page
    context.close()


def _kept_pages(page) -> set[str]:
    return {path for paths in page.evaluate(KEPT_PAGES).values() for path in paths}


def _until(page, predicate: str, arg=None) -> None:
    """Wait until the asynchronous ``predicate`` holds in the page (wait_for_function takes
    a returned promise for true at once)."""
    waiting = f"""async (arg) => {{
      const predicate = {predicate};
      const deadline = Date.now() + 15000;
      while (Date.now() < deadline) {{
        if (await predicate(arg)) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }}
      return false;
    }}"""
    assert page.evaluate(waiting, arg), f"still not true after 15 s: {predicate}"


IS_KEPT = """async (path) => {
  for (const name of await caches.keys()) {
    if (name.startsWith("pages-") && await (await caches.open(name)).match(path)) return true;
  }
  return false;
}"""


def _wait_until_kept(page, path: str) -> None:
    _until(page, IS_KEPT, path)


def _choose_language(page, language: str) -> None:
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


@pytest.fixture
def second_event(world):
    """Another planned event of the organizer's unit, whose pages nobody opened."""
    return f.EventFactory(
        campaign=world.campaign,
        org_unit=world.units["central_a"],
        county=world.county,
        title="安曲牧场第二场宣讲",
        starts_at=dt.datetime(2025, 3, 20, 10, tzinfo=BEIJING),
        created_by=world.organizer,
    )


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_events_pages_open_again_without_network_in_the_users_language(
    organizer_phone, live_server, world, artifacts, language
):
    page = organizer_phone
    context = page.context
    _choose_language(page, language)
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}/events/")
    assert page.locator(".offline-unsupported").is_hidden()
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)
    if language == "zh-hans":
        # The Chinese page never asked for the Tibetan font: only the worker fetched it.
        fetched = page.evaluate(
            "performance.getEntriesByType('resource').map((entry) => entry.name)"
        )
        assert not [url for url in fetched if url.endswith(".woff2")]

    context.set_offline(True)
    page.reload()

    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("form.report-form").is_visible()
    assert world.event.title in page.locator("main").inner_text()
    if REPORT_HEADING[language]:
        assert page.locator("h1").inner_text() == REPORT_HEADING[language]
    else:
        assert any("\u0f00" <= ch <= "\u0fff" for ch in page.locator("h1").inner_text())
    # Styled from the kept stylesheet, the Tibetan font loaded from the phone.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 246, 248)"
    assert page.evaluate(OUR_TIBETAN_FONT_LOADS)
    page.screenshot(path=artifacts / f"offline-report-form-{language}.png", full_page=True)

    page.goto(f"{live_server.url}/events/")
    assert world.event.title in page.locator("main").inner_text()
    page.screenshot(path=artifacts / f"offline-events-{language}.png", full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_a_page_never_opened_shows_the_offline_page_in_the_users_language(
    organizer_phone, live_server, world, second_event, artifacts, language
):
    page = organizer_phone
    context = page.context
    _choose_language(page, language)

    context.set_offline(True)
    page.goto(f"{live_server.url}/events/{second_event.pk}/")

    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("main .offline-page").is_visible()
    assert second_event.title not in page.content()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(245, 246, 248)"
    page.screenshot(path=artifacts / f"offline-page-{language}.png", full_page=True)


def test_the_events_list_keeps_the_report_forms_of_planned_events_for_offline_use(
    organizer_phone, live_server, world, second_event
):
    page = organizer_phone
    context = page.context
    page.goto(f"{live_server.url}/events/")
    report = f"/events/{second_event.pk}/report"
    _wait_until_kept(page, report)
    _wait_until_kept(page, "/events/new")

    context.set_offline(True)
    page.goto(f"{live_server.url}{report}")

    assert page.locator("form.report-form").is_visible()
    assert second_event.title in page.locator("main").inner_text()


# Notes what the worker answers when it has kept the pages an events list named.
HEAR_PREFETCHED = """navigator.serviceWorker && navigator.serviceWorker.addEventListener(
  "message", (event) => { if (event.data.type === "prefetched") window.prefetched = event.data; }
);"""
KEPT_SIZES = """async () => {
  const sizes = {};
  for (const name of await caches.keys()) {
    if (!name.startsWith("pages-")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      sizes[new URL(request.url).pathname] = (await (await cache.match(request)).blob()).size;
    }
  }
  return sizes;
}"""


def _walk_and_prefetch(browser, live_server, pages: list[str]) -> dict[str, int]:
    """Sign in, open ``pages`` in order, the events list last; once the worker has answered
    for the list's pages, the bytes of each page it keeps."""
    context = _phone(browser)
    page = context.new_page()
    page.add_init_script(HEAR_PREFETCHED)
    _signed_in_under_worker(page, live_server)
    for path in [*pages, "/events/"]:
        page.goto(f"{live_server.url}{path}")
    page.wait_for_function("() => window.prefetched !== undefined")
    sizes = page.evaluate(KEPT_SIZES)
    context.close()
    return sizes


def test_the_kept_pages_stay_within_their_budget_and_prefetching_never_pushes_out_an_opened_one(
    browser, live_server, world, second_event, monkeypatch
):
    detail, report = f"/events/{world.event.pk}/", f"/events/{world.event.pk}/report"
    sizes = _walk_and_prefetch(browser, live_server, ["/", detail, report])
    prefetched = f"/events/{second_event.pk}/report"
    assert {"/", detail, report, "/events/", "/events/new", prefetched} <= set(sizes)

    # Room for the last two pages opened, and less than any page more.
    budget = sizes[report] + sizes["/events/"] + 1000
    assert min(sizes.values()) > 1000
    monkeypatch.setattr(offline, "PAGES_MAX_BYTES", budget)
    kept = _walk_and_prefetch(browser, live_server, ["/", detail, report])

    assert set(kept) == {report, "/events/"}
    assert sum(kept.values()) <= budget


def test_the_worker_leaves_the_api_and_every_other_method_to_the_network(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context

    with page.expect_response("**/static/css/portal.css") as static:
        page.evaluate("fetch('/static/css/portal.css')")
    with page.expect_response("**/api/v1/events/") as api:
        page.evaluate("fetch('/api/v1/events/')")
    with page.expect_response("**/events/") as posted:
        page.evaluate("fetch('/events/', {method: 'POST'})")
    assert static.value.from_service_worker
    assert api.value.status == 200
    assert not api.value.from_service_worker
    assert not posted.value.from_service_worker

    # Without network an API call fails as it would without the worker: no page stands in.
    context.set_offline(True)
    failed = page.evaluate("fetch('/api/v1/events/').then(() => 'answered', () => 'failed')")
    assert failed == "failed"


def test_a_page_kept_before_a_deploy_finds_the_shell_under_its_old_hashed_names(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context

    context.set_offline(True)
    css = page.evaluate(
        "fetch('/static/css/portal.0123456789ab.css').then((response) => response.text())"
    )
    assert "--font-bo" in css


INDEXED_DB_WRITE = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("outbox-test", 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore("reports", {keyPath: "uuid"});
  opening.onsuccess = () => {
    const transaction = opening.result.transaction("reports", "readwrite");
    transaction.objectStore("reports").put({uuid: "3f6c", head_count: 80});
    transaction.oncomplete = () => { opening.result.close(); resolve(); };
    transaction.onerror = () => reject(transaction.error);
  };
  opening.onerror = () => reject(opening.error);
})"""
INDEXED_DB_READ = """() => new Promise((resolve, reject) => {
  const opening = indexedDB.open("outbox-test", 1);
  opening.onsuccess = () => {
    const reading = opening.result.transaction("reports").objectStore("reports").get("3f6c");
    reading.onsuccess = () => { opening.result.close(); resolve(reading.result || null); };
    reading.onerror = () => reject(reading.error);
  };
  opening.onerror = () => reject(opening.error);
})"""


def test_a_worker_the_browser_stopped_still_knows_whose_pages_it_keeps(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)

    # As a phone's browser does with an idle worker: it starts again, with no memory. (The
    # network is cut first: Playwright cuts it for the worker too, which it cannot once
    # stopped.)
    context.set_offline(True)
    devtools = context.new_cdp_session(page)
    devtools.send("ServiceWorker.enable")
    devtools.send("ServiceWorker.stopAllWorkers")
    page.reload()

    assert page.locator("form.report-form").is_visible()


def test_a_new_worker_keeps_indexeddb_and_the_kept_pages_and_drops_the_old_shell(
    organizer_phone, live_server, world, monkeypatch
):
    page = organizer_phone
    context = page.context
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)
    page.evaluate(INDEXED_DB_WRITE)
    old_shell = [name for name in page.evaluate("caches.keys()") if name.startswith("shell-")]

    # A deploy: the shell lists one more file, so the worker's version changes.
    monkeypatch.setattr(
        offline, "SHELL_STATIC_FILES", (*offline.SHELL_STATIC_FILES, "js/text-grow.js")
    )
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    _until(
        page,
        """async (old) => {
          const names = await caches.keys();
          return !names.includes(old) && names.some((name) => name.startsWith("shell-"));
        }""",
        old_shell[0],
    )

    assert page.evaluate(INDEXED_DB_READ) == {"uuid": "3f6c", "head_count": 80}
    assert report in _kept_pages(page)
    context.set_offline(True)
    page.reload()
    assert page.locator("form.report-form").is_visible()


def test_after_sign_out_and_another_sign_in_the_first_users_pages_are_gone(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}/events/")
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)

    page.click("details.site-menu > summary")
    page.click(".account button[type=submit]")
    page.wait_for_url("**/accounts/login/")
    _until(page, f"async () => !Object.keys(await ({KEPT_PAGES})()).length")
    sign_in(page, live_server, "hn-organizer")
    page.goto(f"{live_server.url}/events/")
    _wait_until_kept(page, "/events/")

    context.set_offline(True)
    page.goto(f"{live_server.url}{report}")
    assert page.locator("main .offline-page").is_visible()
    page.goto(f"{live_server.url}/events/")
    assert world.event.title not in page.content()
    assert report not in _kept_pages(page)
    assert len(page.evaluate(KEPT_PAGES)) == 1


def test_a_session_that_ran_out_keeps_the_pages_for_the_same_person_offline(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)

    # The session ends unasked (idle too long): the next page online is the sign-in page.
    context.clear_cookies()
    page.goto(f"{live_server.url}/events/")
    page.wait_for_url("**/accounts/login/**")
    context.set_offline(True)
    page.goto(f"{live_server.url}{report}")

    assert page.locator("form.report-form").is_visible()


def test_someone_else_signing_in_after_a_session_ran_out_never_sees_the_first_users_pages(
    organizer_phone, live_server, world
):
    page = organizer_phone
    context = page.context
    report = f"/events/{world.event.pk}/report"
    page.goto(f"{live_server.url}{report}")
    _wait_until_kept(page, report)

    context.clear_cookies()  # no sign-out: the session ran out
    sign_in(page, live_server, "hn-organizer")
    context.set_offline(True)
    page.goto(f"{live_server.url}{report}")

    assert page.locator("main .offline-page").is_visible()
    assert report not in _kept_pages(page)


def test_a_browser_without_service_workers_shows_the_banner_and_the_usual_pages(
    browser, live_server, world, artifacts
):
    context = _phone(browser, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # As inside WeChat: no service worker.
    page.add_init_script("delete Navigator.prototype.serviceWorker")
    sign_in(page, live_server, "aba-organizer")
    page.goto(f"{live_server.url}/events/{world.event.pk}/report")

    assert page.locator(".offline-unsupported").is_visible()
    assert page.locator("form.report-form").is_visible()
    page.screenshot(path=artifacts / "offline-unsupported-zh-hans.png")
    assert problems == []
    context.close()


def test_the_browser_is_asked_once_to_keep_the_portals_data(browser, live_server, world):
    context = _phone(browser)
    page = context.new_page()
    page.add_init_script(
        """const persist = StorageManager.prototype.persist;
        StorageManager.prototype.persist = function () {
          const asked = Number(localStorage.getItem("test.persistAsked") || 0);
          localStorage.setItem("test.persistAsked", asked + 1);
          return persist.call(this);
        };"""
    )
    sign_in(page, live_server, "aba-organizer")
    for path in ("/events/", f"/events/{world.event.pk}/", "/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")

    assert page.evaluate("localStorage.getItem('test.persistAsked')") == "1"
    context.close()


def test_the_portal_can_be_added_to_the_home_screen(browser, live_server, world):
    context = _phone(browser)
    page = context.new_page()
    sign_in(page, live_server, "aba-organizer")
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    answer = page.request.get(f"{live_server.url}{manifest}")

    assert answer.headers["content-type"] == "application/manifest+json"
    icons = answer.json()["icons"]
    assert {icon.get("sizes") for icon in icons} >= {"192x192", "512x512"}
    for icon in icons:
        assert page.request.get(f"{live_server.url}{icon['src']}").ok
    context.close()


def test_a_tibetan_page_gets_the_webfont_from_the_phone_after_its_first_paint(
    browser, live_server, world
):
    # 153 KB would double the first load of a Tibetan page on a county link: the page
    # itself never fetches the font from the network; once the worker keeps it, the page
    # switches the font on and reads it from the phone.
    context = _phone(browser)
    context.add_cookies([{"name": "django_language", "value": "bo", "url": live_server.url}])
    page = context.new_page()
    fetched = []
    page.on(
        "requestfinished",
        lambda request: (
            request.url.endswith(".woff2")
            and fetched.append(request.response().from_service_worker)
        ),
    )
    # The page may have loaded the font before Playwright reports its request finished:
    # the request is waited for, not assumed to be reported by then.
    with page.expect_request_finished(lambda request: request.url.endswith(".woff2")):
        _signed_in_under_worker(page, live_server)
        page.wait_for_function(
            "() => document.querySelector('link[data-tibetan-font]').media === 'all'",
            timeout=20000,
        )
        assert page.evaluate(OUR_TIBETAN_FONT_LOADS)
    assert fetched
    assert all(fetched)  # every font request of the page was answered by the worker
    context.close()
