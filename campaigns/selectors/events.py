"""Reads behind the event pages: lists, what needs the user's action, one event in full."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Exists, OuterRef, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import (
    AudienceCount,
    AudienceGroup,
    AuditEntry,
    Channel,
    Event,
    EventPhoto,
    EventTopic,
    MaterialUse,
    OrgUnit,
    PartnerService,
    Region,
)
from campaigns.selectors.audit import action_label, entry_details
from campaigns.selectors.offline import PhotosCount, photos_count
from campaigns.selectors.partners import partner_service_warnings
from portal.access import can, filter_by_action, visible_to


@dataclass(frozen=True)
class EventFilters:
    """A narrowing of events shared by the event list, coverage, and their exports, so that a
    figure on the coverage page links to exactly the events behind it."""

    campaign_id: int | None = None
    status: str = ""
    # Several statuses at once: coverage counts approved, or approved and reported, events.
    statuses: tuple[str, ...] = ()
    org_unit_id: int | None = None  # the unit and every unit below it
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    county_id: int | None = None
    prefecture_id: int | None = None
    venue_type: str = ""
    format: str = ""
    topic: str = ""
    audience_group: str = ""  # events where this group was counted and came
    channel: str = ""  # "online" or "offline"
    special_area: str = ""  # one of Region.SPECIAL_AREA_KINDS, or "any"
    search: str = ""

    def query(self) -> dict[str, str]:
        """The filters as the event list's query string parameters."""
        names = {"campaign_id": "campaign", "org_unit_id": "unit", "search": "q"}
        pairs = {}
        for name, value in self.__dict__.items():
            if value in (None, "", ()):
                continue
            key = names.get(name, name.removesuffix("_id"))
            pairs[key] = ",".join(value) if isinstance(value, tuple) else str(value)
        return pairs


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The filters that match a column of the event (or of its county), each with its lookup.
COLUMN_FILTERS = {
    "campaign_id": "campaign_id",
    "status": "status",
    "statuses": "status__in",
    "county_id": "county_id",
    "prefecture_id": "county__parent_id",
    "venue_type": "venue_type",
    "format": "format",
}


def _within_unit(events: QuerySet[Event], org_unit_id: int) -> QuerySet[Event]:
    """``events`` of the unit and of every unit below it; none for a unit that is gone."""
    path = OrgUnit.objects.filter(pk=org_unit_id).values_list("path", flat=True).first()
    return events.filter(org_unit__path__startswith=path) if path else events.none()


def _on_channel(events: QuerySet[Event], channel: str) -> QuerySet[Event]:
    if channel == "online":
        return events.exclude(channel=Channel.OFFLINE)
    if channel == "offline":
        return events.filter(channel=Channel.OFFLINE)
    return events


def events_filtered(events: QuerySet[Event], filters: EventFilters) -> QuerySet[Event]:
    """``events`` narrowed by ``filters``; the caller has already scoped them to a user."""
    columns = {
        lookup: value
        for name, lookup in COLUMN_FILTERS.items()
        if (value := getattr(filters, name))
    }
    events = _on_channel(events.filter(**columns), filters.channel)
    if filters.org_unit_id:
        events = _within_unit(events, filters.org_unit_id)
    if filters.starts_on:
        events = events.filter(starts_at__gte=_day_start(filters.starts_on))
    if filters.ends_on:
        events = events.filter(starts_at__lt=_day_start(filters.ends_on + dt.timedelta(days=1)))
    if filters.topic:
        events = events.filter(
            Exists(EventTopic.objects.filter(event=OuterRef("pk"), topic=filters.topic))
        )
    if filters.audience_group:
        events = events.filter(
            Exists(
                AudienceCount.objects.filter(
                    event=OuterRef("pk"), group=filters.audience_group, count__gt=0
                )
            )
        )
    if filters.special_area:
        events = events.filter(Region.special_area_q(filters.special_area, "county__"))
    if filters.search:
        events = events.filter(title__icontains=filters.search.strip())
    return events


def event_list(*, user, filters: EventFilters) -> QuerySet[Event]:
    """The events the user may see, newest first, narrowed by the list's filters."""
    events = visible_to(user, Event).select_related("campaign", "org_unit", "county")
    return events_filtered(events, filters).order_by("-starts_at", "-pk")


def events_needing_action(*, user, now: dt.datetime, limit: int = 10) -> list[Event]:
    """Returned reports, then planned events whose date has passed, that the user can report."""
    reportable = filter_by_action(Event.objects.all(), user, "event.report")
    due = Q(status=Event.Status.RETURNED) | Q(status=Event.Status.PLANNED, starts_at__lt=now)
    # Returned first: a reviewer is waiting on them.
    returned_first = Case(When(status=Event.Status.RETURNED, then=0), default=1)
    return list(
        reportable.filter(due)
        .select_related("org_unit", "county")
        .order_by(returned_first, "starts_at", "pk")[:limit]
    )


def review_queue(*, user) -> QuerySet[Event]:
    """Reports waiting for review in the units the user reviews, oldest submission first."""
    reported = Event.objects.filter(status=Event.Status.REPORTED)
    return (
        filter_by_action(reported, user, "event.review")
        .select_related("campaign", "org_unit", "county")
        .prefetch_related(
            Prefetch("audience_counts", queryset=AudienceCount.objects.order_by("group"))
        )
        .order_by("reported_at", "pk")
    )


@dataclass
class EventPage:
    """One event with everything its page shows."""

    event: Event
    audience: list[tuple[str, int | None]]
    handouts: list[MaterialUse]
    partner_services: list[PartnerService]
    photos: list[EventPhoto]
    history: list[AuditEntry]
    # Of the photos a report sent from a phone announced: "3 of 5 photos received".
    photos_count: PhotosCount = field(default_factory=PhotosCount)
    warnings: list[str] = field(default_factory=list)
    may_plan: bool = False
    may_report: bool = False
    may_change_report: bool = False
    may_review: bool = False

    # What the page offers now: a permission and the event's status together.
    @property
    def offers_report(self) -> bool:
        return self.may_change_report and self.event.status in OPEN_FOR_REPORT

    @property
    def offers_plan_change(self) -> bool:
        return self.may_plan and self.event.status in OPEN_FOR_REPORT

    @property
    def offers_review(self) -> bool:
        return self.may_review and self.event.status == Event.Status.REPORTED

    @property
    def offers_cancel(self) -> bool:
        return self.may_report and self.event.status == Event.Status.PLANNED

    @property
    def offers_anything(self) -> bool:
        return (
            self.offers_report
            or self.offers_plan_change
            or self.offers_review
            or self.offers_cancel
        )


OPEN_FOR_REPORT = (Event.Status.PLANNED, Event.Status.RETURNED)


def event_warnings(event: Event) -> list[str]:
    """Things worth a second look that do not stop a save."""
    warnings = []
    day = timezone.localtime(event.starts_at).date()
    campaign = event.campaign
    if not campaign.starts_on <= day <= campaign.ends_on:
        warnings.append(
            _("The event's date %(day)s is outside the campaign (%(start)s – %(end)s).")
            % {"day": day, "start": campaign.starts_on, "end": campaign.ends_on}
        )
    return warnings


# Entries about an event that leave the event as it was: photos and sign-ins are kept
# beside it, and its version does not change with them.
BESIDE_THE_EVENT = Q(action__startswith="campaigns.event.photo_") | Q(
    action__startswith="campaigns.signin."
)


def event_last_save(event: Event) -> AuditEntry | None:
    """Who saved the event as it now stands, and when: the latest entry that changed it."""
    return (
        AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk))
        .exclude(BESIDE_THE_EVENT)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def event_step_taken_by(*, event_id: int, status: str, user) -> bool:
    """Whether the event now stands at ``status`` by a step ``user`` took last."""
    event = Event.objects.filter(pk=event_id, status=status).first()
    if event is None:
        return False
    last = event_last_save(event)
    return last is not None and last.actor_id == user.pk


def event_page(*, user, event_id: int) -> EventPage:
    """The event (inside the user's scope, else Event.DoesNotExist) and what its page shows."""
    event = (
        visible_to(user, Event)
        .select_related("campaign", "org_unit", "county", "created_by")
        .prefetch_related("topic_rows", "expected_partners")
        .get(pk=event_id)
    )
    counted = dict(event.audience_counts.values_list("group", "count"))
    services = list(
        event.partner_services.select_related("partner").order_by("partner__name", "pk")
    )
    history = list(
        AuditEntry.objects.filter(object_type="campaigns.event", object_id=str(event.pk))
        # Who looked at or exported the sign-in list, and why, is for the audit page: the
        # event's page is read by everyone who sees the event.
        .exclude(action__startswith="campaigns.signin.")
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    service_warnings = partner_service_warnings(services=services)
    for service in services:
        service.warnings = service_warnings.get(service.pk, [])
    for entry in history:
        entry.label = action_label(entry.action)
        entry.details = entry_details(entry)
    photos = list(event.photos.all())
    return EventPage(
        event=event,
        audience=[(group.label, counted.get(group.value)) for group in AudienceGroup],
        handouts=list(event.material_uses.select_related("edition__material")),
        partner_services=services,
        photos=photos,
        history=history,
        photos_count=photos_count(event, photos),
        warnings=event_warnings(event),
        may_plan=can(user, "event.plan", event.org_unit),
        may_report=(may_report := can(user, "event.report", event.org_unit)),
        may_change_report=may_report and event.is_editable,
        may_review=can(user, "event.review", event.org_unit),
    )
