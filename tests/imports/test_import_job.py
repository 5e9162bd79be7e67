"""The import job and the uploaded sheet: kept until the job's outcome is recorded, then
deleted; a job that fails midway leaves it to the daily retention purge."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from campaigns.imports import jobs as import_jobs
from campaigns.models import Event, Job
from campaigns.services.jobs import job_execute
from campaigns.services.retention import retention_purge
from tests import factories as f
from tests.imports.test_events_import import GOOD, sheet

pytestmark = pytest.mark.django_db


def _job(world, data: bytes) -> Job:
    upload = default_storage.save("imports/job-test.xlsx", ContentFile(data))
    return f.JobFactory(
        kind=Job.Kind.EVENTS_IMPORT,
        owner=world.organizer,
        org_unit=world.units["central_a"],
        params={"upload": upload, "campaign_id": world.campaign.pk},
    )


@pytest.mark.parametrize(
    ("row", "outcome"),
    [(GOOD, Job.Status.SUCCEEDED), (GOOD | {"head_count": 10}, Job.Status.REFUSED)],
    ids=["saved", "refused"],
)
def test_the_upload_is_deleted_once_the_outcome_is_recorded(
    world, django_capture_on_commit_callbacks, row, outcome
):
    job = _job(world, sheet(row))
    upload = job.params["upload"]

    with django_capture_on_commit_callbacks() as after_commit:
        job_execute(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == outcome
        assert default_storage.exists(upload)  # the outcome is recorded, not yet committed

    for callback in after_commit:
        callback()
    assert not default_storage.exists(upload)


def test_a_job_that_fails_midway_keeps_its_upload_for_the_retention_purge(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    job = _job(world, sheet(GOOD | {"head_count": 10}))
    upload = job.params["upload"]

    def broken(data, problems):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(import_jobs, "problems_workbook", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error_code) == (Job.Status.FAILED, "unexpected")
    assert default_storage.exists(upload)
    assert not Event.objects.filter(external_ref=GOOD["external_ref"]).exists()

    retention_purge(now=timezone.now())

    assert not default_storage.exists(upload)
