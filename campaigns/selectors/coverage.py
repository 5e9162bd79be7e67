"""Coverage of a campaign: org units against their targets, counties reached, and the mix of
venues and audiences, at each level of the drill-down (HQ → branch → prefecture → county).

Every figure is computed in the database with a fixed number of queries per level, whatever
the number of units or events: events are grouped by their unit's path prefix (the child of
the level the row stands for) or by their county's prefecture.

Where the figures come from. The unfiltered view — a campaign, a unit of the drill-down (and
a prefecture or county below it), approved events or, with the toggle, approved and reported
ones — is added up from the coverage summaries (campaigns/models/coverage.py): a few
thousand rows per campaign instead of every event, so a page costs the same at 1,000,000
events as at 1,000. Late plans ("reports overdue") come from the summaries' weekly rows of
planned events, and from the events themselves for the one week in which the overdue line
falls (it moves with the clock). A narrowing the summaries do not keep — a date range, a
topic, an audience group, a venue type, format or channel, a special-area kind, a search, a
unit or county filter — is answered live from the events, with the same figures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import connection
from django.db.models import Count, DateTimeField, F, IntegerField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from campaigns.models import (
    AudienceGroup,
    Campaign,
    CampaignTarget,
    Channel,
    CoverageSummary,
    Event,
    OrgUnit,
    Region,
    VenueType,
)
from campaigns.models.coverage import venue_column, week_of
from campaigns.models.events import audience_column
from campaigns.models.org import child_key_length
from campaigns.selectors.events import EventFilters, events_filtered
from portal.access import visible_to


def counted_statuses(include_reported: bool) -> tuple[str, ...]:
    """Approved events count; with the toggle on, reports still waiting for review count too."""
    if include_reported:
        return (Event.Status.APPROVED, Event.Status.REPORTED)
    return (Event.Status.APPROVED,)


@dataclass
class Figures:
    """What one row of a coverage table says."""

    events: int = 0
    # The head counts of the in-person events and the reach of the online ones (each event's
    # people_reached): never the audience groups, which overlap.
    people_reached: int = 0
    counties_covered: int = 0
    special_covered: int = 0
    counties_in_area: int = 0
    special_in_area: int = 0
    overdue: int = 0
    last_event: dt.datetime | None = None


@dataclass
class CoverageRow:
    """A unit or a region at one level, its figures, and (for units) its target."""

    label: str
    figures: Figures
    unit: OrgUnit | None = None
    region: Region | None = None
    target: CampaignTarget | None = None
    # The unit's own events, not those of the units below it.
    own_events_only: bool = False

    def progress(self) -> dict[str, int | None]:
        """Per cent of each target reached (capped at 100), None where no target is set."""
        if self.target is None:
            return {}
        pairs = {
            "events": (self.figures.events, self.target.events),
            "people_reached": (self.figures.people_reached, self.target.people_reached),
            "counties_covered": (self.figures.counties_covered, self.target.counties_covered),
            "special_covered": (
                self.figures.special_covered,
                self.target.special_area_counties_covered,
            ),
        }
        return {
            name: min(100, round(100 * done / goal)) if goal else None
            for name, (done, goal) in pairs.items()
        }

    @property
    def behind(self) -> float:
        """How far behind its targets the row is: the lowest share of any target reached."""
        shares = [value for value in self.progress().values() if value is not None]
        return min(shares) if shares else 101.0


@dataclass
class CoverageTable:
    rows: list[CoverageRow]
    totals: CoverageRow


@dataclass
class CoverageMix:
    venue_types: list[tuple[str, int]]
    audience: list[tuple[str, int]]
    per_week: list[tuple[str, int]]


@dataclass
class CountyCoverage:
    region: Region
    figures: Figures
    special_kinds: list[str] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return self.figures.events > 0


def coverage_unit(*, user, unit_id: int) -> OrgUnit:
    """A unit the user may see (else OrgUnit.DoesNotExist, like a missing one)."""
    return visible_to(user, OrgUnit).get(pk=unit_id)


def _events(*, user, campaign: Campaign, unit: OrgUnit, filters: EventFilters) -> QuerySet:
    events = visible_to(user, Event).filter(campaign=campaign)
    if unit.parent_id is not None:  # below the root: only the unit's subtree
        events = events.filter(org_unit__path__startswith=unit.path)
    return events_filtered(events, filters)


def summaries_answer(filters: EventFilters, *, campaign: Campaign, include_reported: bool) -> bool:
    """Whether the summaries hold the figures of this view: nothing narrows the events but
    the campaign and the statuses counted (which callers may have put into ``filters``)."""
    return (
        filters.campaign_id in (None, campaign.pk)
        and filters.statuses in ((), counted_statuses(include_reported))
        and replace(filters, campaign_id=None, statuses=()) == EventFilters()
    )


def _summaries(*, user, campaign: Campaign, unit: OrgUnit) -> QuerySet[CoverageSummary]:
    """The summary rows of ``unit``'s subtree that ``user`` may see: scoped as the events."""
    summaries = visible_to(user, CoverageSummary).filter(campaign=campaign)
    if unit.parent_id is not None:
        summaries = summaries.filter(org_unit__path__startswith=unit.path)
    return summaries


def _sources(
    *, user, campaign: Campaign, unit: OrgUnit, filters: EventFilters, include_reported: bool
) -> tuple[QuerySet[Event], QuerySet[CoverageSummary] | None]:
    """The events of the view, and its summary rows if the summaries answer it (else None)."""
    events = _events(user=user, campaign=campaign, unit=unit, filters=filters)
    if not summaries_answer(filters, campaign=campaign, include_reported=include_reported):
        return events, None
    return events, _summaries(user=user, campaign=campaign, unit=unit)


def _overdue_line() -> tuple[dt.datetime, dt.date]:
    """Planned events that started before this moment are late; and the Monday of its week:
    a summary row of planned events of an earlier week is late as a whole, one of that week
    in part (the events say which), one of a later week not at all."""
    overdue_before = timezone.now() - dt.timedelta(days=settings.REPORT_OVERDUE_AFTER_DAYS)
    return overdue_before, week_of(overdue_before)


def _late_this_week(events: QuerySet) -> QuerySet:
    """The planned events of the overdue line's week that are already late."""
    overdue_before, week = _overdue_line()
    week_starts = timezone.make_aware(dt.datetime.combine(week, dt.time.min))
    return events.filter(
        status=Event.Status.PLANNED, starts_at__gte=week_starts, starts_at__lt=overdue_before
    )


def _zero() -> Value:
    return Value(0, output_field=IntegerField())


def _per_unit_county_sql(
    events: QuerySet, summaries: QuerySet | None, include_reported: bool
) -> tuple[str, tuple]:
    """SQL of the figures per (unit, county): events, people reached, late plans; summed
    from ``summaries`` when given, else from ``events``. A (unit, county) may come twice."""
    counted = Q(status__in=counted_statuses(include_reported))
    if summaries is None:
        overdue_before, _week = _overdue_line()
        overdue = Q(status=Event.Status.PLANNED, starts_at__lt=overdue_before)
        per_unit_county = (
            # Returned and cancelled events count nowhere: leave them out early.
            events.filter(counted | overdue)
            .values("org_unit_id", "county_id")
            .annotate(
                events=Count("pk", filter=counted),
                people_reached=Coalesce(Sum("people_reached", filter=counted), 0),
                overdue=Count("pk", filter=overdue),
            )
            .order_by()
        )
        return per_unit_county.query.sql_with_params()
    _overdue_before, week = _overdue_line()
    # The rows as they are (the fold sums them): three plain range scans of the summaries'
    # index, which PostgreSQL answers without reading the rows.
    counted_rows = (
        summaries.filter(counted)
        .values("org_unit_id", "county_id", "events", "people_reached")
        .annotate(overdue=_zero())
        .order_by()
    )
    late_weeks = (
        summaries.filter(status=Event.Status.PLANNED, week__lt=week)
        .values("org_unit_id", "county_id")
        .annotate(no_events=_zero(), no_people=_zero(), late_plans=F("events"))
        .order_by()
    )
    late_this_week = (
        _late_this_week(events)
        .values("org_unit_id", "county_id")
        .annotate(events=_zero(), people_reached=_zero(), overdue=Count("pk"))
        .order_by()
    )
    parts = [part.query.sql_with_params() for part in (counted_rows, late_weeks, late_this_week)]
    # The ORM's own SQL, with the parameters apart.
    return (
        " UNION ALL ".join(sql for sql, _params in parts),
        tuple(param for _sql, params in parts for param in params),
    )


def _figure_aggregates(include_reported: bool) -> dict:
    counted = Q(status__in=counted_statuses(include_reported))
    overdue_before = timezone.now() - dt.timedelta(days=settings.REPORT_OVERDUE_AFTER_DAYS)
    return {
        "events": Count("pk", filter=counted),
        "people_reached": Coalesce(Sum("people_reached", filter=counted), 0),
        "counties_covered": Count("county_id", filter=counted, distinct=True),
        "special_covered": Count(
            "county_id", filter=counted & Region.special_area_q("any", "county__"), distinct=True
        ),
        "overdue": Count("pk", filter=Q(status=Event.Status.PLANNED, starts_at__lt=overdue_before)),
        "last_event": Max("starts_at", filter=counted),
    }


# Distinct counties per group would make the database sort every event. Instead the events
# are summed per (unit, county) without any join, which leaves a few thousand rows; those are
# then given their group (a unit's path prefix, a prefecture, a county) and special-area flag
# by joining units and regions, and folded into the groups' rows and the total row. The ORM
# cannot group over a grouped subquery, so the outer query is written here, around the ORM's
# own SQL, which keeps every scope and filter.
FOLD_SQL = """
WITH per_unit_county AS ({inner}),
per_county AS (
  SELECT {group} AS grp, p.county_id AS county_id, SUM(p.events) AS events,
         SUM(p.people_reached) AS people_reached, SUM(p.overdue) AS overdue,
         MAX(CASE WHEN {special} THEN 1 ELSE 0 END) AS special
  FROM per_unit_county p
  JOIN {units} u ON u.id = p.org_unit_id
  JOIN {regions} r ON r.id = p.county_id
  GROUP BY {group}, p.county_id
)
SELECT grp, SUM(events), SUM(people_reached), SUM(CASE WHEN events > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN events > 0 AND special = 1 THEN 1 ELSE 0 END), SUM(overdue), 0
FROM per_county GROUP BY grp
UNION ALL
SELECT NULL, SUM(events), SUM(people_reached),
       COUNT(DISTINCT CASE WHEN events > 0 THEN county_id END),
       COUNT(DISTINCT CASE WHEN events > 0 AND special = 1 THEN county_id END),
       SUM(overdue), 1
FROM per_county
"""
FOLDED = ("events", "people_reached", "counties_covered", "special_covered", "overdue")
# What a row of a coverage table stands for, as SQL over the unit (u) and county (r).
BY_CHILD_UNIT = "substr(u.path, 1, {length})"
BY_PREFECTURE = "r.parent_id"
BY_COUNTY = "r.id"


def _grouped_figures(per_unit_county: tuple[str, tuple], group: str) -> tuple[dict, dict]:
    """Figures per ``group`` (one of the BY_ expressions), and over all events, in one query,
    from the figures per (unit, county) of ``_per_unit_county_sql``."""
    inner, params = per_unit_county
    sql = FOLD_SQL.format(
        inner=inner,
        group=group,
        units=OrgUnit._meta.db_table,
        regions=Region._meta.db_table,
        special=Region.special_area_sql("r"),
    )
    by_group, total = {}, dict.fromkeys(FOLDED, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for key, *values, is_total in cursor.fetchall():
            figures = {name: int(value or 0) for name, value in zip(FOLDED, values, strict=True)}
            if is_total:
                total = figures
            else:
                by_group[key] = figures
    return by_group, total


# The counties each child's subtree serves, and all the unit's subtree serves, in one query.
SERVED_SQL = """
WITH served AS (
  SELECT DISTINCT substr(u.path, 1, %s) AS grp, a.region_id AS region_id,
         CASE WHEN {special} THEN 1 ELSE 0 END AS special
  FROM {areas} a
  JOIN {units} u ON u.id = a.orgunit_id
  JOIN {regions} r ON r.id = a.region_id
  WHERE u.path LIKE %s AND r.level = %s
)
SELECT grp, COUNT(*), SUM(special), 0 FROM served GROUP BY grp
UNION ALL
SELECT NULL, COUNT(DISTINCT region_id), COUNT(DISTINCT CASE WHEN special = 1 THEN region_id END), 1
FROM served
"""


def _served_by_child(unit: OrgUnit, child_length: int) -> tuple[dict, dict]:
    """Counties (and special-area counties) served below each child of ``unit``, and in all."""
    sql = SERVED_SQL.format(
        areas=OrgUnit.service_area.through._meta.db_table,
        units=OrgUnit._meta.db_table,
        regions=Region._meta.db_table,
        special=Region.special_area_sql("r"),
    )
    by_child, total = {}, {"counties_in_area": 0, "special_in_area": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, [child_length, f"{unit.path}%", Region.Level.COUNTY])
        for key, counties, special, is_total in cursor.fetchall():
            figures = {"counties_in_area": int(counties or 0), "special_in_area": int(special or 0)}
            if is_total:
                total = figures
            else:
                by_child[key] = figures
    return by_child, total


def _area_aggregates(prefix: str) -> dict:
    return {
        "counties_in_area": Count(f"{prefix}id", distinct=True),
        "special_in_area": Count(
            f"{prefix}id", filter=Region.special_area_q("any", prefix), distinct=True
        ),
    }


def _figures(values: dict | None, area: dict | None = None) -> Figures:
    figures = Figures()
    for source in (values or {}, area or {}):
        for name, value in source.items():
            if hasattr(figures, name):
                setattr(figures, name, value or (None if name == "last_event" else 0))
    return figures


def _served_counties(unit: OrgUnit) -> QuerySet[Region]:
    return Region.objects.filter(
        level=Region.Level.COUNTY, serving_units__path__startswith=unit.path
    )


def unit_coverage(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    filters: EventFilters,
    include_reported: bool = False,
) -> CoverageTable:
    """The units right below ``unit``, each with its subtree's figures against its target."""
    child_length = child_key_length(unit.path)
    children = {child.path: child for child in unit.children.order_by("path")}
    events, summaries = _sources(
        user=user,
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
    )
    by_child, total = _grouped_figures(
        _per_unit_county_sql(events, summaries, include_reported),
        BY_CHILD_UNIT.format(length=int(child_length)),
    )
    # A unit's service area is the union of the areas of every unit in its subtree.
    area_by_child, area_total = _served_by_child(unit, child_length)
    targets = {
        target.org_unit_id: target
        for target in CampaignTarget.objects.filter(
            Q(org_unit=unit) | Q(org_unit__parent=unit), campaign=campaign
        )
    }
    rows = [
        CoverageRow(
            label=child.name,
            unit=child,
            figures=_figures(by_child.get(path), area_by_child.get(path)),
            target=targets.get(child.pk),
        )
        for path, child in children.items()
    ]
    if unit.path in by_child:  # events the unit itself organized
        rows.append(
            CoverageRow(
                label=unit.name,
                unit=unit,
                figures=_figures(by_child[unit.path]),
                own_events_only=True,
            )
        )
    rows.sort(key=lambda row: (row.behind, row.figures.events, row.label))
    totals = CoverageRow(
        label=unit.name,
        unit=unit,
        figures=_figures(total, area_total),
        target=targets.get(unit.pk),
    )
    return CoverageTable(rows=rows, totals=totals)


def region_coverage(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    filters: EventFilters,
    prefecture: Region | None = None,
    include_reported: bool = False,
) -> CoverageTable:
    """The prefectures of ``unit``'s service area, or the counties of one of them."""
    served = _served_counties(unit).distinct()
    events, summaries = _sources(
        user=user,
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
    )
    if prefecture is None:
        group, area_key = BY_PREFECTURE, "parent_id"
    else:
        served = served.filter(parent=prefecture)
        events = events.filter(county__parent=prefecture)
        if summaries is not None:
            summaries = summaries.filter(county__parent=prefecture)
        group, area_key = BY_COUNTY, "id"
    by_region, total = _grouped_figures(
        _per_unit_county_sql(events, summaries, include_reported), group
    )
    area = {
        row.pop(area_key): row
        for row in Region.objects.filter(pk__in=served.values("pk"))
        .values(area_key)
        .annotate(**_area_aggregates(""))
        .order_by()
    }
    regions = Region.objects.in_bulk(list(area))
    rows = [
        CoverageRow(
            label=region.name_zh,
            region=region,
            figures=_figures(by_region.get(pk), area.get(pk)),
        )
        for pk, region in sorted(regions.items(), key=lambda item: item[1].code)
    ]
    totals = CoverageRow(
        label=prefecture.name_zh if prefecture else unit.name,
        unit=unit,
        region=prefecture,
        figures=_figures(
            total,
            Region.objects.filter(pk__in=served.values("pk")).aggregate(**_area_aggregates("")),
        ),
    )
    return CoverageTable(rows=rows, totals=totals)


def coverage_county(*, unit: OrgUnit, county_id: int) -> Region:
    """A county of ``unit``'s service area (else Region.DoesNotExist, like a missing one)."""
    return _served_counties(unit).distinct().select_related("parent").get(pk=county_id)


def county_figures(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    county: Region,
    filters: EventFilters,
    include_reported: bool = False,
) -> CoverageRow:
    """One county's figures under ``unit``, counted as its row on the prefecture's page."""
    events, summaries = _sources(
        user=user,
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
    )
    if summaries is not None:
        summaries = summaries.filter(county=county)
    by_county, _total = _grouped_figures(
        _per_unit_county_sql(events.filter(county=county), summaries, include_reported),
        BY_COUNTY,
    )
    area = Region.objects.filter(pk=county.pk).aggregate(**_area_aggregates(""))
    return CoverageRow(
        label=county.name_zh, region=county, figures=_figures(by_county.get(county.pk), area)
    )


def county_events(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    county: Region,
    filters: EventFilters,
    include_reported: bool = False,
) -> QuerySet[Event]:
    """The events ``county``'s figures count, newest first."""
    return (
        _events(user=user, campaign=campaign, unit=unit, filters=filters)
        .filter(county=county, status__in=counted_statuses(include_reported))
        .select_related("org_unit")
        .order_by("-starts_at", "-pk")
    )


def county_coverage(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    filters: EventFilters,
    include_reported: bool = False,
) -> list[CountyCoverage]:
    """Every county of ``unit``'s service area; uncovered special-area counties first."""
    events, summaries = _sources(
        user=user,
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
    )
    if summaries is None:
        by_county = {
            row.pop("county_id"): row
            for row in events.values("county_id")
            .annotate(**_figure_aggregates(include_reported))
            .order_by()
        }
    else:
        by_county = _county_figures_summed(events, summaries, include_reported)
    counties = _served_counties(unit).distinct().select_related("parent").order_by("code")
    rows = [
        CountyCoverage(
            region=county,
            figures=_figures(by_county.get(county.pk)),
            special_kinds=county.special_kinds,
        )
        for county in counties
    ]
    if summaries is not None:
        for row in rows:  # a special-area county covered is a special-area county covered
            row.figures.special_covered = row.figures.counties_covered if row.special_kinds else 0
    rows.sort(key=lambda row: (row.covered, not row.special_kinds, row.region.code))
    return rows


def _county_figures_summed(
    events: QuerySet[Event], summaries: QuerySet[CoverageSummary], include_reported: bool
) -> dict[int, dict]:
    """``_figure_aggregates`` per county, from the summaries and this week's late plans, in
    one query (a county may come twice: once from each)."""
    counted = Q(status__in=counted_statuses(include_reported))
    _overdue_before, week = _overdue_line()
    late_weeks = Q(status=Event.Status.PLANNED, week__lt=week)
    summed = (
        summaries.filter(counted | late_weeks)
        .values("county_id")
        .annotate(
            # Named apart from the row's own columns, which an aggregate cannot shadow.
            counted_events=Coalesce(Sum("events", filter=counted), 0),
            counted_people=Coalesce(Sum("people_reached", filter=counted), 0),
            late_plans=Coalesce(Sum("events", filter=late_weeks), 0),
            latest=Max("last_event", filter=counted),
        )
        .order_by()
    )
    late = (
        _late_this_week(events)
        .values("county_id")
        .annotate(
            counted_events=_zero(),
            counted_people=_zero(),
            late_plans=Count("pk"),
            latest=Value(None, output_field=DateTimeField()),
        )
        .order_by()
    )
    by_county: dict[int, dict] = {}
    for row in summed.union(late, all=True):
        figures = by_county.setdefault(
            row["county_id"], {"events": 0, "people_reached": 0, "overdue": 0, "last_event": None}
        )
        figures["events"] += row["counted_events"]
        figures["people_reached"] += row["counted_people"]
        figures["overdue"] += row["late_plans"]
        if row["latest"] is not None:
            figures["last_event"] = row["latest"]
    for figures in by_county.values():
        # A county is covered by its own events: 1 or 0, as the distinct counts say.
        figures["counties_covered"] = int(figures["events"] > 0)
    return by_county


def coverage_mix(
    *,
    user,
    campaign: Campaign,
    unit: OrgUnit,
    filters: EventFilters,
    include_reported: bool = False,
) -> CoverageMix:
    """Events by venue type and by week, and people by audience group, in one query."""
    events, summaries = _sources(
        user=user,
        campaign=campaign,
        unit=unit,
        filters=filters,
        include_reported=include_reported,
    )
    if summaries is not None:
        return _mix_summed(summaries.filter(status__in=counted_statuses(include_reported)))
    events = events.filter(status__in=counted_statuses(include_reported))
    # Summed from each event's copy of its counts: no join of a million audience rows. Each
    # group's total is "of whom" of the in-person head counts; the groups overlap, so they
    # are shown side by side and never added up.
    in_person = Q(channel=Channel.OFFLINE)
    by_group = {
        group: Coalesce(Sum(audience_column(group), filter=in_person), 0)
        for group in AudienceGroup.values
    }
    rows = (
        events.annotate(week=TruncWeek("starts_at"))
        .values("venue_type", "week")
        .annotate(n=Count("pk"), **{f"people_{group}": total for group, total in by_group.items()})
        .order_by("week")
    )
    venues, weeks, audience = Counter(), Counter(), Counter()
    for row in rows:  # at most five venue types a week
        venues[row["venue_type"]] += row["n"]
        weeks[timezone.localtime(row["week"]).date()] += row["n"]
        for group in AudienceGroup.values:
            audience[group] += row[f"people_{group}"]
    return _mix(venues, weeks, audience)


def _mix_summed(summaries: QuerySet[CoverageSummary]) -> CoverageMix:
    """``coverage_mix`` from the summary rows of the counted statuses, one row a week."""
    sums = {
        **{f"venue_{value}": Sum(venue_column(value)) for value in VenueType.values},
        **{f"people_{group}": Sum(audience_column(group)) for group in AudienceGroup.values},
    }
    rows = (
        summaries.filter(events__gt=0)
        .values("week")
        .annotate(n=Sum("events"), **sums)
        .order_by("week")
    )
    venues, weeks, audience = Counter(), Counter(), Counter()
    for row in rows:
        weeks[row["week"]] += row["n"]
        for value in VenueType.values:
            venues[value] += row[f"venue_{value}"]
        for group in AudienceGroup.values:
            audience[group] += row[f"people_{group}"]
    return _mix(venues, weeks, audience)


def _mix(venues: Counter, weeks: Counter, audience: Counter) -> CoverageMix:
    return CoverageMix(
        venue_types=[(str(label), venues[value]) for value, label in VenueType.choices],
        audience=[(str(label), audience[value]) for value, label in AudienceGroup.choices],
        per_week=[(week.strftime("%m-%d"), n) for week, n in sorted(weeks.items())],
    )
