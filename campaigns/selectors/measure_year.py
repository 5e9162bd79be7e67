"""A year of consumer-protection measures for a unit's subtree: each measure for the whole
subtree, month by month and by the units just below, and which units have not reported.

The page, the regulator sheet's measures sheet and the PDF summary's measures page all read
``measure_year``, so their totals cannot disagree. One query sums the approved figures by
(measure, part, month, reporting unit); every total shown is then folded from those sums in
Python, and a rate, mean or NPS is computed once from the folded parts
(``Measure.value_from``), never averaged. Measures counted from events (reception days)
count the approved events of their format in the same buckets: nothing is typed twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from campaigns.models import (
    Event,
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    OrgUnit,
)
from portal.access import visible_to

CENT = Decimal("0.01")
MONTHS = range(1, 13)
# Counted in the totals: what a reviewer accepted.
COUNTED = MeasureReturn.Status.APPROVED

Sums = dict[str, Decimal]  # part role -> sum


@dataclass
class Figure:
    """One measure's parts summed over some units and months, and what they show."""

    measure: Measure
    sums: Sums = field(default_factory=dict)

    @property
    def value(self) -> Decimal | None:
        return self.measure.value_from(self.sums)

    @property
    def has_figures(self) -> bool:
        """Whether anything was reported or counted (an event-counted 0 is nothing)."""
        return any(self.sums.values()) if not self.measure.is_typed else bool(self.sums)

    @property
    def count(self) -> Decimal | None:
        """The number of payouts beside a count-and-amount measure's amount."""
        return self.sums.get("count")

    @property
    def parts(self) -> list[tuple[MeasurePart, Decimal | None]]:
        """Each part of the measure, in the catalogue's order, with its sum."""
        return [(part, self.sums.get(part.role)) for part in self.measure.parts.all()]

    def add(self, sums: Sums) -> None:
        for role, total in sums.items():
            self.sums[role] = self.sums.get(role, Decimal(0)) + total


def folded(measure: Measure, figures: Iterable[Figure]) -> Figure:
    """One figure of ``figures``' parts summed: its value is computed again from the sums,
    never averaged."""
    total = Figure(measure)
    for figure in figures:
        total.add(figure.sums)
    return total


def _chosen(months: list[Figure], chosen: Iterable[int]) -> list[Figure]:
    return [months[month - 1] for month in chosen]


@dataclass
class UnitLine:
    """A unit just below the page's unit (or the page's unit's own returns): its total for
    the year and month by month."""

    unit: OrgUnit
    own: bool  # the page's unit's own returns, apart from its subunits'
    total: Figure
    months: list[Figure]

    @property
    def has_figures(self) -> bool:
        return self.total.has_figures

    def over(self, months: Iterable[int]) -> Figure:
        """The unit's figure over the chosen ``months`` (1 for the line's first month)."""
        return folded(self.total.measure, _chosen(self.months, months))


@dataclass
class MeasureLine:
    measure: Measure
    total: Figure
    months: list[Figure]
    units: list[UnitLine]

    @property
    def has_figures(self) -> bool:
        return self.total.has_figures

    def over(self, months: Iterable[int]) -> Figure:
        """The subtree's figure over the chosen ``months`` (1 for the line's first month)."""
        return folded(self.measure, _chosen(self.months, months))


@dataclass
class UnitMonths:
    """Where a unit's monthly returns stand: one status per month (None: no return)."""

    unit: OrgUnit
    statuses: list[str | None]
    return_ids: list[int | None]
    due: int  # months of the year that have ended
    # A branch owes every month's return; a unit below it only those it started.
    owes_every_month: bool = True

    @property
    def months(self) -> list[tuple[int, str | None, int | None]]:
        """(month, status, return id) of each month, January first."""
        return list(zip(MONTHS, self.statuses, self.return_ids, strict=True))

    @property
    def missing(self) -> list[int]:
        """The ended months owed without a submitted or approved return (1 = January)."""
        waiting = {MeasureReturn.Status.DRAFT, MeasureReturn.Status.RETURNED}
        if self.owes_every_month:
            waiting.add(None)
        return [
            month
            for month, status in zip(MONTHS, self.statuses, strict=True)
            if month <= self.due and status in waiting
        ]


@dataclass
class MeasureYear:
    year: int
    unit: OrgUnit
    months: list[dt.date]
    lines: list[MeasureLine]
    timeliness: list[UnitMonths]
    due: int  # months of the year that have ended

    @property
    def has_figures(self) -> bool:
        return any(line.has_figures for line in self.lines)

    @property
    def late_units(self) -> list[UnitMonths]:
        return [row for row in self.timeliness if row.missing]

    def missing_by_month(self) -> list[tuple[int, int]]:
        """(month, how many units have not reported it) for each month that has ended."""
        return [
            (month, sum(1 for row in self.timeliness if month in row.missing))
            for month in range(1, self.due + 1)
        ]


def _subtree(queryset, unit: OrgUnit, path: str):
    return queryset.filter(**{f"{path}__startswith": unit.path})


def _typed_sums(*, user, year: int, unit: OrgUnit) -> dict[tuple[int, int, str], Sums]:
    """(measure id, month, reporting unit's path) -> part role -> approved figures' sum."""
    figures = _subtree(
        visible_to(user, MeasureFigure).filter(
            measure_return__status=COUNTED, measure_return__month__year=year
        ),
        unit,
        "measure_return__org_unit__path",
    )
    rows = figures.values(
        "part__measure_id", "part__role", "measure_return__month", "measure_return__org_unit__path"
    ).annotate(total=Sum("value"))
    sums: dict[tuple[int, int, str], Sums] = defaultdict(dict)
    for row in rows.order_by():
        key = (
            row["part__measure_id"],
            row["measure_return__month"].month,
            row["measure_return__org_unit__path"],
        )
        # Figures have two decimals; SQLite's sum of them may come back with more.
        sums[key][row["part__role"]] = Decimal(row["total"]).quantize(CENT)
    return sums


def _counted_sums(*, user, year: int, unit: OrgUnit, measures: list[Measure]):
    """The same buckets for measures counted from events: approved events of the measure's
    format, one each, by the month they started in (local time)."""
    sums: dict[tuple[int, int, str], Sums] = {}
    by_format = {measure.event_format: measure for measure in measures}
    if not by_format:
        return sums
    year_starts = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    next_year = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    events = _subtree(
        visible_to(user, Event).filter(
            status=Event.Status.APPROVED,
            format__in=list(by_format),
            starts_at__gte=year_starts,
            starts_at__lt=next_year,
        ),
        unit,
        "org_unit__path",
    )
    rows = (
        events.annotate(month=TruncMonth("starts_at"))
        .values("format", "month", "org_unit__path")
        .annotate(events=Count("pk"))
    )
    for row in rows.order_by():
        measure = by_format[row["format"]]
        key = (measure.pk, row["month"].month, row["org_unit__path"])
        sums[key] = {"value": Decimal(row["events"])}
    return sums


def _empty(measure: Measure) -> Figure:
    # Counted from events: no event is 0 sessions, not "not reported".
    return Figure(measure, {} if measure.is_typed else {"value": Decimal(0)})


def _unit_line(measure: Measure, unit: OrgUnit, *, own: bool) -> UnitLine:
    return UnitLine(unit, own, _empty(measure), [_empty(measure) for _month in MONTHS])


def _bucket_of(path: str, unit: OrgUnit, children: list[OrgUnit]) -> OrgUnit:
    """The unit just below ``unit`` whose subtree reported at ``path``; ``unit`` itself for
    its own returns."""
    return next((child for child in children if path.startswith(child.path)), unit)


def _lines(measures, sums, unit: OrgUnit, children: list[OrgUnit]) -> list[MeasureLine]:
    lines: dict[int, MeasureLine] = {}
    for measure in measures:
        units = {child.pk: _unit_line(measure, child, own=False) for child in children}
        units[unit.pk] = _unit_line(measure, unit, own=True)
        months = [_empty(measure) for _month in MONTHS]
        lines[measure.pk] = MeasureLine(measure, _empty(measure), months, units)
    for (measure_id, month, path), parts in sums.items():
        line = lines.get(measure_id)
        if line is None:  # a measure no longer active
            continue
        unit_line = line.units[_bucket_of(path, unit, children).pk]
        for figure in (
            line.total,
            line.months[month - 1],
            unit_line.total,
            unit_line.months[month - 1],
        ):
            figure.add(parts)
    for line in lines.values():
        own = line.units.pop(unit.pk)
        # The unit reports for itself too: its row comes first.
        line.units = [own] * own.has_figures + list(line.units.values())
    return list(lines.values())


def months_ended(year: int, today: dt.date) -> int:
    """How many months of ``year`` have ended by ``today``: their returns are due."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month - 1


def _timeliness(*, user, year: int, unit: OrgUnit, due: int) -> list[UnitMonths]:
    """Every branch of the subtree, and any other unit that has kept a return this year,
    with the status of each month's return. A unit below a branch that reports for itself
    owes only the months it started: the branch reports for the rest of its subtree."""
    returns = _subtree(
        visible_to(user, MeasureReturn).filter(month__year=year), unit, "org_unit__path"
    )
    kept: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    for pk, org_unit_id, month, status in returns.values_list(
        "pk", "org_unit_id", "month", "status"
    ):
        kept[org_unit_id][month.month] = (status, pk)
    expected = _subtree(visible_to(user, OrgUnit), unit, "path").filter(
        kind=OrgUnit.Kind.BRANCH
    ) | visible_to(user, OrgUnit).filter(pk__in=list(kept))
    rows = []
    for reporting in expected.distinct().order_by("path"):
        months = [kept[reporting.pk].get(month, (None, None)) for month in MONTHS]
        statuses, return_ids = zip(*months, strict=True)
        rows.append(
            UnitMonths(
                reporting,
                list(statuses),
                list(return_ids),
                due,
                owes_every_month=reporting.kind == OrgUnit.Kind.BRANCH,
            )
        )
    return rows


def measure_year(*, user, year: int, unit: OrgUnit) -> MeasureYear:
    """The year's measures for ``unit``'s subtree as ``user`` sees it."""
    measures = list(Measure.objects.filter(active=True).prefetch_related("parts"))
    children = list(visible_to(user, OrgUnit).filter(parent=unit).order_by("path"))
    sums = _typed_sums(user=user, year=year, unit=unit)
    counted = [measure for measure in measures if not measure.is_typed and measure.event_format]
    sums.update(_counted_sums(user=user, year=year, unit=unit, measures=counted))
    due = months_ended(year, timezone.localdate())
    return MeasureYear(
        year=year,
        unit=unit,
        months=[dt.date(year, month, 1) for month in MONTHS],
        lines=_lines(measures, sums, unit, children),
        timeliness=_timeliness(user=user, year=year, unit=unit, due=due),
        due=due,
    )


@dataclass
class MeasurePeriod:
    """The measures of a unit's subtree over some months (a campaign's), in the shape of a
    year's lines: each line's ``months`` and its units' ``months`` follow ``months``."""

    unit: OrgUnit
    months: list[dt.date]
    lines: list[MeasureLine]

    @property
    def has_figures(self) -> bool:
        return any(line.has_figures for line in self.lines)


def period_months(starts_on: dt.date, ends_on: dt.date) -> list[dt.date]:
    """The first day of every month that the days ``starts_on`` to ``ends_on`` touch: the
    returns are monthly, so a month is counted whole."""
    months = []
    month = starts_on.replace(day=1)
    while month <= ends_on:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def measure_period(*, user, unit: OrgUnit, starts_on: dt.date, ends_on: dt.date) -> MeasurePeriod:
    """The measures for ``unit``'s subtree as ``user`` sees it, over the months the days
    ``starts_on`` to ``ends_on`` touch: each year's figures as ``measure_year`` gives them
    (those of the year's page), folded over the period's months."""
    months = period_months(starts_on, ends_on)
    years = {
        year: measure_year(user=user, year=year, unit=unit)
        for year in sorted({month.year for month in months})
    }
    lines = []
    for line in next(iter(years.values())).lines:
        measure = line.measure
        year_lines = {
            year: next(other for other in summary.lines if other.measure.pk == measure.pk)
            for year, summary in years.items()
        }
        line_months = [year_lines[month.year].months[month.month - 1] for month in months]
        # The units of every year (a unit's own row shows only in a year it reported).
        rows = {
            year: {(row.unit.pk, row.own): row for row in year_line.units}
            for year, year_line in year_lines.items()
        }
        every_row = {key: row for by_key in rows.values() for key, row in by_key.items()}
        unit_lines = []
        for key, row in every_row.items():
            unit_months = [
                rows[month.year][key].months[month.month - 1]
                if key in rows[month.year]
                else _empty(measure)
                for month in months
            ]
            unit_line = UnitLine(row.unit, row.own, folded(measure, unit_months), unit_months)
            if not unit_line.own or unit_line.has_figures:
                unit_lines.append(unit_line)
        # As on the page: the unit's own row first, then the units below by their place.
        unit_lines.sort(key=lambda row: (not row.own, row.unit.path))
        lines.append(MeasureLine(measure, folded(measure, line_months), line_months, unit_lines))
    return MeasurePeriod(unit=unit, months=months, lines=lines)


def measure_years(*, user) -> list[int]:
    """The years the user's returns and this year cover, newest first."""
    years = {day.year for day in visible_to(user, MeasureReturn).dates("month", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def default_year(*, user) -> int:
    """The newest year with a return the user sees, else this year."""
    latest = visible_to(user, MeasureReturn).order_by("-month").values_list("month", flat=True)
    first = latest.first()
    return first.year if first else timezone.localdate().year
