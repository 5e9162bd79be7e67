"""Reads about print runs: a material's stock per org unit and the runs a user may see."""

from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from campaigns.models import Event, Material, MaterialEdition, MaterialUse, OrgUnit, PrintRun
from portal.access import filter_by_action, visible_to

RECENT_RUNS = 10


@dataclass(frozen=True)
class StockRow:
    """Copies of a material one unit has had printed, handed out, and has left."""

    org_unit: OrgUnit
    printed: int
    handed_out: int

    @property
    def stock(self) -> int:
        # Negative when events report more copies than the unit ordered (e.g. copies it got
        # from the unit above): shown as is, so that someone looks.
        return self.printed - self.handed_out


def _copies_per_unit(queryset: QuerySet, unit_field: str) -> Coalesce:
    """The sum of ``copies`` in ``queryset`` (filtered to one unit) as a subquery, 0 if none."""
    total = queryset.order_by().values(unit_field).annotate(total=Sum("copies")).values("total")
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def material_stock(*, user, material: Material) -> list[StockRow]:
    """Printed − handed out per org unit the user sees, for every edition of ``material``.

    One query: both sums are subqueries of the units' query. Units with neither are left out.
    """
    printed = PrintRun.objects.filter(edition__material=material, org_unit=OuterRef("pk"))
    handed_out = MaterialUse.objects.filter(
        edition__material=material, event__org_unit=OuterRef("pk")
    ).exclude(event__status=Event.Status.CANCELLED)
    units = (
        visible_to(user, OrgUnit)
        .annotate(
            printed=_copies_per_unit(printed, "org_unit"),
            handed_out=_copies_per_unit(handed_out, "event__org_unit"),
        )
        .filter(Q(printed__gt=0) | Q(handed_out__gt=0))
        .order_by("path")
    )
    return [
        StockRow(org_unit=unit, printed=unit.printed, handed_out=unit.handed_out) for unit in units
    ]


def print_runs_context(*, user, material: Material) -> dict:
    """What templates/materials/_stock.html shows on a material's page."""
    # Only the current edition is ordered; the runs and stock of older ones stay listed.
    approved = visible_to(user, MaterialEdition).filter(material=material).current().first()
    runs = (
        visible_to(user, PrintRun)
        .filter(edition__material=material)
        .select_related("edition", "org_unit", "job")
        .order_by("-created_at")[:RECENT_RUNS]
    )
    may_order = filter_by_action(visible_to(user, OrgUnit), user, "printrun.order").exists()
    return {
        "material": material,
        "stock_rows": material_stock(user=user, material=material),
        "print_runs": list(runs),
        "approved_edition": approved,
        "may_order": may_order and approved is not None,
    }
