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

from campaigns.models import Measure, MeasureFigure, MeasurePart, MeasureReturn, OrgUnit

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


def _cells(spec: dict) -> list[tuple[str, int, int]]:
    """(unit code, month, weight) of every demo return."""
    return [
        (unit, month, unit_weight * month_weight)
        for unit, unit_weight in spec["units"].items()
        for month, month_weight in enumerate(spec["months"], start=1)
    ]


def demo_figures(spec: dict) -> dict[tuple[str, int], dict[str, Decimal]]:
    """(unit code, month) -> part code -> figure: each total of the spec shared out over the
    units and months by their weights. Minutes go further where a unit is ``slower``, so its
    own mean differs from the company's; money and minutes are shared in cents."""
    cells = _cells(spec)
    weights = [weight for _unit, _month, weight in cells]
    slower = [weight * spec["slower"].get(unit, 1) for unit, _month, weight in cells]
    figures: dict[tuple[str, int], dict[str, Decimal]] = {
        (unit, month): {} for unit, month, _weight in cells
    }
    for parts in spec["totals"].values():
        for code, total in parts.items():
            if isinstance(total, str):  # yuan or minutes, two decimals
                cents = int(Decimal(total) / CENT)
                shared = split(cents, slower if code.endswith("minutes") else weights)
                values = [Decimal(share) * CENT for share in shared]
            else:
                values = [Decimal(share) for share in split(total, weights)]
            for (unit, month, _weight), value in zip(cells, values, strict=True):
                figures[(unit, month)][code] = value
    return figures


@transaction.atomic
def measures_demo_load(*, directory: Path = SEEDS_DIR) -> int:
    """The demo's approved monthly returns; how many there are."""
    spec = _read_json("measures.json", directory)["demo"]
    parts = {
        part.code: part for part in MeasurePart.objects.filter(measure__code__in=spec["totals"])
    }
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=spec["units"])}
    figures = []
    returns = 0
    for (unit_code, month), values in demo_figures(spec).items():
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
