"""Reads behind the offline report form on a phone: the reference lists it is filled from
(the form config), and an event as a phone's request would state it (the server's copy a
phone compares its own with after a conflict)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from campaigns.models import (
    AudienceGroup,
    Campaign,
    Channel,
    Event,
    EventFormat,
    EventLanguage,
    MaterialEdition,
    OrgUnit,
    Partner,
    Region,
    ScreeningType,
    ServiceType,
    Topic,
    VenueType,
)
from campaigns.models.events import PLAN_FIELDS, REPORT_FIGURES
from portal.access import filter_by_action, visible_to

# The events a phone is offered to report on: the nearest ones of those the user may still
# report. A phone keeps the list for days without signal; a few hundred is plenty for any
# organizer and keeps the form config small for those who report for a whole branch.
PLANNED_EVENTS_SHOWN = 200


def offline_event(*, user, report_id: UUID, events: QuerySet[Event] | None = None) -> Event | None:
    """The event sent under ``report_id`` (from ``events``, the user's by default); None if
    nobody sent it. One outside the user's scope is missing (Event.DoesNotExist), whatever
    the request holds, and is never made again."""
    events = visible_to(user, Event) if events is None else events
    event = events.filter(uuid=report_id).first()
    if event is None and Event.objects.filter(uuid=report_id).exists():
        raise Event.DoesNotExist
    return event


def offline_plan(event: Event) -> dict:
    """The event's plan as a phone's request states it (objects where it sends ids)."""
    return {
        **{name: getattr(event, name) for name in PLAN_FIELDS},
        "topics": sorted(row.topic for row in event.topic_rows.all()),
        "expected_partners": sorted(event.expected_partners.all(), key=lambda p: p.pk),
    }


def offline_report(event: Event) -> dict | None:
    """The event's report as a phone's request states it; None while nothing is reported."""
    audience = {row.group: row.count for row in event.audience_counts.all()}
    handouts = list(event.material_uses.order_by("edition_id"))
    services = list(event.partner_services.order_by("pk"))
    figures = {name: getattr(event, name) for name in REPORT_FIGURES}
    if not (audience or handouts or services or event.summary) and all(
        value is None for value in figures.values()
    ):
        return None
    return {
        **figures,
        "audience": audience,
        "handouts": handouts,
        "partner_services": services,
        "summary": event.summary,
    }


def offline_copy(event: Event) -> dict:
    """The server's copy of an event, in the shape of a phone's request."""
    return {"plan": offline_plan(event), "report": offline_report(event)}


@dataclass(frozen=True)
class PhotosCount:
    received: int = 0
    expected: int = 0

    @property
    def missing(self) -> bool:
        return self.received < self.expected


def photos_count(event: Event, photos: list | None = None) -> PhotosCount:
    """How many of the photos the event's offline report announced have arrived; ``photos``,
    the event's photos when the caller has them already."""
    expected = set(event.photos_expected)
    if not expected:
        return PhotosCount()
    if photos is None:
        received = event.photos.filter(uuid__in=expected).count()
    else:
        received = sum(1 for photo in photos if str(photo.uuid) in expected)
    return PhotosCount(received=received, expected=len(expected))


def _choices(choices) -> list[list[str]]:
    return [[value, str(label)] for value, label in choices]


def _counties_by_unit(units: list[OrgUnit]) -> dict[int, list[Region]]:
    """Each unit's service counties (``OrgUnit.service_counties``), read in two queries: a
    unit that declares no service area of its own gets the counties of the units below it."""
    through = OrgUnit.service_area.through
    own: dict[int, set[int]] = defaultdict(set)
    counties: set[int] = set()
    for unit_id, region_id, level in through.objects.filter(orgunit__in=units).values_list(
        "orgunit_id", "region_id", "region__level"
    ):
        own[unit_id].add(region_id)
        if level == Region.Level.COUNTY:
            counties.add(region_id)
    served = {}
    for unit in units:
        if own[unit.pk]:
            served[unit.pk] = own[unit.pk]
        else:
            below = [other for other in units if other.path.startswith(unit.path)]
            served[unit.pk] = {pk for other in below for pk in own[other.pk] if pk in counties}
    regions = Region.objects.in_bulk({pk for pks in served.values() for pk in pks})
    return {
        unit_id: sorted((regions[pk] for pk in pks), key=lambda region: region.code)
        for unit_id, pks in served.items()
    }


def planned_events(*, user) -> QuerySet[Event]:
    """The events ``user`` may still report, planned or returned, the latest first."""
    return (
        filter_by_action(Event.objects.all(), user, "event.report")
        .filter(status__in=Event.EDITABLE)
        .order_by("-starts_at", "-pk")[:PLANNED_EVENTS_SHOWN]
    )


def form_config(*, user) -> dict:
    """What the offline form needs, for ``user``: the units they plan for with their
    counties, the choices of every field with labels in the active language, the handouts
    and partners they may name, and the events they may report. Only what ``user`` may see
    or act on."""
    units = list(filter_by_action(OrgUnit.objects.all(), user, "event.plan").order_by("path"))
    counties = _counties_by_unit(units)
    editions = (
        visible_to(user, MaterialEdition)
        .filter(status=MaterialEdition.Status.APPROVED)
        .select_related("material")
        .order_by("material__title_zh", "number", "pk")
    )
    return {
        "campaigns": Campaign.objects.order_by("-starts_on", "pk"),
        "units": [
            {"id": unit.pk, "name": unit.name, "counties": counties[unit.pk]} for unit in units
        ],
        "venue_types": _choices(VenueType.choices),
        "formats": _choices(EventFormat.choices),
        "channels": _choices(Channel.choices),
        "topics": _choices(Topic.choices),
        "languages": _choices(EventLanguage.choices),
        "audience_groups": _choices(AudienceGroup.choices),
        "service_types": _choices(ServiceType.choices),
        "screening_types": _choices(ScreeningType.choices),
        "editions": list(editions),
        "partners": visible_to(user, Partner).order_by("name", "pk"),
        "planned_events": planned_events(user=user),
    }
