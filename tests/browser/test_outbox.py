"""The phone's outbox (issue 19): reports kept in IndexedDB until the server stored them,
sent by themselves when the network comes back, never twice, never as someone else.

Each test signs in on a fresh phone (a browser context of its own), lets the service worker
take control, then cuts or spoils the network with ``set_offline`` and ``route``.
"""

import pytest

from campaigns.models import Event, EventPhoto  # noqa: F401 - used by the tests below
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

API = "**/api/v1/offline-reports/**"
# What the outbox holds, read in the page: [{id, state, ...}].
OUTBOX = """async (user) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(`portal-outbox-${user}`);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  if (!db.objectStoreNames.contains("reports")) return [];
  return new Promise((resolve) => {
    const request = db.transaction("reports").objectStore("reports").getAll();
    request.onsuccess = () => resolve(request.result.map(
      ({ id, state, errors, attempts }) => ({ id, state, errors, attempts })));
  });
}"""


def _phone(browser, **options):
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **options
    )


def _signed_in(browser, live_server, username="aba-organizer", **options):
    context = _phone(browser, **options)
    page = context.new_page()
    sign_in(page, live_server, username)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return context, page


def _user_key(page) -> str:
    return page.locator("script[data-core]").get_attribute("data-user")


def _outbox(page) -> list[dict]:
    return page.evaluate(OUTBOX, _user_key(page))


def _report_form(page, live_server, event):
    page.goto(f"{live_server.url}/events/{event.pk}/report")
    page.wait_for_function("() => window.PortalOutbox !== undefined")


def test_a_report_saved_offline_is_sent_once_when_the_network_returns(browser, live_server, world):
    context, page = _signed_in(browser, live_server)
    _report_form(page, live_server, world.event)
    context.set_offline(True)
    page.fill("input[name=head_count]", "37")
    page.click("button[name=save]")

    page.locator(".outbox-saved").wait_for()
    assert page.locator(".outbox-badge").is_visible()
    assert [item["state"] for item in _outbox(page)] == ["waiting"]
    world.event.refresh_from_db()
    assert world.event.head_count is None

    context.set_offline(False)
    page.locator(".outbox-bar").wait_for(state="hidden")
    world.event.refresh_from_db()
    assert world.event.head_count == 37
    assert [item["state"] for item in _outbox(page)] == ["sent"]
    context.close()
