"""The audit page on a phone: an HQ reviewer reads who did what, including an export's reason."""

import datetime as dt

import pytest
from django.utils import timezone

from campaigns.models import AuditEntry, Membership, OrgUnit
from tests import factories as f
from tests.browser.conftest import PHONE, open_section, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def audit_world(db):
    hq = f.OrgUnitFactory(code="HQ", name="总公司", kind=OrgUnit.Kind.HQ)
    branch = f.OrgUnitFactory(code="SC", name="四川分公司", kind=OrgUnit.Kind.BRANCH, parent=hq)
    f.MembershipFactory(user__username="hq-reviewer", org_unit=hq, role=Membership.Role.REVIEWER)
    organizer = f.UserFactory(username="aba-organizer", first_name="卓玛")
    event = f.EventFactory(org_unit=branch, title="红原县瓦切牧场金融知识宣讲")
    made = [
        f.AuditEntryFactory(
            actor=organizer,
            action="campaigns.event.planned",
            object_id=str(event.pk),
            object_repr=event.title,
            org_unit=branch,
        ),
        f.AuditEntryFactory(
            actor=organizer,
            action="campaigns.signin.exported",
            object_id=str(event.pk),
            object_repr=event.title,
            org_unit=branch,
            comment="筛查后续电话回访",
            data={"sign_ins": 32, "reason": "筛查后续电话回访"},
        ),
        f.AuditEntryFactory(
            actor=organizer,
            action="campaigns.event.photo_added",
            object_id=str(event.pk),
            object_repr=event.title,
            org_unit=branch,
            data={"photo": 3, "width": 1600, "height": 1200, "bytes": 345678},
        ),
        f.AuditEntryFactory(
            action="campaigns.signin.purged",
            object_type="campaigns.signin",
            object_id="*",
            object_repr="签到",
            org_unit=None,
            data={"count": 120, "rule": "sign_ins_purge"},
        ),
    ]
    for hour, entry in enumerate(made, start=9):
        moment = dt.datetime(2025, 3, 15, hour, tzinfo=timezone.get_default_timezone())
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=moment)


def test_the_audit_page_reads_well_on_a_phone(phone_page, live_server, artifacts, audit_world):
    page = phone_page
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server, "hq-reviewer")

    open_section(page, "/audit/")
    page.wait_for_selector(".audit-rows")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "筛查后续电话回访" in page.inner_text(".audit-reason")
    page.screenshot(path=artifacts / "audit-log-phone.png", full_page=True)
    page.click("details.filters summary")
    page.screenshot(path=artifacts / "audit-log-phone-filters.png", full_page=True)

    # The event's own history names the same entries in words, with their data.
    page.click(".audit-rows a:has-text('红原县瓦切牧场金融知识宣讲') >> nth=0")
    page.wait_for_selector("ol.history")
    history = page.inner_text("ol.history")
    assert "campaigns.event" not in history
    assert page.locator("ol.history .history-details").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("ol.history").screenshot(path=artifacts / "event-history-phone.png")
    assert not errors
