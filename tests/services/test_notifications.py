"""A returned report reaches a person: its reporter, else its unit's organizers, else those of
the nearest unit above that has any; with nobody at all, the audit log says so."""

import pytest
from django.core import mail

from campaigns.models import AuditEntry, Event, Membership, Notification
from campaigns.services import events as services
from tests import factories as f
from tests.events_world import member

pytestmark = pytest.mark.django_db

NOTE = "缺少照片，请补充。"


def _reported_event(unit, reported_by=None) -> Event:
    return f.EventFactory(
        org_unit=unit, title="红原牧区金融知识宣讲", status="reported", reported_by=reported_by
    )


def _return(event, reviewer, capture) -> None:
    with capture(execute=True):
        services.event_return(
            user=reviewer, event_id=event.pk, note=NOTE, expected_version=event.version
        )


def _seen_by(user) -> list[str]:
    """The notifications the user's list shows them."""
    return [notice.text for notice in Notification.objects.visible_to(user)]


def test_the_person_who_reported_it_hears_that_it_was_returned_and_why(
    world, django_capture_on_commit_callbacks
):
    # A branch organizer reports for the central sub-branch, whose own organizer did not.
    reporter = member(world.units["branch_a"], Membership.Role.ORGANIZER, "sc-organizer")
    reporter.email = "sc@example.cn"
    reporter.save(update_fields=["email"])
    event = services.event_report_save(
        user=reporter,
        event_id=world.event.pk,
        expected_version=world.event.version,
        figures={"head_count": 80, "staff_count": 6},
        audience={"farmers_herders": 60, "women": 35},
    )
    event = services.event_submit(user=reporter, event_id=event.pk, expected_version=event.version)

    _return(event, world.reviewer, django_capture_on_commit_callbacks)

    assert _seen_by(reporter) == [f"The report of “{event.title}” was returned: {NOTE}"]
    assert _seen_by(world.organizer) == []
    assert [message.to for message in mail.outbox] == [["sc@example.cn"]]
    assert NOTE in mail.outbox[0].body


def test_a_reporter_who_left_the_unit_is_replaced_by_its_organizers(
    world, django_capture_on_commit_callbacks
):
    reporter = member(world.units["branch_a"], Membership.Role.ORGANIZER, "sc-organizer")
    reporter.memberships.all().delete()
    second = member(world.units["central_a"], Membership.Role.ORGANIZER, "aba-organizer-2")
    event = _reported_event(world.units["central_a"], reported_by=reporter)

    _return(event, world.reviewer, django_capture_on_commit_callbacks)

    assert _seen_by(reporter) == []
    assert _seen_by(world.organizer) == [f"The report of “{event.title}” was returned: {NOTE}"]
    assert _seen_by(second) == [f"The report of “{event.title}” was returned: {NOTE}"]


def test_a_report_nobody_recorded_goes_to_its_units_organizers(
    world, django_capture_on_commit_callbacks
):
    event = _reported_event(world.units["central_a"], reported_by=None)

    _return(event, world.reviewer, django_capture_on_commit_callbacks)

    assert _seen_by(world.organizer) == [f"The report of “{event.title}” was returned: {NOTE}"]


def test_a_unit_without_organizers_passes_it_to_the_nearest_unit_above_that_has_some(
    world, django_capture_on_commit_callbacks
):
    # Sub-branch A has no organizer; central sub-branch A, above it, has; so has headquarters.
    head_office = member(world.units["hq"], Membership.Role.ORGANIZER, "hq-organizer")
    event = _reported_event(world.units["sub_a"])

    _return(event, world.reviewer, django_capture_on_commit_callbacks)

    assert _seen_by(world.organizer) == [f"The report of “{event.title}” was returned: {NOTE}"]
    assert _seen_by(head_office) == []
    assert _seen_by(world.other_organizer) == []


def test_a_return_that_reaches_nobody_is_written_to_the_audit_log(
    world, django_capture_on_commit_callbacks
):
    Membership.objects.filter(role=Membership.Role.ORGANIZER).delete()
    departed = f.UserFactory(is_active=False)
    event = _reported_event(world.units["sub_a"], reported_by=departed)

    _return(event, world.reviewer, django_capture_on_commit_callbacks)

    assert not Notification.objects.exists()
    assert mail.outbox == []
    entry = AuditEntry.objects.get(action="campaigns.notification.undelivered")
    assert (entry.object_id, entry.org_unit, entry.actor) == (
        str(event.pk),
        world.units["sub_a"],
        None,
    )
    assert entry.data["kind"] == "report_returned"
    assert entry.data["note"] == NOTE
