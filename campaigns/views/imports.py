"""Importing a unit's events from a sheet: the template, the upload, then a job."""

import os
import uuid

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy

from campaigns.exporters.filenames import download_filename
from campaigns.imports.events_sheet import MAX_ROWS, county_choice, template_workbook
from campaigns.imports.sheets import upload_checked
from campaigns.models import Campaign, Job, OrgUnit
from campaigns.services.jobs import job_enqueue
from portal.access import can, visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EventsSheetForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("Campaign"), queryset=Campaign.objects.order_by("-starts_on")
    )
    sheet = forms.FileField(
        label=gettext_lazy("Filled sheet (.xlsx)"),
        help_text=gettext_lazy("At most 10 MB and 20,000 rows."),
    )
    submit = forms.BooleanField(
        label=gettext_lazy("Submit these reports for review"),
        help_text=gettext_lazy(
            "Rows with figures are saved as reports you can still change. Tick this to send "
            "them to the reviewers at once."
        ),
        required=False,
        initial=False,
    )

    def clean_sheet(self):
        sheet = self.cleaned_data["sheet"]
        upload_checked(sheet)
        return sheet


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
        sheet = form.cleaned_data["sheet"]
        upload = default_storage.save(f"imports/{uuid.uuid4().hex}.xlsx", ContentFile(sheet.read()))
        job = job_enqueue(
            kind=Job.Kind.EVENTS_IMPORT,
            owner=request.user,
            org_unit=unit,
            params={
                "upload": upload,
                "campaign_id": form.cleaned_data["campaign"].pk,
                "submit": form.cleaned_data["submit"],
                # For the history of each event: which file it came from, as the user named it.
                "filename": os.path.basename(sheet.name or "")[:200],
            },
        )
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
