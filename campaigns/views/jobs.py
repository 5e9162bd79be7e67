"""My jobs: their progress (polled by htmx), their results, and starting an export."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns.forms.jobs import IdempotencyKeyField
from campaigns.models import Campaign, Job, Membership
from campaigns.services.jobs import job_enqueue
from campaigns.views.errors import refusal_said

JOBS_PER_PAGE = 20


class EventsExportForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False)
    idempotency_key = IdempotencyKeyField()


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
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.download_name)


@login_required
@require_POST
def events_export_start(request):
    membership = Membership.objects.filter(user=request.user).select_related("org_unit").first()
    if membership is None:
        raise Http404
    form = EventsExportForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors.as_text())
    campaign = form.cleaned_data["campaign"]
    try:
        job = job_enqueue(
            kind="events_export",
            owner=request.user,
            org_unit=membership.org_unit,
            params={"campaign_id": campaign.pk} if campaign else {},
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except ValidationError as refusal:
        refusal_said(request, refusal)
        return redirect("event_list")
    return redirect("job_detail", pk=job.pk)
