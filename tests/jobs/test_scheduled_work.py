"""Reminders, digests and the retention purge, on fixed dates (no clock, no sleeping)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.models import AuditEntry, Job, Membership, Notification
from campaigns.selectors.reminders import overdue_planned_events, reports_awaiting_review
from campaigns.services.notifications import overdue_reports_remind, review_digests_send
from campaigns.services.retention import retention_purge
from tests import factories as f

TODAY = dt.date(2025, 3, 20)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _seen_by(user) -> list[str]:
    """The notifications the user's list shows them, in English."""
    with translation.override("en"):
        return [notice.text for notice in Notification.objects.visible_to(user)]


def test_a_planned_event_is_overdue_n_days_after_its_date(org_tree):
    due = f.EventFactory(
        org_unit=org_tree["sub_a"], starts_at=_at(TODAY - dt.timedelta(days=3), 23)
    )
    f.EventFactory(org_unit=org_tree["sub_a"], starts_at=_at(TODAY - dt.timedelta(days=2)))
    f.EventFactory(
        org_unit=org_tree["sub_a"], starts_at=_at(TODAY - dt.timedelta(days=9)), status="reported"
    )

    assert list(overdue_planned_events(today=TODAY, after_days=3)) == [due]


def test_organizers_are_reminded_once_per_overdue_event(org_tree, settings):
    settings.REPORT_OVERDUE_AFTER_DAYS = 3
    organizer = f.MembershipFactory(org_unit=org_tree["sub_a"], user__email="hy@example.cn").user
    f.MembershipFactory(org_unit=org_tree["sub_a"], role=Membership.Role.REVIEWER)
    f.EventFactory(
        org_unit=org_tree["sub_a"], title="红原牧区宣传日", starts_at=_at(dt.date(2025, 3, 13))
    )

    assert overdue_reports_remind(today=TODAY) == 1
    assert overdue_reports_remind(today=TODAY + dt.timedelta(days=1)) == 0

    notification = Notification.objects.get()
    assert notification.recipient == organizer
    assert notification.params == {"title": "红原牧区宣传日", "date": "2025-03-13", "days": 7}
    assert len(mail.outbox) == 1
    assert "红原牧区宣传日" in mail.outbox[0].body


def test_reviewers_get_a_weekly_count_of_the_reports_waiting_for_them(org_tree):
    branch_reviewer = f.MembershipFactory(org_unit=org_tree["branch_a"], role="reviewer").user
    other_reviewer = f.MembershipFactory(org_unit=org_tree["branch_b"], role="reviewer").user
    f.EventFactory(org_unit=org_tree["sub_a"], status="reported")
    f.EventFactory(org_unit=org_tree["central_a"], status="reported")
    f.EventFactory(org_unit=org_tree["sub_a"], status="planned")

    assert reports_awaiting_review().by_reviewer == {branch_reviewer: (2, 0)}
    assert review_digests_send(today=TODAY) == 1
    assert review_digests_send(today=TODAY + dt.timedelta(days=1)) == 0  # same ISO week
    assert review_digests_send(today=TODAY + dt.timedelta(days=7)) == 1
    assert not Notification.objects.filter(recipient=other_reviewer).exists()


def test_the_weekly_count_tells_of_monthly_returns_waiting_too(org_tree):
    branch_reviewer = f.MembershipFactory(org_unit=org_tree["branch_a"], role="reviewer").user
    hq_reviewer = f.MembershipFactory(org_unit=org_tree["hq"], role="reviewer").user
    f.EventFactory(org_unit=org_tree["sub_a"], status="reported")
    for unit in ("central_a", "sub_a"):
        f.MeasureReturnFactory(org_unit=org_tree[unit], status="submitted")
    f.MeasureReturnFactory(org_unit=org_tree["branch_b"], status="submitted")
    f.MeasureReturnFactory(org_unit=org_tree["branch_b"], status="draft")

    assert review_digests_send(today=TODAY) == 2

    assert _seen_by(branch_reviewer) == [
        "1 report is waiting for your review. "
        "2 monthly measures returns are waiting for your review."
    ]
    # Branch B has no reviewer of its own: its return waits for headquarters'.
    assert _seen_by(hq_reviewer) == ["1 monthly measures return is waiting for your review."]


def test_the_person_who_planned_an_overdue_event_is_reminded_first(org_tree, settings):
    settings.REPORT_OVERDUE_AFTER_DAYS = 3
    planner = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    unit_organizer = f.MembershipFactory(org_unit=org_tree["sub_a"]).user
    f.EventFactory(
        org_unit=org_tree["sub_a"], created_by=planner, starts_at=_at(dt.date(2025, 3, 13))
    )

    assert overdue_reports_remind(today=TODAY) == 1

    assert len(_seen_by(planner)) == 1
    assert _seen_by(unit_organizer) == []


def test_an_overdue_event_without_organizers_reminds_the_nearest_unit_above_with_some(
    org_tree, settings
):
    settings.REPORT_OVERDUE_AFTER_DAYS = 3
    # The planner has since left; sub-branch A and its central sub-branch have no organizer.
    planner = f.UserFactory()
    branch_organizer = f.MembershipFactory(
        org_unit=org_tree["branch_a"], user__email="sc@example.cn"
    ).user
    head_office = f.MembershipFactory(org_unit=org_tree["hq"]).user
    f.EventFactory(
        org_unit=org_tree["sub_a"],
        title="红原牧区宣传日",
        created_by=planner,
        starts_at=_at(dt.date(2025, 3, 13)),
    )

    assert overdue_reports_remind(today=TODAY) == 1

    assert _seen_by(branch_organizer) == [
        "The report of “红原牧区宣传日” (2025-03-13) is 7 days overdue."
    ]
    assert _seen_by(head_office) == []
    assert [message.to for message in mail.outbox] == [["sc@example.cn"]]


def test_an_overdue_event_nobody_can_be_reminded_of_is_audited_once(org_tree, settings):
    settings.REPORT_OVERDUE_AFTER_DAYS = 3
    event = f.EventFactory(org_unit=org_tree["sub_a"], starts_at=_at(dt.date(2025, 3, 13)))

    assert overdue_reports_remind(today=TODAY) == 0
    assert overdue_reports_remind(today=TODAY + dt.timedelta(days=1)) == 0

    assert not Notification.objects.exists()
    entry = AuditEntry.objects.get(action="campaigns.notification.undelivered")
    assert (entry.object_id, entry.org_unit) == (str(event.pk), org_tree["sub_a"])
    assert entry.data["kind"] == "report_overdue"


def test_reports_wait_for_the_nearest_reviewers_above_a_unit_without_any(org_tree):
    branch_reviewer = f.MembershipFactory(
        org_unit=org_tree["branch_a"], role="reviewer", user__email="sc@example.cn"
    ).user
    head_office = f.MembershipFactory(org_unit=org_tree["hq"], role="reviewer").user
    f.EventFactory(org_unit=org_tree["sub_a"], status="reported")
    f.EventFactory(org_unit=org_tree["sub_b"], status="reported")
    f.EventFactory(org_unit=org_tree["sub_b"], status="reported")

    assert review_digests_send(today=TODAY) == 2

    # Branch B has no reviewer, so its reports fall to headquarters; branch A's do not.
    assert _seen_by(branch_reviewer) == ["1 report is waiting for your review."]
    assert _seen_by(head_office) == ["2 reports are waiting for your review."]
    assert ["sc@example.cn"] in [message.to for message in mail.outbox]


def test_reports_no_reviewer_can_see_are_audited_once_a_week(org_tree):
    f.MembershipFactory(org_unit=org_tree["branch_a"], role="reviewer")
    f.EventFactory(org_unit=org_tree["sub_b"], status="reported")

    review_digests_send(today=TODAY)
    review_digests_send(today=TODAY + dt.timedelta(days=1))  # same ISO week

    entry = AuditEntry.objects.get(action="campaigns.notification.undelivered")
    assert (entry.object_type, entry.org_unit) == ("campaigns.orgunit", org_tree["sub_b"])
    assert entry.data == {
        "kind": "review_digest",
        "occasion": "review_digest:2025-W12",
        "count": 1,
        "returns": 0,
    }


def test_the_header_counts_unread_notifications_until_read(client, org_tree):
    user = f.MembershipFactory(org_unit=org_tree["sub_a"]).user
    f.NotificationFactory(recipient=user, params={"count": 4})
    client.force_login(user)

    page = client.get(reverse("notification_list"))
    assert page.context["unread_notifications"] == 1

    client.post(reverse("notifications_read"))
    assert client.get(reverse("home")).context["unread_notifications"] == 0


@pytest.mark.django_db
def test_the_purge_removes_expired_job_results_and_audits_the_count(settings, org_tree):
    now = _at(TODAY)
    old = f.JobFactory(
        org_unit=org_tree["hq"], status="succeeded", finished_at=now - dt.timedelta(days=31)
    )
    recent = f.JobFactory(
        org_unit=org_tree["hq"], status="succeeded", finished_at=now - dt.timedelta(days=2)
    )

    assert retention_purge(now=now) == {"campaigns.job": 1, "campaigns.signin": 0}

    assert list(Job.objects.all()) == [recent]
    assert not Job.objects.filter(pk=old.pk).exists()
    entry = AuditEntry.objects.get(action="campaigns.job.purged")
    assert entry.data["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Job.Kind.EVENTS_IMPORT, Job.Kind.MEASURES_IMPORT])
def test_the_purge_removes_the_upload_a_failed_import_left_behind(org_tree, kind):
    upload = default_storage.save("imports/left-behind.xlsx", ContentFile(b"PK\x03\x04"))
    kept = default_storage.save("imports/still-queued.xlsx", ContentFile(b"PK\x03\x04"))
    failed = f.JobFactory(
        org_unit=org_tree["hq"],
        kind=kind,
        status=Job.Status.FAILED,
        error_code="unexpected",
        finished_at=_at(TODAY),
        params={"upload": upload, "campaign_id": 1},
    )
    f.JobFactory(org_unit=org_tree["hq"], kind=kind, params={"upload": kept, "campaign_id": 1})

    retention_purge(now=_at(TODAY))

    assert not default_storage.exists(upload)
    assert default_storage.exists(kept)  # its job has yet to read it
    failed.refresh_from_db()
    assert "upload" not in failed.params
