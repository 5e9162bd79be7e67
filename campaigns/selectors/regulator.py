"""The figures of the regulator's statistics sheet: one row per unit below a unit, and totals.

The counts of events, people, counties and audience groups come from the coverage summaries
when nothing but the campaign and the statuses narrows the sheet (see selectors/coverage.py),
else from the events; handouts and partner services are summed from their own rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Substr

from campaigns.exporters.disclosure import Tally
from campaigns.models import (
    AudienceGroup,
    Campaign,
    Channel,
    CoverageSummary,
    Event,
    MaterialUse,
    OrgUnit,
    PartnerService,
    Region,
    ServiceType,
)
from campaigns.models.coverage import channel_column
from campaigns.models.events import audience_column
from campaigns.models.org import child_key_length
from campaigns.selectors import coverage
from campaigns.selectors.coverage import counted_statuses
from campaigns.selectors.events import EventFilters, events_filtered
from portal.access import visible_to


@dataclass
class RegulatorRow:
    """The figures of one child unit's subtree, of the unit's own events, or of all of them."""

    # Figures that add up across rows (distinct counties do not).
    ADDITIVE = (
        "online_events",
        "offline_events",
        "outlets",
        "staff",
        "head_count",
        "online_reach",
        "materials",
        "partner_services",
        "screened",
        "referred",
    )

    label: str = ""
    unit: OrgUnit | None = None
    online_events: int = 0
    offline_events: int = 0
    outlets: int = 0
    staff: int = 0
    # People who came to the in-person events (their head counts), and the reach of the
    # online ones: the regulator counts the two apart, and they do not add up (a reach
    # counts views or messages, not people).
    head_count: int = 0
    online_reach: int = 0
    # Of the in-person events' head counts, how many were of each audience group. Groups
    # overlap (a herder woman is in two), so they are never summed.
    audience: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AudienceGroup.values, 0))
    materials: int = 0
    partner_services: int = 0
    # With the small own figures they add up, which decide how they may be shown.
    screened: Tally = field(default_factory=Tally)
    referred: Tally = field(default_factory=Tally)
    counties: int = 0
    special_area_counties: int = 0

    @property
    def events(self) -> int:
        return self.online_events + self.offline_events


@dataclass
class RegulatorStatistics:
    campaign: Campaign
    unit: OrgUnit
    filters: EventFilters  # as applied: with the campaign and the statuses counted
    include_reported: bool
    rows: list[RegulatorRow]
    totals: RegulatorRow
    # The counted events themselves, unevaluated: the sheet lists them one by one.
    events: QuerySet[Event]


def _zero(expression) -> Coalesce:
    return Coalesce(expression, Value(0), output_field=IntegerField())


class _Rows(dict):
    """The rows of a sheet by key: a unit's path, cut to the length of its children's."""

    def __missing__(self, key: str) -> RegulatorRow:
        # A path not among the children cannot occur (the subtree of a visible unit is
        # visible); should it ever, its figures still reach the totals, under its path.
        self[key] = RegulatorRow(label=key)
        return self[key]


def _event_figures(events: QuerySet[Event], rows: _Rows, key_length: int) -> None:
    """Each row's counts of events, people, counties and audience groups, in one query."""
    offline = Q(channel=Channel.OFFLINE)
    # The groups are summed from each event's copy of its counts, in the same query.
    audience = {
        f"audience_{group}": _zero(Sum(audience_column(group), filter=offline))
        for group in AudienceGroup.values
    }
    per_unit_events = (
        events.annotate(key=Substr("org_unit__path", 1, key_length))
        .values("key")
        .order_by("key")
        .annotate(
            online_events=Count("pk", filter=~offline),
            offline_events=Count("pk", filter=offline),
            outlets=_zero(Sum("outlets_count")),
            staff=_zero(Sum("staff_count")),
            head_count=_zero(Sum("head_count", filter=offline)),
            online_reach=_zero(Sum("online_reach", filter=~offline)),
            counties=Count("county", distinct=True),
            special_area_counties=Count(
                "county", distinct=True, filter=Region.special_area_q("any", "county__")
            ),
            **audience,
        )
    )
    for figures in per_unit_events:
        target = rows[figures.pop("key")]
        for group in AudienceGroup.values:
            target.audience[group] = figures.pop(f"audience_{group}")
        for name, value in figures.items():
            setattr(target, name, value)


def _summed_figures(summaries: QuerySet[CoverageSummary], rows: _Rows, key_length: int) -> None:
    """``_event_figures`` from the summary rows of the counted events, in one query."""
    covered = Q(events__gt=0)
    per_unit = (
        summaries.annotate(key=Substr("org_unit__path", 1, key_length))
        .values("key")
        .order_by("key")
        .annotate(
            all_events=_zero(Sum("events")),
            offline_events=_zero(Sum(channel_column(Channel.OFFLINE))),
            summed_outlets=_zero(Sum("outlets")),
            summed_staff=_zero(Sum("staff")),
            summed_head_count=_zero(Sum("head_count")),
            summed_online_reach=_zero(Sum("online_reach")),
            counties=Count("county", distinct=True, filter=covered),
            special_area_counties=Count(
                "county", distinct=True, filter=covered & Region.special_area_q("any", "county__")
            ),
            **{
                f"summed_{group}": _zero(Sum(audience_column(group)))
                for group in AudienceGroup.values
            },
        )
    )
    for figures in per_unit:
        target = rows[figures["key"]]
        target.online_events = figures["all_events"] - figures["offline_events"]
        target.offline_events = figures["offline_events"]
        target.outlets = figures["summed_outlets"]
        target.staff = figures["summed_staff"]
        target.head_count = figures["summed_head_count"]
        target.online_reach = figures["summed_online_reach"]
        target.counties = figures["counties"]
        target.special_area_counties = figures["special_area_counties"]
        for group in AudienceGroup.values:
            target.audience[group] = figures[f"summed_{group}"]


def _material_figures(counted_pks: QuerySet, rows: _Rows, key_length: int) -> None:
    """Each row's copies of handouts given out, in one query."""
    per_unit_materials = (
        MaterialUse.objects.filter(event__in=counted_pks)
        .annotate(key=Substr("event__org_unit__path", 1, key_length))
        .values("key")
        .order_by("key")
        .annotate(copies=_zero(Sum("copies")))
    )
    for figures in per_unit_materials:
        rows[figures["key"]].materials = figures["copies"]


def _service_figures(counted_pks: QuerySet, rows: _Rows, key_length: int) -> None:
    """Each row's partner services, and the people screened and referred, in one query."""
    # Per unit, not per row: whether a screening figure may be shown depends on the figures
    # of the units' own events it adds up (disclosure.Tally). A few thousand rows at most.
    screening = Q(service_type=ServiceType.HEALTH_SCREENING)
    per_unit_services = (
        PartnerService.objects.filter(event__in=counted_pks)
        .values("event__org_unit__path")
        .order_by("event__org_unit__path")
        .annotate(
            services=Count("pk"),
            screened=_zero(Sum("screened", filter=screening)),
            referred=_zero(Sum("referred", filter=screening)),
        )
    )
    for figures in per_unit_services:
        target = rows[figures["event__org_unit__path"][:key_length]]
        target.partner_services += figures["services"]
        target.screened += Tally.own(figures["screened"])
        target.referred += Tally.own(figures["referred"])


def _totals(rows: _Rows, events: QuerySet) -> RegulatorRow:
    """The rows added up; distinct counties counted again over all the events (or over the
    summary rows that count any)."""
    totals = RegulatorRow()
    for each in rows.values():
        for name in RegulatorRow.ADDITIVE:
            setattr(totals, name, getattr(totals, name) + getattr(each, name))
        for group, people in each.audience.items():
            totals.audience[group] += people
    # Two units may work in the same county: distinct counties do not add up across rows.
    covered = events.aggregate(
        counties=Count("county", distinct=True),
        special_area_counties=Count(
            "county", distinct=True, filter=Region.special_area_q("any", "county__")
        ),
    )
    totals.counties = covered["counties"]
    totals.special_area_counties = covered["special_area_counties"]
    return totals


def regulator_statistics(
    *, user, campaign: Campaign, unit: OrgUnit, filters: EventFilters, include_reported: bool
) -> RegulatorStatistics:
    """The campaign's approved (or approved and reported) events below ``unit`` that ``user``
    may see, narrowed by ``filters``, summed per child unit of ``unit``, and in total.

    Each kind of figure is one grouped query over all rows, whatever the number of units."""
    filters = replace(
        filters,
        campaign_id=campaign.pk,
        statuses=counted_statuses(include_reported),
        org_unit_id=None,  # the subtree is ``unit``'s, applied below
    )
    events = events_filtered(
        visible_to(user, Event).filter(org_unit__path__startswith=unit.path), filters
    )
    counted_pks = events.values("pk")
    # Events of a child's subtree share the child's path as prefix; the unit's own events
    # have a shorter path, so their key is the unit's own path.
    key_length = child_key_length(unit.path)

    children = list(visible_to(user, OrgUnit).filter(parent=unit).order_by("code", "pk"))
    own = RegulatorRow(label=unit.name, unit=unit)
    rows = _Rows(
        {unit.path: own}
        | {child.path: RegulatorRow(label=child.name, unit=child) for child in children}
    )
    summaries = None
    if coverage.summaries_answer(filters, campaign=campaign, include_reported=include_reported):
        summaries = visible_to(user, CoverageSummary).filter(
            campaign=campaign,
            org_unit__path__startswith=unit.path,
            status__in=filters.statuses,
            events__gt=0,
        )
        _summed_figures(summaries, rows, key_length)
    else:
        _event_figures(events, rows, key_length)
    _material_figures(counted_pks, rows, key_length)
    _service_figures(counted_pks, rows, key_length)

    # The unit's own events come first, and only when there are any.
    shown = [own] if own.events else []
    shown += [each for key, each in rows.items() if key != unit.path]
    return RegulatorStatistics(
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
        rows=shown,
        totals=_totals(rows, events if summaries is None else summaries),
        events=events,
    )
