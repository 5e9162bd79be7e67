"""The year's measures page: each measure for a unit's subtree (headquarters: the whole
company), month by month and by the units below, drilled down unit by unit, and which units
have not reported a month."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns.charts import BarChart
from campaigns.models import Measure, OrgUnit
from campaigns.selectors import measure_year as selectors
from campaigns.selectors.org import own_units
from portal.access import visible_to

# Years a page may be asked for: wider than any return can be, narrower than nonsense.
YEARS = range(2000, 2101)


def month_label(month: int) -> str:
    return _("Month %(number)s") % {"number": month}


def _chart(line: selectors.MeasureLine) -> BarChart:
    measure = line.measure
    percent = measure.unit == Measure.Unit.PERCENT
    return BarChart(
        title=_("%(measure)s, month by month") % {"measure": measure.name},
        items=[
            (month_label(month), figure.value) for month, figure in enumerate(line.months, start=1)
        ],
        max_value=100 if percent else None,
        suffix=" %" if percent else "",
        empty=_("No approved figures this year."),
    )


def _breadcrumbs(user, year: int, unit: OrgUnit) -> list[tuple[str, str, str]]:
    units = [*visible_to(user, OrgUnit).filter(pk__in=unit.ancestors()).order_by("path"), unit]
    return [(u.name, reverse("measure_year", args=[year, u.pk]), "") for u in units]


@login_required
def measure_year_home(request):
    """The newest year's measures from the top of what the user sees."""
    units = own_units(user=request.user)
    year = selectors.default_year(user=request.user)
    if not units:
        return render(request, "measures/year_empty.html")
    if len(units) > 1:
        return render(request, "measures/year_units.html", {"units": units, "year": year})
    return redirect("measure_year", year, units[0].pk)


@login_required
def measure_year_page(request, year: int, unit_pk: int):
    if year not in YEARS:
        raise Http404
    unit = get_object_or_404(visible_to(request.user, OrgUnit), pk=unit_pk)
    summary = selectors.measure_year(user=request.user, year=year, unit=unit)
    for line in summary.lines:
        line.chart = _chart(line)
    return render(
        request,
        "measures/year.html",
        {
            "summary": summary,
            "unit": unit,
            "year": year,
            "years": selectors.measure_years(user=request.user),
            "month_labels": [month_label(month) for month in selectors.MONTHS],
            "missing_by_month": [
                (month_label(month), count) for month, count in summary.missing_by_month()
            ],
            "breadcrumbs": _breadcrumbs(request.user, year, unit),
        },
    )
