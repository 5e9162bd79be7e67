"""Importing a unit's events from a sheet (the template, the upload, then a job), and a
phone's unsent reports file (stored at once)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns import bounds
from campaigns.exporters.filenames import download_filename
from campaigns.forms.events import EventPlanForm, EventReportForm
from campaigns.forms.imports import EventsSheetForm, UnsentReportsFileForm
from campaigns.imports.events_sheet import MAX_ROWS, county_choice, template_workbook
from campaigns.models import AudienceGroup, Campaign, OrgUnit
from campaigns.services import unsent_reports
from campaigns.services.imports import events_import_request
from campaigns.views.errors import service_errors_shown
from portal.access import can, visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(user, unit_pk: int) -> OrgUnit:
    unit = get_object_or_404(visible_to(user, OrgUnit), pk=unit_pk)
    if not can(user, "event.plan", unit):
        raise PermissionDenied
    return unit


def import_job_started(request, form, job_request) -> HttpResponse | None:
    """An uploaded sheet handed to ``job_request`` (with the user and the form's values):
    the page of the job that imports it, or None while the form, or the service's refusal
    shown at its field, is to be shown again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        job = job_request(user=request.user, **form.cleaned_data)
    except ValidationError as error:
        service_errors_shown(form, error)
        return None
    return redirect("job_detail", pk=job.pk)


@login_required
def events_import(request, unit_pk: int):
    """Upload a filled sheet; the import runs as a job whose page shows its progress."""
    unit = _unit(request.user, unit_pk)
    current = Campaign.objects.current(timezone.localdate())
    form = EventsSheetForm(
        request.POST or None, request.FILES or None, initial={"campaign": current}
    )
    started = import_job_started(
        request, form, lambda **fields: events_import_request(org_unit=unit, **fields)
    )
    if started is not None:
        return started
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


# The fields a refused report is named at: the plan and report forms' labels, as the phone
# shows the same refusals at the same fields.
def _field_label(name: str) -> str:
    if name.startswith(EventReportForm.AUDIENCE_PREFIX):
        group = name.removeprefix(EventReportForm.AUDIENCE_PREFIX)
        if group in AudienceGroup.values:
            return str(AudienceGroup(group).label)
    if name in OTHER_FIELD_LABELS:
        return str(OTHER_FIELD_LABELS[name])
    for form in (EventPlanForm, EventReportForm):
        if name in form.base_fields:
            return str(form.base_fields[name].label)
    return name


OTHER_FIELD_LABELS = {
    "photos": gettext_lazy("Photos"),
    "handouts": gettext_lazy("Handouts given"),
    "partner_services": gettext_lazy("Partner services"),
}


def _done_said(result: unsent_reports.UnsentReportsImported) -> str:
    """What a clean import did: "3 reports stored, 1 was already on the server, 5 photos." """
    stored, already, photos = result.stored, result.already_stored, result.photos
    said = {
        "stored": ngettext("%(count)s report stored", "%(count)s reports stored", stored)
        % {"count": stored},
        "already": ngettext(
            "%(count)s was already on the server", "%(count)s were already on the server", already
        )
        % {"count": already},
        "photos": ngettext("%(count)s photo", "%(count)s photos", photos) % {"count": photos},
    }
    if not already:
        # Translators: "3 reports stored", "5 photos".
        return _("%(stored)s, %(photos)s.") % said
    # Translators: "3 reports stored", "1 was already on the server", "5 photos".
    return _("%(stored)s, %(already)s, %(photos)s.") % said


@login_required
def unsent_reports_import(request):
    """Upload a phone's unsent reports file: stored at once, every report or none."""
    if not unsent_reports.unsent_reports_may_import(request.user):
        raise PermissionDenied
    form = UnsentReportsFileForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        # One byte past the limit is enough for the service to refuse the file as too large.
        data = form.cleaned_data["file"].read(bounds.UNSENT_REPORTS_FILE_BYTES + 1)
        result = unsent_reports.unsent_reports_import(user=request.user, data=data)
        if result.saved:
            messages.success(request, _done_said(result))
            return redirect("event_list")
        problems = [
            {
                "report": problem.report,
                "title": problem.title,
                "field": _field_label(problem.field) if problem.field else "",
                "reason": problem.reason,
            }
            for problem in result.problems
        ]
    return render(
        request,
        "imports/unsent_reports.html",
        {"form": form, "problems": problems},
        status=400 if problems else 200,
    )
