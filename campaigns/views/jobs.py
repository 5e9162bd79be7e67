"""My jobs: their progress (polled by htmx), their results, and starting an export."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.forms.jobs import IdempotencyKeyField
from campaigns.models import Campaign, Job, OrgUnit
from campaigns.selectors.org import own_units
from campaigns.services.jobs import job_enqueue
from campaigns.views.errors import refusal_said
from portal.downloads import stored_file_response

JOBS_PER_PAGE = 20


class EventsExportForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False)
    # Which of the user's own units, for someone whose roles lie in two branches; without
    # it, the first of them.
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False)
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, units: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units])


@login_required
def job_list(request):
    page = Paginator(Job.objects.of(request.user), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "jobs/list.html", {"page": page})


@login_required
def job_detail(request, pk: int):
    job = get_object_or_404(Job.objects.of(request.user), pk=pk)
    template = "partials/job_progress.html" if request.htmx else "jobs/detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk: int):
    job = get_object_or_404(Job.objects.of(request.user), pk=pk)
    if not job.has_result:
        raise Http404
    return stored_file_response(job.result, filename=job.download_name)


@login_required
@require_POST
def events_export_start(request):
    """Export the events of one of the user's own units that they may see."""
    units = own_units(user=request.user)
    if not units:
        raise Http404
    form = EventsExportForm(request.POST, units=units)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    campaign = form.cleaned_data["campaign"]
    try:
        job = job_enqueue(
            kind="events_export",
            owner=request.user,
            org_unit=form.cleaned_data["org_unit"] or units[0],
            params={"campaign_id": campaign.pk} if campaign else {},
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as refusal:
        refusal_said(request, refusal)
        return redirect("event_list")
    return redirect("job_detail", pk=job.pk)
