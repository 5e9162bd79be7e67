"""A small world for the organizer journey: a county served by central sub-branch A, the
people who work there, and a planned event, built from the shared org tree fixture."""

import datetime as dt
from dataclasses import dataclass

import pytest

from campaigns.models import Event, Membership
from campaigns.services.events import event_cancel
from tests import factories as f

BEIJING = dt.timezone(dt.timedelta(hours=8))


@dataclass
class World:
    units: dict
    county: object
    other_county: object
    campaign: object
    organizer: object
    reviewer: object
    translator: object
    other_reviewer: object
    other_organizer: object
    event: Event


def member(unit, role, username):
    user = f.UserFactory(username=username)
    f.MembershipFactory(user=user, org_unit=unit, role=role)
    return user


@pytest.fixture
def world(org_tree):
    county = f.RegionFactory(code="513233", name_zh="红原县", name_bo="རྨ་ཐང་རྫོང་")
    other_county = f.RegionFactory(code="430102", name_zh="芙蓉区")
    org_tree["central_a"].service_area.add(county)
    org_tree["branch_a"].service_area.add(county)
    org_tree["central_b"].service_area.add(other_county)
    campaign = f.CampaignFactory(starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 3, 31))
    organizer = member(org_tree["central_a"], Membership.Role.ORGANIZER, "aba-organizer")
    event = f.EventFactory(
        campaign=campaign,
        org_unit=org_tree["central_a"],
        county=county,
        title="红原牧区金融知识宣讲",
        venue_name="红原县安曲牧场",
        venue_type="village",
        starts_at=dt.datetime(2025, 3, 12, 10, tzinfo=BEIJING),
        created_by=organizer,
    )
    f.EventTopicFactory(event=event, topic="eight_rights")
    return World(
        units=org_tree,
        county=county,
        other_county=other_county,
        campaign=campaign,
        organizer=organizer,
        reviewer=member(org_tree["branch_a"], Membership.Role.REVIEWER, "sc-reviewer"),
        translator=member(org_tree["central_a"], Membership.Role.TRANSLATOR, "aba-translator"),
        other_reviewer=member(org_tree["branch_b"], Membership.Role.REVIEWER, "hn-reviewer"),
        other_organizer=member(org_tree["central_b"], Membership.Role.ORGANIZER, "hn-organizer"),
        event=event,
    )


def derived_report(world) -> Event:
    """The world's event as migration 0016 left a report from before head counts: 60 herders
    and 35 women, its head count the old sum of the groups (95), marked as derived."""
    Event.objects.filter(pk=world.event.pk).update(
        status=Event.Status.REPORTED,
        head_count=95,
        head_count_derived=True,
        people_reached=95,
        audience_farmers_herders=60,
        audience_women=35,
        version=3,
    )
    f.AudienceCountFactory(event=world.event, group="farmers_herders", count=60)
    f.AudienceCountFactory(event=world.event, group="women", count=35)
    return Event.objects.get(pk=world.event.pk)


def cancelled_event(world) -> Event:
    """Another event of central sub-branch A, cancelled by the office (a snowstorm)."""
    event = f.EventFactory(
        campaign=world.campaign,
        org_unit=world.units["central_a"],
        county=world.county,
        created_by=world.organizer,
    )
    return event_cancel(
        user=world.organizer, event_id=event.pk, expected_version=event.version, reason="暴雪封路。"
    )
