"""A branch's monthly measures form on a phone (390×844), in Chinese and in Tibetan: every
box reachable without sideways scrolling, and a refusal shown at its box."""

import datetime as dt

import pytest

from campaigns.models import MeasurePart, Membership
from campaigns.seeding.measures import measures_catalogue_load
from tests import factories as f
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_monthly_form_fits_a_phone_and_refuses_a_part_above_its_whole(
    browser, live_server, artifacts, language
):
    measures_catalogue_load()
    unit = f.OrgUnitFactory(code="SC-ABA", name="阿坝中心支公司")
    f.MembershipFactory(
        user=f.UserFactory(username="aba-organizer"), org_unit=unit, role=Membership.Role.ORGANIZER
    )
    measure_return = f.MeasureReturnFactory(org_unit=unit, month=dt.date(2025, 3, 1))
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    sign_in(page, live_server, "aba-organizer")

    page.goto(f"{live_server.url}/measures/{measure_return.pk}/")
    boxes = page.locator("main input[type=number]")
    parts = {part.code: part.pk for part in MeasurePart.objects.all()}
    page.fill(f"input[name=part_{parts['calls']}]", "47")
    page.fill(f"input[name=part_{parts['solved_by_phone']}]", "50")
    page.click("main form button[type=submit]")

    error = page.locator(f"#id_part_{parts['solved_by_phone']}_error")
    assert error.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert boxes.count() == 13
    page.screenshot(path=artifacts / f"measures-form-{language}.png", full_page=True)
    context.close()
