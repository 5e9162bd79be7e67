"""Coverage summaries: a campaign's events added up per org unit, county, status and week.

Coverage at 1,000,000 events cannot be summed from the events on every page view. Each
summary row holds what the events of one (campaign, unit, county, status, week) add up to:
the coverage tables, charts, regulator sheet and PDF summary add up these rows instead.

The rows are kept in step by ``Event.save()`` and the delete of an event, in the same
transaction as the change, with one rule: ``event_contribution`` says what one event adds to
which row, and a change takes the event's old contribution away and adds its new one
(``summaries_move``). Paths that write events in bulk (the sheet import, the seeding) call
``summaries_move`` themselves, or rebuild the campaign's rows at the end
(``coverage_summaries_rebuild`` in campaigns/services/coverage.py). A write that passes by
``Event.save()`` some other way (``QuerySet.update()``, raw SQL, a data migration) leaves the
summaries behind: rebuild them after it (``manage.py rebuild_coverage_summaries``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models.events import (
    AUDIENCE_COLUMNS,
    Channel,
    Event,
    EventFormat,
    VenueType,
)
from portal.access import OrgScopedQuerySet


def venue_column(venue_type: str) -> str:
    return f"venue_{venue_type}"


def format_column(event_format: str) -> str:
    return f"format_{event_format}"


def channel_column(channel: str) -> str:
    return f"channel_{channel}"


# Sums of the events' figures. People reached is each event's own (head count in person,
# reach online); the head counts and the audience groups are of in-person events only, the
# reach of online ones only, as the regulator counts them.
SUMMED = ("events", "people_reached", "head_count", "online_reach", "staff", "outlets")
COUNTED_BY_KIND = (
    *(channel_column(value) for value in Channel.values),
    *(venue_column(value) for value in VenueType.values),
    *(format_column(value) for value in EventFormat.values),
)
# Every figure of a summary row, all of them sums: a row is the sum of its events' rows.
FIGURES = (*SUMMED, *COUNTED_BY_KIND, *AUDIENCE_COLUMNS)


def week_of(moment: dt.datetime) -> dt.date:
    """The Monday (local time) of the week ``moment`` falls in, as TruncWeek gives it."""
    day = timezone.localtime(moment).date()
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True, order=True)
class SummaryKey:
    campaign_id: int
    org_unit_id: int
    county_id: int
    status: str
    week: dt.date

    def q(self) -> Q:
        return Q(**self.__dict__)


@dataclass(frozen=True)
class Contribution:
    """What one event adds to one summary row."""

    key: SummaryKey
    figures: dict[str, int]
    starts_at: dt.datetime


# The event columns a contribution is read from; an event loaded without one of them
# (``only()``, ``defer()``) has its old contribution read again from the database.
CONTRIBUTING_FIELDS = (
    "campaign_id",
    "org_unit_id",
    "county_id",
    "status",
    "starts_at",
    "channel",
    "venue_type",
    "format",
    "people_reached",
    "head_count",
    "online_reach",
    "staff_count",
    "outlets_count",
    *AUDIENCE_COLUMNS,
)


def event_contribution(event: Event) -> Contribution:
    """What ``event`` adds to the summaries: the one place that says how an event counts."""
    in_person = event.channel == Channel.OFFLINE
    figures = {
        "events": 1,
        "people_reached": event.people_reached or 0,
        "head_count": (event.head_count or 0) if in_person else 0,
        "online_reach": 0 if in_person else (event.online_reach or 0),
        "staff": event.staff_count or 0,
        "outlets": event.outlets_count or 0,
        channel_column(event.channel): 1,
        venue_column(event.venue_type): 1,
        format_column(event.format): 1,
    }
    if in_person:
        for column in AUDIENCE_COLUMNS:
            figures[column] = getattr(event, column) or 0
    key = SummaryKey(
        campaign_id=event.campaign_id,
        org_unit_id=event.org_unit_id,
        county_id=event.county_id,
        status=event.status,
        week=week_of(event.starts_at),
    )
    return Contribution(key=key, figures=figures, starts_at=event.starts_at)


class CoverageSummaryQuerySet(OrgScopedQuerySet):
    # Seen by whoever sees the unit's events: scoped exactly like them.
    owner_path = "org_unit__path"


class CoverageSummary(models.Model):
    """What the events of one campaign, org unit, county, status and week add up to."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", models.CASCADE, related_name="+", verbose_name=_("campaign")
    )
    org_unit = models.ForeignKey(
        "campaigns.OrgUnit", models.CASCADE, related_name="+", verbose_name=_("org unit")
    )
    county = models.ForeignKey(
        "campaigns.Region", models.CASCADE, related_name="+", verbose_name=_("county")
    )
    status = models.CharField(_("status"), max_length=16, choices=Event.Status.choices)
    # The Monday of the events' week, in local time: the weekly chart adds these up, and a
    # planned event is late only some days after its start (see coverage's overdue figure).
    week = models.DateField(_("week"))
    # The latest start among the row's events; None when it has none.
    last_event = models.DateTimeField(_("last event"), null=True, blank=True)

    objects = CoverageSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage summary")
        verbose_name_plural = _("coverage summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org_unit", "county", "status", "week"],
                name="coverage_summary_once_per_key",
            )
        ]
        indexes = [
            # Everything the coverage tables read of a row, so that PostgreSQL answers them
            # from the index alone instead of reading the wide rows.
            models.Index(
                fields=[
                    "campaign",
                    "status",
                    "week",
                    "org_unit",
                    "county",
                    "events",
                    "people_reached",
                ],
                name="coverage_summary_tables",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.org_unit_id}/{self.county_id}/{self.status}/{self.week}"

    def key(self) -> SummaryKey:
        return SummaryKey(
            campaign_id=self.campaign_id,
            org_unit_id=self.org_unit_id,
            county_id=self.county_id,
            status=self.status,
            week=self.week,
        )


for _figure in FIGURES:
    CoverageSummary.add_to_class(_figure, models.BigIntegerField(default=0))
del _figure


# Rows looked up per query: an import may move thousands.
KEYS_PER_QUERY = 200


def summaries_move(changes: Iterable[tuple[Contribution | None, Contribution | None]]) -> None:
    """Apply changes of events to the summaries: each (old, new) contribution takes the old
    one away and adds the new one (None for an event created or deleted).

    Race-safe: the rows are created if missing (the unique key settles two creators), then
    locked in one order before they are changed, so two transactions moving the same row
    wait for each other instead of losing a change. Call it inside the change's transaction.
    """
    moves = _moves(changes)
    if not moves:
        return
    keys = sorted(moves)
    CoverageSummary.objects.bulk_create(
        [CoverageSummary(**key.__dict__) for key in keys], ignore_conflicts=True
    )
    rows = {}
    for first in range(0, len(keys), KEYS_PER_QUERY):
        locked = CoverageSummary.objects.select_for_update().filter(
            _keys_q(keys[first : first + KEYS_PER_QUERY])
        )
        rows.update((row.key(), row) for row in locked.order_by("pk"))
    recount = {key for key in keys if not moves[key].applied_to(rows[key])}
    for key, last in _latest_starts(recount).items():
        rows[key].last_event = last
    CoverageSummary.objects.bulk_update(
        [rows[key] for key in keys], [*FIGURES, "last_event"], batch_size=500
    )


@dataclass
class _Move:
    """What a set of changes does to one summary row."""

    deltas: Counter = field(default_factory=Counter)
    latest_added: dt.datetime | None = None
    removed: list[dt.datetime] = field(default_factory=list)

    def applied_to(self, row: CoverageSummary) -> bool:
        """Change ``row``; False when its latest start must be read from the events again
        (its latest event may have left it)."""
        for name, delta in self.deltas.items():
            setattr(row, name, getattr(row, name) + delta)
        if row.events == 0:
            row.last_event = None
            return True
        if self.latest_added is not None and (
            row.last_event is None or row.last_event < self.latest_added
        ):
            row.last_event = self.latest_added
        return not any(row.last_event is None or start >= row.last_event for start in self.removed)


def _moves(changes) -> dict[SummaryKey, _Move]:
    moves: defaultdict[SummaryKey, _Move] = defaultdict(_Move)
    for old, new in changes:
        if old == new:
            continue
        if old is not None:
            moves[old.key].deltas.subtract(old.figures)
            moves[old.key].removed.append(old.starts_at)
        if new is not None:
            move = moves[new.key]
            move.deltas.update(new.figures)
            if move.latest_added is None or move.latest_added < new.starts_at:
                move.latest_added = new.starts_at
    return moves


def _week_start(monday: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(monday, dt.time.min))


def _keys_q(keys: Iterable[SummaryKey]) -> Q:
    condition = Q()
    for key in keys:
        condition |= key.q()
    return condition


def _latest_starts(keys: set[SummaryKey]) -> dict[SummaryKey, dt.datetime | None]:
    """The latest start among the events of each row of ``keys``, read from the events."""
    latest = dict.fromkeys(keys)
    ordered = sorted(keys)
    for first in range(0, len(ordered), KEYS_PER_QUERY):
        condition = Q()
        for key in ordered[first : first + KEYS_PER_QUERY]:
            condition |= Q(
                campaign_id=key.campaign_id,
                org_unit_id=key.org_unit_id,
                county_id=key.county_id,
                status=key.status,
                starts_at__gte=_week_start(key.week),
                starts_at__lt=_week_start(key.week + dt.timedelta(days=7)),
            )
        for *columns, starts_at in Event.objects.filter(condition).values_list(
            "campaign_id", "org_unit_id", "county_id", "status", "starts_at"
        ):
            key = SummaryKey(*columns, week=week_of(starts_at))
            if key in latest and (latest[key] is None or latest[key] < starts_at):
                latest[key] = starts_at
    return latest


# A deleted event counts no more. A receiver rather than Event.delete(): a queryset's delete
# and a cascade do not call the model's delete(), but they do send these signals.
@receiver(pre_delete, sender=Event)
def _event_counted_before_delete(sender, instance: Event, **kwargs) -> None:
    instance._counted_as = instance._counted_before()


@receiver(post_delete, sender=Event)
def _event_deleted(sender, instance: Event, **kwargs) -> None:
    if instance._counted_as is not None:
        summaries_move([(instance._counted_as, None)])
        instance._counted_as = instance._read_as = None
