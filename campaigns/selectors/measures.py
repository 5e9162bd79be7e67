"""Reads of the consumer-protection measures: monthly returns, their figures, and totals
over units and months.

Totals add up the PARTS of each measure in the database (``Sum`` per part), then compute a
rate, a mean or an NPS once, from the sums (``Measure.value_from``): never an average of
the units' or months' own rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum

from campaigns.imports.measures_sheet import TemplateRow
from campaigns.models import (
    AuditEntry,
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    MediationRoom,
    Mediator,
    OrgUnit,
)
from campaigns.selectors.audit import action_label, entry_details
from portal.access import filter_by_action, visible_to

CENT = Decimal("0.01")


@dataclass
class MeasureTotal:
    """A measure's parts summed over some units and months, and the value they give."""

    measure: Measure
    sums: dict[str, Decimal] = field(default_factory=dict)  # part role -> sum

    @property
    def value(self) -> Decimal | None:
        return self.measure.value_from(self.sums)


def figure_sums(
    *,
    user,
    year: int | None = None,
    months: Iterable[dt.date] | None = None,
    org_unit: OrgUnit | None = None,
    statuses: Iterable[str] = (MeasureReturn.Status.APPROVED,),
) -> dict[int, dict[str, Decimal]]:
    """measure id -> part role -> the part's figures summed over the returns ``user`` sees
    (of ``org_unit``'s subtree, of ``year`` or of ``months``, in ``statuses``); one query."""
    figures = visible_to(user, MeasureFigure).filter(measure_return__status__in=list(statuses))
    if year is not None:
        figures = figures.filter(measure_return__month__year=year)
    if months is not None:
        figures = figures.filter(measure_return__month__in=list(months))
    if org_unit is not None:
        figures = figures.filter(measure_return__org_unit__path__startswith=org_unit.path)
    sums: dict[int, dict[str, Decimal]] = {}
    rows = figures.values("part__measure_id", "part__role").annotate(total=Sum("value"))
    for row in rows.order_by():
        # Figures have two decimals; SQLite's sum of them may come back with more.
        total = Decimal(row["total"]).quantize(CENT)
        sums.setdefault(row["part__measure_id"], {})[row["part__role"]] = total
    return sums


def measure_totals(**filters) -> list[MeasureTotal]:
    """Each active typed measure with its parts summed as ``figure_sums`` sums them."""
    sums = figure_sums(**filters)
    return [
        MeasureTotal(measure=measure, sums=sums.get(measure.pk, {}))
        for measure in Measure.objects.filter(active=True, source=Measure.Source.TYPED)
    ]


def measure_returns(
    *, user, org_unit: OrgUnit | None = None, month: dt.date | None = None, status: str = ""
) -> QuerySet:
    """The monthly returns ``user`` sees (of ``org_unit``'s subtree, of ``month``, in
    ``status``), newest month first."""
    returns = visible_to(user, MeasureReturn).select_related("org_unit")
    if org_unit is not None:
        returns = returns.filter(org_unit__path__startswith=org_unit.path)
    if month is not None:
        returns = returns.filter(month=month.replace(day=1))
    if status:
        returns = returns.filter(status=status)
    return returns.order_by("-month", "org_unit__path")


def return_filter_units(*, user) -> QuerySet[OrgUnit]:
    """The units the list of returns can be narrowed to: those ``user`` sees."""
    return visible_to(user, OrgUnit).order_by("path")


def measure_review_queue(*, user) -> QuerySet:
    """Returns waiting for review in the units the user reviews, oldest submission first."""
    submitted = MeasureReturn.objects.filter(status=MeasureReturn.Status.SUBMITTED)
    return (
        filter_by_action(submitted, user, "measures.review")
        .select_related("org_unit")
        .order_by("submitted_at", "pk")
    )


def saved_figures(
    *, user, units: Iterable[OrgUnit], months: Iterable[dt.date]
) -> dict[tuple[int, dt.date], tuple[MeasureReturn, dict[int, Decimal]]]:
    """The returns ``user`` sees of ``units`` for ``months``, by (unit id, month), each with
    its figures of the parts still asked for (part id -> figure); two queries."""
    returns = {
        measure_return.pk: measure_return
        for measure_return in visible_to(user, MeasureReturn).filter(
            org_unit__in=list(units), month__in=set(months)
        )
    }
    figures: dict[int, dict[int, Decimal]] = {pk: {} for pk in returns}
    # Only the figures the returns still ask for: a measure made inactive since has no column.
    asked = MeasureFigure.objects.filter(
        measure_return__in=list(returns),
        part__measure__active=True,
        part__measure__source=Measure.Source.TYPED,
    )
    for return_id, part_id, value in asked.values_list("measure_return_id", "part_id", "value"):
        figures[return_id][part_id] = value
    return {
        (measure_return.org_unit_id, measure_return.month): (measure_return, figures[pk])
        for pk, measure_return in returns.items()
    }


def template_rows(*, user, org_unit: OrgUnit, year: int) -> list[TemplateRow]:
    """The measures sheet's rows for ``year``: each unit of ``org_unit``'s subtree that
    ``user`` reports for, each month, with the figures saved for it."""
    units = list(report_units(user=user).filter(path__startswith=org_unit.path))
    months = [dt.date(year, month, 1) for month in range(1, 13)]
    saved = saved_figures(user=user, units=units, months=months)
    return [
        TemplateRow(
            unit_code=unit.code,
            unit_name=unit.name,
            month=month,
            figures=saved.get((unit.pk, month), (None, {}))[1],
        )
        for unit in units
        for month in months
    ]


def report_units(*, user) -> QuerySet:
    """The units ``user`` may keep measures for (returns, rooms, mediators)."""
    return filter_by_action(visible_to(user, OrgUnit), user, "measures.report").order_by("path")


@dataclass(frozen=True)
class PartFigure:
    part: MeasurePart
    value: Decimal | None


@dataclass(frozen=True)
class MeasureFigures:
    """One measure in one return: each part's figure and the value they give."""

    measure: Measure
    parts: list[PartFigure]

    @property
    def value(self) -> Decimal | None:
        return self.measure.value_from(
            {figure.part.role: figure.value for figure in self.parts if figure.value is not None}
        )


def return_figures(measure_return: MeasureReturn) -> list[MeasureFigures]:
    """The figures of every measure asked for, in the catalogue's order; a part not given
    has None."""
    given = {
        figure.part_id: figure.value
        for figure in MeasureFigure.objects.filter(measure_return=measure_return)
    }
    measures: dict[int, MeasureFigures] = {}
    parts = MeasurePart.objects.filter(
        measure__active=True, measure__source=Measure.Source.TYPED
    ).select_related("measure")
    for part in parts:
        entry = measures.setdefault(part.measure_id, MeasureFigures(part.measure, []))
        entry.parts.append(PartFigure(part, given.get(part.pk)))
    return list(measures.values())


def mediation_rooms(*, user, org_unit: OrgUnit | None = None) -> QuerySet:
    rooms = visible_to(user, MediationRoom).select_related("org_unit")
    if org_unit is not None:
        rooms = rooms.filter(org_unit__path__startswith=org_unit.path)
    return rooms.order_by("-is_open", "org_unit__path", "name")


def mediators(*, user, org_unit: OrgUnit | None = None) -> QuerySet:
    pool = visible_to(user, Mediator).select_related("org_unit")
    if org_unit is not None:
        pool = pool.filter(org_unit__path__startswith=org_unit.path)
    return pool.order_by("-active", "org_unit__path", "name")


def return_history(measure_return: MeasureReturn) -> list[AuditEntry]:
    """What happened to the return, oldest first, each entry with its label in words."""
    history = list(
        AuditEntry.objects.filter(
            object_type=MeasureReturn._meta.label_lower, object_id=str(measure_return.pk)
        )
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    for entry in history:
        entry.label = action_label(entry.action)
        entry.details = entry_details(entry)
    return history


def return_step_taken_by(*, return_id: int, status: str, user) -> bool:
    """Whether the return now stands at ``status`` by a step ``user`` took last (a second
    tap of the same button, arriving after the first went through)."""
    if not MeasureReturn.objects.filter(pk=return_id, status=status).exists():
        return False
    last = (
        AuditEntry.objects.filter(
            object_type=MeasureReturn._meta.label_lower, object_id=str(return_id)
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    return last is not None and last.actor_id == user.pk
