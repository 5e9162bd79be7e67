"""Starting the coverage exports (regulator sheet, PDF summary) of a campaign below a unit."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from campaigns.forms.events import CoverageFilterForm
from campaigns.forms.jobs import idempotency_key_clean
from campaigns.models import Campaign, Job, OrgUnit
from campaigns.services.jobs import job_enqueue
from campaigns.views.errors import refusal_said
from portal.access import visible_to

COVERAGE_EXPORTS = {Job.Kind.REGULATOR_SHEET, Job.Kind.COVERAGE_SUMMARY}


def _job_params(campaign: Campaign, form: CoverageFilterForm) -> dict:
    """What the export runs on, as JSON: the campaign, the toggle and the chosen filters."""
    params = {"campaign_id": campaign.pk, "include_reported": form.cleaned_data["include_reported"]}
    for name, value in form.narrowing().items():
        if value:
            params[name] = value.isoformat() if isinstance(value, dt.date) else value
    return params


@login_required
@require_POST
def coverage_export_start(request, campaign_pk: int, unit_pk: int, kind: str):
    if kind not in COVERAGE_EXPORTS:
        raise Http404
    unit = get_object_or_404(visible_to(request.user, OrgUnit), pk=unit_pk)
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    form = CoverageFilterForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    try:
        job = job_enqueue(
            kind=kind,
            owner=request.user,
            org_unit=unit,
            params=_job_params(campaign, form),
            idempotency_key=idempotency_key_clean(request.POST.get("idempotency_key")),
        )
    except ValidationError as refusal:
        refusal_said(request, refusal)
        return redirect("coverage_unit", campaign_pk=campaign.pk, unit_pk=unit.pk)
    return redirect("job_detail", pk=job.pk)
