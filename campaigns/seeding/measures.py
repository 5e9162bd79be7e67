"""Loading seeds/measures.json: the catalogue of measures, and the demo figures that add up
to the story's totals (marked ``is_demo``).

Idempotent like every loader: measures and parts are found by their codes, demo returns by
unit and month, and a demo return's figures are written anew on each load.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from campaigns.models import (
    Campaign,
    Event,
    EventFormat,
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    OrgUnit,
    VenueType,
)
from campaigns.services.coverage import coverage_summaries_rebuild

SEEDS_DIR = settings.BASE_DIR / "seeds"

CATALOGUE_FIELDS = (
    "position",
    "name_zh",
    "name_bo",
    "name_en",
    "unit",
    "computation",
    "source",
    "event_format",
)
PART_FIELDS = ("role", "kind", "name_zh", "name_bo", "name_en")
CENT = Decimal("0.01")


def _read_json(name: str, directory: Path) -> dict:
    return json.loads((directory / name).read_text(encoding="utf-8"))


@transaction.atomic
def measures_catalogue_load(*, directory: Path = SEEDS_DIR) -> dict[str, Measure]:
    """The measures of the seed story with their parts; Tibetan names wait for a native
    reader (they are ours), unless one has cleared them since the last load."""
    measures = {}
    for entry in _read_json("measures.json", directory)["measures"]:
        defaults = {name: entry.get(name, "") for name in CATALOGUE_FIELDS}
        measure, created = Measure.objects.get_or_create(code=entry["code"], defaults=defaults)
        if not created:
            _keep_cleared_tibetan(measure, defaults)
            for name, value in defaults.items():
                setattr(measure, name, value)
            measure.save()
        for position, part_entry in enumerate(entry["parts"], start=1):
            values = {name: part_entry[name] for name in PART_FIELDS} | {"position": position}
            part, created = MeasurePart.objects.get_or_create(
                measure=measure, code=part_entry["code"], defaults=values
            )
            if not created:
                _keep_cleared_tibetan(part, values)
                for name, value in values.items():
                    setattr(part, name, value)
                part.save()
        measures[measure.code] = measure
    return measures


def _keep_cleared_tibetan(obj, values: dict) -> None:
    """A Tibetan name changed by the seeds waits for a native reader again."""
    if obj.name_bo != values["name_bo"]:
        obj.name_bo_needs_review = True


def split(total: int, weights: list[int]) -> list[int]:
    """``total`` shared out in proportion to ``weights``, in whole numbers that add up to it
    exactly (largest remainders get the units left over)."""
    weight_sum = sum(weights)
    shares = [total * weight // weight_sum for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for index in remainders[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _cells(spec: dict, *, reported_only: bool = True) -> list[tuple[str, int, int]]:
    """(unit code, month, weight) of every demo return (with ``reported_only`` false: of
    every unit and month, those left unreported too)."""
    unreported = {tuple(cell) for cell in spec.get("unreported", [])} if reported_only else set()
    return [
        (unit, month, unit_weight * month_weight)
        for unit, unit_weight in spec["units"].items()
        for month, month_weight in enumerate(spec["months"], start=1)
        if (unit, month) not in unreported
    ]


def demo_figures(spec: dict) -> dict[tuple[str, int], dict[str, Decimal]]:
    """(unit code, month) -> part code -> figure: each total of the spec shared out over the
    units and months by their weights. A part that ``follow``s another (solved calls follow
    calls, an amount paid its payouts, minutes their dispatches) is shared in proportion to
    that part's shares, so that no return has a part larger than its whole or an amount
    without payouts. Minutes go further where a unit is ``slower``, so its own mean differs
    from the company's; money and minutes are shared in cents."""
    cells = _cells(spec)
    weights = [weight for _unit, _month, weight in cells]
    slowness = [spec["slower"].get(unit, 1) for unit, _month, _weight in cells]
    follows = spec.get("follow", {})
    figures: dict[tuple[str, int], dict[str, Decimal]] = {
        (unit, month): {} for unit, month, _weight in cells
    }
    for parts in spec["totals"].values():
        shared: dict[str, list[Decimal]] = {}
        # The parts followed are shared first.
        for code, total in sorted(parts.items(), key=lambda item: item[0] in follows):
            base = follows.get(code)
            by = weights if base is None else [int(share) for share in shared[base]]
            if code.endswith("minutes"):
                by = [weight * slow for weight, slow in zip(by, slowness, strict=True)]
            if isinstance(total, str):  # yuan or minutes, two decimals
                cents = split(int(Decimal(total) / CENT), by)
                shared[code] = [Decimal(share) * CENT for share in cents]
            else:
                shared[code] = [Decimal(share) for share in split(total, by)]
            for (unit, month, _weight), value in zip(cells, shared[code], strict=True):
                figures[(unit, month)][code] = value
    return figures


@transaction.atomic
def measures_demo_load(*, directory: Path = SEEDS_DIR) -> int:
    """The demo's approved monthly returns (a month a unit reported itself is left as it
    is); how many there are."""
    spec = _read_json("measures.json", directory)["demo"]
    parts = {
        part.code: part for part in MeasurePart.objects.filter(measure__code__in=spec["totals"])
    }
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=spec["units"])}
    figures = []
    returns = 0
    # A unit's own return of a month is never overwritten by the demo's.
    kept = set(
        MeasureReturn.objects.filter(
            month__year=spec["year"], org_unit__in=units.values(), is_demo=False
        ).values_list("org_unit__code", "month__month")
    )
    for (unit_code, month), values in demo_figures(spec).items():
        if (unit_code, month) in kept:
            continue
        measure_return, _created = MeasureReturn.objects.update_or_create(
            org_unit=units[unit_code],
            month=dt.date(spec["year"], month, 1),
            defaults={"status": MeasureReturn.Status.APPROVED, "is_demo": True},
        )
        measure_return.figures.all().delete()
        figures += [
            MeasureFigure(measure_return=measure_return, part=parts[code], value=value)
            for code, value in values.items()
        ]
        returns += 1
    MeasureFigure.objects.bulk_create(figures)
    return returns


def _reception_days_by_cell(events) -> dict[tuple[str, int], int]:
    """(unit code, month) -> how many of ``events`` began that month (local time)."""
    counted = events.annotate(month=TruncMonth("starts_at")).values("org_unit__code", "month")
    return {
        (row["org_unit__code"], row["month"].month): row["sessions"]
        for row in counted.annotate(sessions=Count("pk")).order_by()
    }


@transaction.atomic
def reception_days_demo_load(*, directory: Path = SEEDS_DIR) -> int:
    """The demo's approved general-manager reception days, one event each, in a demo
    campaign of the demo year: the measures page counts them. Made anew when they differ
    from the seeds (the events are found by their demo title); returns how many there are."""
    spec = _read_json("measures.json", directory)["demo"]
    days = spec["reception_days"]
    campaign_spec = days["campaign"]
    campaign, _created = Campaign.objects.update_or_create(
        name=campaign_spec["name"],
        defaults={
            "theme": campaign_spec["theme"],
            "description": campaign_spec["description"],
            "starts_on": dt.date.fromisoformat(campaign_spec["starts_on"]),
            "ends_on": dt.date.fromisoformat(campaign_spec["ends_on"]),
        },
    )
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=spec["units"])}
    cells = _cells(spec, reported_only=False)
    shares = split(days["sessions"], [weight for _unit, _month, weight in cells])
    loaded = campaign.events.filter(title=days["title"])
    if _reception_days_by_cell(loaded) == {
        (unit, month): sessions
        for (unit, month, _weight), sessions in zip(cells, shares, strict=True)
        if sessions
    }:
        # Already as the seeds say: deleting 3,000 events one by one (each moving its
        # coverage summaries) only to make them again takes a minute.
        return sum(shares)
    loaded.delete()
    events = []
    for (unit_code, month, _weight), sessions in zip(cells, shares, strict=True):
        unit = units[unit_code]
        counties = list(unit.service_counties().order_by("code")[:sessions])
        for index in range(sessions):
            # Reception days fall on working mornings through the month.
            starts_at = dt.datetime(
                spec["year"], month, 1 + index % 28, 9, 0, tzinfo=timezone.get_current_timezone()
            )
            visitors = 4 + index % 9
            events.append(
                Event(
                    campaign=campaign,
                    org_unit=unit,
                    county=counties[index % len(counties)],
                    title=days["title"],
                    venue_name=days["venue_name"],
                    venue_type=VenueType.BUSINESS_DISTRICT,
                    format=EventFormat.GM_RECEPTION_DAY,
                    starts_at=starts_at,
                    status=Event.Status.APPROVED,
                    reported_at=starts_at,
                    head_count=visitors,
                    people_reached=visitors,
                    visitors_received=visitors,
                    matters_raised=visitors // 3,
                    matters_resolved=visitors // 4,
                )
            )
    Event.objects.bulk_create(events, batch_size=500)
    # Saved in bulk, past Event.save(): the coverage summaries are made from them at once.
    coverage_summaries_rebuild(campaign_id=campaign.pk)
    return len(events)
