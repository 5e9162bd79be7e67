"""Importing a year of monthly measures returns from a sheet: the choice of unit, the
template (with the figures saved so far), and the upload, imported by a job as the events
sheet is."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from campaigns.exporters.filenames import download_filename
from campaigns.forms.imports import MeasuresImportUnitForm, MeasuresSheetForm, MeasuresTemplateForm
from campaigns.imports.measures_sheet import measures_template_workbook
from campaigns.models import OrgUnit
from campaigns.selectors.measures import report_units, template_rows
from campaigns.services.measure_imports import measures_import_request
from campaigns.services.measures import typed_parts
from campaigns.views.imports import XLSX, import_job_started
from portal.access import can, visible_to


def _unit(user, unit_pk: int) -> OrgUnit:
    unit = get_object_or_404(visible_to(user, OrgUnit), pk=unit_pk)
    if not can(user, "measures.report", unit):
        raise PermissionDenied
    return unit


@login_required
def measures_import_start(request):
    """Choose the unit whose subtree's sheet to import; its import page follows."""
    units = report_units(user=request.user)
    if not units.exists():
        raise PermissionDenied
    form = MeasuresImportUnitForm(
        request.GET or None, org_units=units, initial={"org_unit": units.first()}
    )
    if form.is_valid():
        return redirect("measures_import", unit_pk=form.cleaned_data["org_unit"].pk)
    return render(request, "imports/measures_start.html", {"form": form})


@login_required
def measures_import(request, unit_pk: int):
    """Upload a filled measures sheet; the import runs as a job whose page shows how it went."""
    unit = _unit(request.user, unit_pk)
    form = MeasuresSheetForm(request.POST or None, request.FILES or None)
    started = import_job_started(
        request, form, lambda **fields: measures_import_request(org_unit=unit, **fields)
    )
    if started is not None:
        return started
    return render(
        request,
        "imports/measures.html",
        {
            "unit": unit,
            "form": form,
            "template_form": MeasuresTemplateForm(initial={"year": timezone.localdate().year}),
        },
    )


@login_required
def measures_import_template(request, unit_pk: int):
    """The sheet of ``?year=`` (this year if none is given) for the units of the subtree
    the user reports for, one row a unit's month, the saved figures filled in."""
    unit = _unit(request.user, unit_pk)
    form = MeasuresTemplateForm(request.GET)
    year = form.cleaned_data["year"] if form.is_valid() else timezone.localdate().year
    parts = list(typed_parts())
    rows = template_rows(user=request.user, org_unit=unit, year=year)
    response = HttpResponse(measures_template_workbook(parts=parts, rows=rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, download_filename("措施月报导入模板", unit.name, str(year), extension="xlsx")
    )
    return response
