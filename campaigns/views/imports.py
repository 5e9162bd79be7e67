"""Importing a unit's events from a sheet: the template, the upload, then a job."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from campaigns.exporters.filenames import download_filename
from campaigns.forms.imports import EventsSheetForm
from campaigns.imports.events_sheet import MAX_ROWS, county_choice, template_workbook
from campaigns.models import Campaign, OrgUnit
from campaigns.services.imports import events_import_request
from campaigns.views.errors import service_errors_shown
from portal.access import can, visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(user, unit_pk: int) -> OrgUnit:
    unit = get_object_or_404(visible_to(user, OrgUnit), pk=unit_pk)
    if not can(user, "event.plan", unit):
        raise PermissionDenied
    return unit


@login_required
def events_import(request, unit_pk: int):
    """Upload a filled sheet; the import runs as a job whose page shows its progress."""
    unit = _unit(request.user, unit_pk)
    current = Campaign.objects.current(timezone.localdate())
    form = EventsSheetForm(
        request.POST or None, request.FILES or None, initial={"campaign": current}
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = events_import_request(user=request.user, org_unit=unit, **form.cleaned_data)
        except ValidationError as error:
            service_errors_shown(form, error)
        else:
            return redirect("job_detail", pk=job.pk)
    return render(
        request,
        "imports/events.html",
        {"unit": unit, "form": form, "max_rows": MAX_ROWS},
    )


@login_required
def events_import_template(request, unit_pk: int):
    unit = _unit(request.user, unit_pk)
    choices = [county_choice(county) for county in unit.service_counties().order_by("code")]
    response = HttpResponse(template_workbook(county_choices=choices), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, download_filename("活动导入模板", unit.name, extension="xlsx")
    )
    return response
