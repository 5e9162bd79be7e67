"""A second tap on a slow network: the form is sent once, and the page says what happened."""

import time

import pytest

from campaigns.models import Event
from campaigns.services import events as services
from campaigns.services import offline as offline_services
from tests.browser.conftest import plan_filled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _slow(monkeypatch, name: str) -> None:
    """The service ``name`` answers after a second and a half, as over a pasture's one bar of
    signal: time for a second tap while the first is on its way. Slowed where the web forms
    call it and where the phone's outbox (the offline reports' service) does."""
    original = getattr(services, name)

    def slow(**arguments):
        time.sleep(1.5)
        return original(**arguments)

    monkeypatch.setattr(services, name, slow)
    if hasattr(offline_services, name):
        monkeypatch.setattr(offline_services, name, slow)


def test_a_second_tap_while_the_plan_is_on_its_way_plans_one_event(
    phone_page, live_server, world, monkeypatch
):
    page = phone_page
    sign_in(page, live_server, "aba-organizer")
    page.goto(f"{live_server.url}/events/new")
    plan_filled(page, "牧场宣讲（双击）")
    # The plan goes as the web form's post, or through the outbox's PUT where the browser
    # keeps reports on the phone (issue 19): either way, once.
    posts = []
    page.on("request", lambda r: r.method in ("POST", "PUT") and posts.append(r.url))
    _slow(monkeypatch, "event_plan")
    button = page.locator("main form button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    # Taps at the button's place, as a thumb does: Playwright's own tap would wait for the
    # first one's page to arrive.
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/events/*/", timeout=15000)
    assert len(posts) == 1
    assert Event.objects.filter(title="牧场宣讲（双击）").count() == 1
    # Back from the event, the form can be sent again: the hold does not outlive the page.
    page.go_back()
    assert page.locator("main form[data-sending]").count() == 0
