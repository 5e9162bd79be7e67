"""An event's sign-in list on a phone: the organizer records a person under the consent text
and exports the list with a reason; a reviewer of the branch sees the phone masked."""

import datetime as dt

import pytest

from campaigns.models import AuditEntry, Membership, OrgUnit
from tests import factories as f
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEIJING = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def pasture_day(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="SC", name="四川分公司", kind=OrgUnit.Kind.BRANCH, parent=hq)
    aba = f.OrgUnitFactory(
        code="SC-ABA", name="阿坝中心支公司", kind=OrgUnit.Kind.CENTRAL_SUB_BRANCH, parent=branch
    )
    f.MembershipFactory(
        user__username="aba-organizer", org_unit=aba, role=Membership.Role.ORGANIZER
    )
    f.MembershipFactory(
        user__username="sc-reviewer", org_unit=branch, role=Membership.Role.REVIEWER
    )
    return f.EventFactory(
        org_unit=aba,
        title="红原县瓦切牧场两癌筛查宣传日",
        venue_name="瓦切牧场",
        starts_at=dt.datetime(2025, 3, 13, 10, tzinfo=BEIJING),
    )


def _phone(browser):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    return context.new_page()


def test_a_sign_in_is_recorded_masked_for_others_and_exported_with_a_reason(
    browser, live_server, artifacts, pasture_day
):
    errors = []
    organizer = _phone(browser)
    organizer.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(organizer, live_server, "aba-organizer")
    organizer.goto(f"{live_server.url}/events/{pasture_day.pk}/")
    organizer.click(f"a[href='/events/{pasture_day.pk}/sign-ins/']")

    organizer.fill("input[name=name]", "卓玛")
    organizer.fill("input[name=phone]", "138 1234 5678")
    organizer.select_option("select[name=audience_group]", "women")
    organizer.click("button:has-text('登记签到')")
    # Without the person's consent nothing is kept, and the form says why, input kept.
    assert "未经本人同意，不能保存签到信息。" in organizer.inner_text("form .error")
    assert organizer.input_value("input[name=name]") == "卓玛"
    assert not organizer.query_selector(".sign-in-rows")

    organizer.check("input[name=consent_given]")
    organizer.click("button:has-text('登记签到')")
    organizer.wait_for_selector(".sign-in-rows")
    assert "13812345678" in organizer.inner_text(".sign-in-phone")
    assert organizer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    organizer.screenshot(path=artifacts / "sign-ins-organizer.png", full_page=True)

    organizer.click("a:has-text('导出名单')")
    organizer.fill("textarea[name=reason]", "筛查后续电话回访")
    with organizer.expect_download() as download:
        organizer.click("button:has-text('下载')")
    assert download.value.suggested_filename.endswith(".xlsx")
    exported = AuditEntry.objects.get(action="campaigns.signin.exported")
    assert exported.data["reason"] == "筛查后续电话回访"
    assert "13812345678" not in str(exported.data)

    reviewer = _phone(browser)
    sign_in(reviewer, live_server, "sc-reviewer")
    reviewer.goto(f"{live_server.url}/events/{pasture_day.pk}/sign-ins/")
    assert reviewer.inner_text(".sign-in-phone") == "138****5678"
    assert not reviewer.query_selector("a:has-text('导出名单')")
    reviewer.screenshot(path=artifacts / "sign-ins-reviewer.png", full_page=True)
    # The refused form comes back as 400, which Chromium logs; nothing else may.
    assert [error for error in errors if "status of 400" not in error] == []
