"""The header and the main navigation on a 390x844 phone, in Chinese and in Tibetan (whose
lines are taller): a short header, and a menu whose every section is in sight."""

import pytest

from campaigns.models import Membership, OrgUnit
from tests import factories as f
from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A quarter of the phone's height: the rest is the page.
HEADER_AT_MOST = PHONE["height"] // 4

# Each link and button of the open menu: its box, and whether its text overflows it.
MENU_ITEMS = """() => [...document.querySelectorAll('.site-menu-panel a, .site-menu-panel button')]
  .map(item => {
    const box = item.getBoundingClientRect();
    return {text: item.textContent.trim(), left: box.left, top: box.top, right: box.right,
            bottom: box.bottom, clipped: item.scrollWidth > item.clientWidth};
  })"""


@pytest.mark.parametrize("language", ["zh-hans", "bo"])
def test_the_header_is_short_and_every_section_of_the_menu_is_in_sight(
    phone_page, live_server, artifacts, language
):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    reviewer = f.MembershipFactory(
        user__username="hq-reviewer",
        user__first_name="王芳",
        org_unit=hq,
        role=Membership.Role.REVIEWER,
    ).user
    f.NotificationFactory(recipient=reviewer)
    page = phone_page
    sign_in(page, live_server, "hq-reviewer")
    page.click(f"nav.languages button[value={language}]")
    page.wait_for_load_state()

    open_section(page, "/events/review/")
    page.wait_for_url(f"{live_server.url}/events/review/")

    header = page.locator(".site-header").bounding_box()
    assert header["y"] + header["height"] <= HEADER_AT_MOST
    assert not page.locator("nav.main-nav").is_visible()
    page.screenshot(path=artifacts / f"navigation-closed-{language}.png")

    page.click("details.site-menu > summary")
    items = page.evaluate(MENU_ITEMS)
    # Seven sections for a reviewer at headquarters (measures among them), four account
    # links, the sign-out button.
    assert len(items) == 12
    for item in items:
        assert 0 <= item["left"] < item["right"] <= PHONE["width"], item
        assert 0 <= item["top"] < item["bottom"] <= PHONE["height"], item
        assert not item["clipped"], item
    nav = page.locator("nav.main-nav")
    assert nav.evaluate("nav => nav.scrollWidth <= nav.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    current = nav.locator("a[aria-current]")
    assert current.count() == 1
    assert current.get_attribute("href") == "/events/review/"
    assert current.get_attribute("aria-current") == "page"
    other = nav.locator("a:not([aria-current])").first
    looks = "a => [getComputedStyle(a).backgroundColor, getComputedStyle(a).borderLeftColor]"
    assert current.evaluate(looks) != other.evaluate(looks)
    page.screenshot(path=artifacts / f"navigation-open-{language}.png")
