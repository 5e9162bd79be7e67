"""Event services: every transition allowed and refused, the lock conflict, and the rules."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.errors import StaleEdit
from campaigns.models import AudienceCount, AuditEntry, Event, InvalidTransition
from campaigns.services import events as services
from campaigns.services.events import HandoutGiven, PartnerServiceReport
from tests import factories as f
from tests.events_world import BEIJING, derived_report

pytestmark = pytest.mark.django_db


def _seen(world) -> int:
    """The version of the event as the person acting sees it: the one now stored."""
    return Event.objects.get(pk=world.event.pk).version


def _report(world, event=None, **overrides):
    event = event or world.event
    arguments = {
        "user": world.organizer,
        "event_id": event.pk,
        "expected_version": Event.objects.get(pk=event.pk).version,
        "figures": {"head_count": 80, "staff_count": 6},
        "audience": {"farmers_herders": 60, "women": 35},
        "summary": "牧民踊跃参加。",
    }
    arguments.update(overrides)
    return services.event_report_save(**arguments)


def _submit(world, event=None):
    event = Event.objects.get(pk=(event or world.event).pk)
    return services.event_submit(
        user=world.organizer, event_id=event.pk, expected_version=event.version
    )


def _actions(event):
    return list(
        AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_organizer_plans_an_event_in_their_service_area(world):
    event = services.event_plan(
        user=world.organizer,
        campaign=world.campaign,
        org_unit=world.units["central_a"],
        county=world.county,
        title="红原县消保宣传",
        venue_name="安曲牧场",
        venue_type="village",
        format="stall",
        starts_at=dt.datetime(2025, 3, 15, 9, tzinfo=BEIJING),
        topics=["eight_rights", "anti_fraud"],
        language="both",
    )
    assert event.status == Event.Status.PLANNED
    assert set(event.topic_rows.values_list("topic", flat=True)) == {"eight_rights", "anti_fraud"}
    assert _actions(event) == ["campaigns.event.planned"]


def test_planning_in_a_county_outside_the_service_area_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.event_plan(
            user=world.organizer,
            campaign=world.campaign,
            org_unit=world.units["central_a"],
            county=world.other_county,
            title="越界活动",
            venue_name="某社区",
            venue_type="community",
            format="lecture",
            starts_at=dt.datetime(2025, 3, 15, 9, tzinfo=BEIJING),
            topics=["anti_fraud"],
        )
    assert "county" in refused.value.error_dict
    assert not Event.objects.filter(title="越界活动").exists()


def test_a_translator_cannot_plan_events(world):
    with pytest.raises(ValidationError) as refused:
        services.event_plan(
            user=world.translator,
            campaign=world.campaign,
            org_unit=world.units["central_a"],
            county=world.county,
            title="译员的活动",
            venue_name="某地",
            venue_type="village",
            format="lecture",
            starts_at=dt.datetime(2025, 3, 15, 9, tzinfo=BEIJING),
            topics=["anti_fraud"],
        )
    assert "org_unit" in refused.value.error_dict


def test_report_keeps_not_counted_apart_from_zero(world):
    _report(world, audience={"farmers_herders": 60, "women": 0, "elderly": None})
    counts = dict(world.event.audience_counts.values_list("group", "count"))
    assert counts == {"farmers_herders": 60, "women": 0}


def test_report_saves_handouts_and_screenings(world):
    edition = f.MaterialEditionFactory(
        material=f.MaterialFactory(org_unit=world.units["hq"]), status="approved"
    )
    hospital = f.PartnerFactory(org_unit=world.units["branch_a"], name="四川省妇幼保健院")
    _report(
        world,
        handouts=[HandoutGiven(edition=edition, copies=200)],
        partner_services=[
            PartnerServiceReport(
                partner=hospital,
                service_type="health_screening",
                screening_type="cervical_breast",
                screened=32,
                referred=3,
            )
        ],
    )
    assert world.event.material_uses.get().copies == 200
    assert world.event.partner_services.get().screened == 32


def test_referred_beyond_screened_is_refused_and_nothing_is_saved(world):
    hospital = f.PartnerFactory(org_unit=world.units["branch_a"])
    with pytest.raises(ValidationError) as refused:
        _report(
            world,
            partner_services=[
                PartnerServiceReport(
                    partner=hospital,
                    service_type="health_screening",
                    screening_type="cervical_breast",
                    screened=5,
                    referred=9,
                )
            ],
        )
    assert "No more people can be referred than were screened." in str(refused.value)
    world.event.refresh_from_db()
    assert world.event.version == 1
    assert not AudienceCount.objects.filter(event=world.event).exists()


def test_every_mistake_of_a_report_is_named_in_one_refusal_and_nothing_is_saved(world):
    # On a phone each round trip costs: a group above the head count, a negative staff
    # count, an unapproved handout and a second bad screening row all come back at once,
    # beside a good screening row that is not saved either.
    hospital = f.PartnerFactory(org_unit=world.units["branch_a"])
    draft = f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=world.units["hq"]))
    screening = {"service_type": "health_screening", "screening_type": "cervical_breast"}
    with pytest.raises(ValidationError) as refused:
        _report(
            world,
            figures={"head_count": 40, "staff_count": -2},
            audience={"women": 55, "farmers_herders": 30},
            handouts=[HandoutGiven(edition=draft, copies=10)],
            partner_services=[
                PartnerServiceReport(partner=hospital, screened=32, referred=3, **screening),
                PartnerServiceReport(partner=hospital, screened=10, referred=12, **screening),
            ],
        )
    said = refused.value.message_dict
    assert set(said) == {"audience_women", "staff_count", "handouts", "partner_services"}
    assert said["partner_services"] == ["Row 2: No more people can be referred than were screened."]
    event = Event.objects.get(pk=world.event.pk)
    assert (event.version, event.head_count) == (1, None)
    assert not event.partner_services.exists()
    assert not event.material_uses.exists()


def test_a_handout_edition_not_yet_approved_is_refused(world):
    draft = f.MaterialEditionFactory(material=f.MaterialFactory(org_unit=world.units["hq"]))
    with pytest.raises(ValidationError):
        _report(world, handouts=[HandoutGiven(edition=draft, copies=10)])


def test_second_save_from_an_old_version_is_refused(world):
    opened_version = world.event.version
    _report(world, expected_version=opened_version)
    with pytest.raises(StaleEdit):
        _report(world, expected_version=opened_version, audience={"women": 1})
    assert dict(world.event.audience_counts.values_list("group", "count"))["women"] == 35


def test_planned_event_is_submitted_after_reporting(world):
    _report(world)
    event = _submit(world)
    assert event.status == Event.Status.REPORTED
    assert event.reported_at is not None
    assert _actions(event)[-1] == "campaigns.event.submitted"


def test_an_empty_report_cannot_be_submitted(world):
    with pytest.raises(ValidationError, match="Give the head count"):
        _submit(world)


def test_an_online_report_without_its_reach_cannot_be_submitted(world):
    livestream = f.EventFactory(
        org_unit=world.units["central_a"], county=world.county, channel="livestream"
    )
    with pytest.raises(ValidationError, match="Report how many people"):
        _submit(world, livestream)


def test_a_translator_cannot_submit(world):
    _report(world)
    with pytest.raises(PermissionDenied):
        services.event_submit(user=world.translator, event_id=world.event.pk, expected_version=2)


def test_reviewer_approves_a_reported_event(world):
    _report(world)
    _submit(world)
    event = services.event_approve(
        user=world.reviewer, event_id=world.event.pk, expected_version=_seen(world)
    )
    assert event.status == Event.Status.APPROVED
    assert _actions(event)[-1] == "campaigns.event.approved"


def test_an_organizer_cannot_approve(world):
    _report(world)
    _submit(world)
    with pytest.raises(PermissionDenied):
        services.event_approve(
            user=world.organizer, event_id=world.event.pk, expected_version=_seen(world)
        )


def test_a_reviewer_outside_the_subtree_cannot_see_the_event(world):
    _report(world)
    _submit(world)
    with pytest.raises(Event.DoesNotExist):
        services.event_approve(
            user=world.other_reviewer, event_id=world.event.pk, expected_version=_seen(world)
        )


def test_a_planned_event_cannot_be_approved(world):
    with pytest.raises(InvalidTransition):
        services.event_approve(
            user=world.reviewer, event_id=world.event.pk, expected_version=_seen(world)
        )


def test_return_needs_a_note(world):
    _report(world)
    _submit(world)
    with pytest.raises(ValidationError) as refused:
        services.event_return(
            user=world.reviewer, event_id=world.event.pk, note="  ", expected_version=_seen(world)
        )
    assert "note" in refused.value.error_dict
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_returned_report_can_be_resubmitted(world):
    _report(world)
    _submit(world)
    returned = services.event_return(
        user=world.reviewer,
        event_id=world.event.pk,
        note="请补充妇女人数。",
        expected_version=_seen(world),
    )
    assert returned.status == Event.Status.RETURNED
    assert returned.review_note == "请补充妇女人数。"
    _report(world, audience={"farmers_herders": 60, "women": 38})
    event = _submit(world)
    assert event.status == Event.Status.REPORTED
    assert event.review_note == ""
    entry = AuditEntry.objects.get(action="campaigns.event.returned")
    assert entry.comment == "请补充妇女人数。"


def test_a_reported_event_cannot_be_edited(world):
    _report(world)
    _submit(world)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        _report(world)


def test_approved_event_is_final(world):
    _report(world)
    _submit(world)
    services.event_approve(
        user=world.reviewer, event_id=world.event.pk, expected_version=_seen(world)
    )
    with pytest.raises(InvalidTransition):
        services.event_return(
            user=world.reviewer, event_id=world.event.pk, note="晚了", expected_version=_seen(world)
        )
    with pytest.raises(InvalidTransition):
        _submit(world)


def test_planned_event_is_cancelled_with_a_reason(world):
    event = services.event_cancel(
        user=world.organizer,
        event_id=world.event.pk,
        reason="暴雪封路",
        expected_version=_seen(world),
    )
    assert event.status == Event.Status.CANCELLED
    assert event.cancel_reason == "暴雪封路"
    assert _actions(event) == ["campaigns.event.cancelled"]


def test_cancel_needs_a_reason(world):
    with pytest.raises(ValidationError):
        services.event_cancel(
            user=world.organizer, event_id=world.event.pk, reason="", expected_version=_seen(world)
        )


def test_a_reported_event_cannot_be_cancelled(world):
    _report(world)
    _submit(world)
    with pytest.raises(InvalidTransition):
        services.event_cancel(
            user=world.organizer,
            event_id=world.event.pk,
            reason="不办了",
            expected_version=_seen(world),
        )


def test_transition_from_an_old_version_is_refused(world):
    _report(world)
    with pytest.raises(StaleEdit):
        services.event_submit(user=world.organizer, event_id=world.event.pk, expected_version=1)


def test_bulk_approval_skips_events_not_waiting_or_not_reviewable(world):
    _report(world)
    _submit(world)
    other = f.EventFactory(
        org_unit=world.units["central_b"], county=world.other_county, status="reported"
    )
    planned = f.EventFactory(org_unit=world.units["central_a"], county=world.county)
    result = services.event_approve_bulk(
        user=world.reviewer,
        versions={world.event.pk: 3, other.pk: other.version, planned.pk: planned.version},
    )
    assert [event.pk for event in result.approved] == [world.event.pk]
    assert result.skipped == 2
    assert Event.objects.get(pk=other.pk).status == Event.Status.REPORTED


@pytest.mark.parametrize("seen", [2, None], ids=["older", "unseen"])
def test_bulk_approval_leaves_a_report_changed_since_the_reviewer_saw_it(world, seen):
    _report(world)
    _submit(world)

    result = services.event_approve_bulk(user=world.reviewer, versions={world.event.pk: seen})

    assert result.approved == []
    assert [event.pk for event in result.stale] == [world.event.pk]
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


def test_plan_update_records_which_fields_changed(world):
    event = services.event_plan_update(
        user=world.organizer,
        event_id=world.event.pk,
        expected_version=1,
        topics=["eight_rights"],
        title="红原牧区宣讲（改期）",
        starts_at=dt.datetime(2025, 3, 13, 10, tzinfo=BEIJING),
    )
    assert event.version == 2
    entry = AuditEntry.objects.get(action="campaigns.event.plan_changed")
    assert entry.data == {"fields": ["starts_at", "title"]}


def test_returning_a_report_notifies_its_organizers(world, django_capture_on_commit_callbacks):
    _report(world)
    _submit(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_return(
            user=world.reviewer,
            event_id=world.event.pk,
            note="缺少照片",
            expected_version=_seen(world),
        )
    notification = world.organizer.notifications.get()
    assert notification.kind == "report_returned"
    assert "缺少照片" in notification.text


def test_people_reached_is_the_head_count_not_the_sum_of_the_groups(world):
    event = _report(
        world,
        figures={"head_count": 80},
        audience={"farmers_herders": 60, "women": 35, "elderly": None},
    )
    assert event.people_reached == 80
    assert (event.audience_women, event.audience_elderly) == (35, None)
    nothing = _report(
        world,
        event=f.EventFactory(org_unit=world.units["central_a"], county=world.county),
        figures={},
        audience={},
    )
    assert nothing.people_reached is None


def test_people_reached_of_an_online_event_is_its_reach(world):
    livestream = f.EventFactory(
        org_unit=world.units["central_a"], county=world.county, channel="livestream"
    )
    reported = _report(
        world, event=livestream, figures={"online_reach": 1200, "head_count": 50}, audience={}
    )
    assert reported.people_reached == 1200
    assert reported.head_count is None  # an online event has no head count


@pytest.mark.parametrize("seen", [None, "old"])
def test_a_review_without_the_version_seen_is_refused_by_the_service_itself(world, seen):
    _report(world)
    _submit(world)
    version = None if seen is None else _seen(world) - 1

    with pytest.raises(StaleEdit):
        services.event_approve(
            user=world.reviewer, event_id=world.event.pk, expected_version=version
        )

    assert Event.objects.get(pk=world.event.pk).status == Event.Status.REPORTED


# ---- the head count: one per in-person event; the groups are "of whom" figures under it ----


def _confirm(world, user, head_count, event=None, **overrides):
    event = Event.objects.get(pk=(event or world.event).pk)
    arguments = {
        "user": user,
        "event_id": event.pk,
        "expected_version": event.version,
        "head_count": head_count,
    }
    return services.event_head_count_confirm(**(arguments | overrides))


def test_overlapping_groups_are_kept_under_one_head_count(world):
    event = _report(
        world, figures={"head_count": 80}, audience={"farmers_herders": 60, "women": 35}
    )
    assert (event.head_count, event.people_reached) == (80, 80)
    counts = dict(event.audience_counts.values_list("group", "count"))
    assert counts == {"farmers_herders": 60, "women": 35}


def test_a_group_above_the_head_count_is_refused_at_that_group_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as refused:
        _report(world, figures={"head_count": 50}, audience={"farmers_herders": 60, "women": 35})
    assert refused.value.message_dict == {
        "audience_farmers_herders": ["At most the head count (50): a group is part of it."]
    }
    event = Event.objects.get(pk=world.event.pk)
    assert (event.version, event.head_count, event.people_reached) == (1, None, None)
    assert not event.audience_counts.exists()


def test_groups_without_a_head_count_are_refused_at_each_group(world):
    with pytest.raises(ValidationError) as refused:
        _report(world, figures={}, audience={"farmers_herders": 60, "women": 35})
    assert set(refused.value.message_dict) == {"audience_farmers_herders", "audience_women"}
    assert "Give the head count first" in refused.value.message_dict["audience_women"][0]
    assert Event.objects.get(pk=world.event.pk).version == 1


def test_an_online_event_reports_its_reach_not_audience_groups(world):
    livestream = f.EventFactory(
        org_unit=world.units["central_a"], county=world.county, channel="livestream"
    )
    with pytest.raises(ValidationError) as refused:
        _report(world, event=livestream, figures={"online_reach": 1200}, audience={"women": 5})
    assert "audience_women" in refused.value.message_dict
    assert not livestream.audience_counts.exists()


def test_an_in_person_report_without_a_head_count_cannot_be_submitted(world):
    _report(world, figures={"staff_count": 6}, audience={})
    with pytest.raises(ValidationError, match="Give the head count") as refused:
        _submit(world)
    assert refused.value.code == "report_empty"
    assert Event.objects.get(pk=world.event.pk).status == Event.Status.PLANNED


def test_saving_the_report_confirms_a_derived_head_count(world):
    Event.objects.filter(pk=world.event.pk).update(head_count=95, head_count_derived=True)
    event = _report(world, figures={"head_count": 80})
    assert (event.head_count, event.head_count_derived) == (80, False)


@pytest.mark.parametrize("role", ["organizer", "reviewer"])
def test_organizer_or_reviewer_confirms_a_derived_head_count(world, role):
    derived_report(world)
    event = _confirm(world, getattr(world, role), 95)
    assert (event.head_count, event.head_count_derived, event.people_reached) == (95, False, 95)
    assert event.version == 4
    entry = AuditEntry.objects.get(action="campaigns.event.head_count_confirmed")
    assert (entry.actor, entry.data) == (getattr(world, role), {"from": 95, "to": 95})


def test_correcting_a_derived_head_count_changes_people_reached(world):
    derived_report(world)
    event = _confirm(world, world.reviewer, 80)
    assert (event.head_count, event.head_count_derived, event.people_reached) == (80, False, 80)
    assert Event.objects.get(pk=world.event.pk).people_reached == 80
    entry = AuditEntry.objects.get(action="campaigns.event.head_count_confirmed")
    assert entry.data == {"from": 95, "to": 80}


def test_a_head_count_below_the_largest_group_is_refused_at_the_head_count(world):
    derived_report(world)
    with pytest.raises(ValidationError) as refused:
        _confirm(world, world.organizer, 50)
    assert refused.value.message_dict == {
        "head_count": ["At least 60: the largest audience group is part of the head count."]
    }
    event = Event.objects.get(pk=world.event.pk)
    assert (event.head_count, event.head_count_derived, event.version) == (95, True, 3)
    assert not AuditEntry.objects.filter(action="campaigns.event.head_count_confirmed").exists()


def test_a_translator_cannot_confirm_a_head_count(world):
    derived_report(world)
    with pytest.raises(PermissionDenied):
        _confirm(world, world.translator, 80)
    assert Event.objects.get(pk=world.event.pk).head_count_derived


def test_a_reviewer_of_another_branch_cannot_find_the_event_to_confirm(world):
    derived_report(world)
    with pytest.raises(Event.DoesNotExist):
        _confirm(world, world.other_reviewer, 80)


def test_a_head_count_confirmed_from_an_old_version_is_refused(world):
    derived_report(world)
    with pytest.raises(StaleEdit):
        _confirm(world, world.organizer, 80, expected_version=2)
    assert Event.objects.get(pk=world.event.pk).head_count == 95


@pytest.mark.parametrize("kind", ["cancelled", "online"])
def test_a_cancelled_or_online_event_has_no_head_count_to_confirm(world, kind):
    changes = {"status": "cancelled"} if kind == "cancelled" else {"channel": "livestream"}
    Event.objects.filter(pk=world.event.pk).update(**changes)
    with pytest.raises(ValidationError, match="no head count to confirm"):
        _confirm(world, world.organizer, 80)
