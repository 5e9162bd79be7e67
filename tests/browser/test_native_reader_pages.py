"""Native readers on a phone: an administrator marks one on the members page, and the
native reader reviews regions' Tibetan names, filtered by prefecture, in zh-Hans."""

import pytest

from campaigns.models import Membership, OrgUnit, Region
from tests import factories as f
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aba(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="SC", name="四川分公司", kind=OrgUnit.Kind.BRANCH, parent=hq)
    aba = f.OrgUnitFactory(
        code="ABA", name="阿坝中心支公司", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch
    )
    f.MembershipFactory(user__username="sc-admin", org_unit=branch, role=Membership.Role.ADMIN)
    f.MembershipFactory(user__username="zhuoma", org_unit=aba, role=Membership.Role.TRANSLATOR)
    prefecture = f.RegionFactory(
        code="513200",
        name_zh="阿坝藏族羌族自治州",
        name_bo="རྔ་བ་བོད་རིགས་ཆ་ཡང་རིགས་རང་སྐྱོང་ཁུལ།",
        name_bo_needs_review=True,
        level=Region.Level.PREFECTURE,
    )
    for code, zh, bo in [
        ("513233", "红原县", "ཧོང་ཡོན་རྫོང་།"),
        ("513231", "阿坝县", "རྔ་བ་རྫོང་།"),
        ("513232", "若尔盖县", "མཛོད་དགེ་རྫོང་།"),
    ]:
        f.RegionFactory(
            code=code, name_zh=zh, name_bo=bo, name_bo_needs_review=True, parent=prefecture
        )
    return prefecture


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_admin_marks_a_native_reader_who_then_reviews_region_names(
    zh_phone_page, live_server, aba, artifacts
):
    page = zh_phone_page
    sign_in(page, live_server, "sc-admin")
    page.goto(f"{live_server.url}/members/")
    row = ".member-rows li:has-text('zhuoma')"
    page.locator(f"{row} form.inline button").click()
    page.wait_for_selector(".messages")
    # Marked: the row carries the badge, and its button now takes the mark away.
    assert page.locator(f"{row} .badge.status-approved").count() == 1
    assert page.locator(f"{row} input[name=is_native_reader]").count() == 0
    _fits_the_phone(page)
    page.screenshot(path=artifacts / "members-native-reader.png", full_page=True)
    page.context.clear_cookies()

    sign_in(page, live_server, "zhuoma")
    page.goto(f"{live_server.url}/materials/")
    page.click("a[href='/regions/tibetan-names/']")
    assert "4" in page.inner_text(".unreviewed-count")
    page.select_option("select[name=prefecture]", label="阿坝藏族羌族自治州 (513200)")
    page.click("form[method=get] button[type=submit]")
    hongyuan = page.locator(".region-name-rows li:has-text('红原县')")
    hongyuan.locator("input[name=name_bo]").fill("ཧོང་ཡོན་རྫོང་།")
    hongyuan.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "3" in page.inner_text(".unreviewed-count")
    assert page.locator(".region-name-rows li:has-text('红原县')").count() == 0
    _fits_the_phone(page)
    page.screenshot(path=artifacts / "region-names-review.png", full_page=True)
