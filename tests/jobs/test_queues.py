"""Workers per queue: each kind of job goes to its own queue, so a long print run never holds
up an import (README, "Deploying")."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Job
from campaigns.services.imports import events_import_request
from campaigns.services.jobs import job_enqueue
from portal.settings import base as production_defaults
from tests import factories as f
from tests.imports.test_events_import import GOOD, sheet
from tests.jobs import real_worker
from tests.jobs.test_real_worker import _print_job

QUEUES_WITH_A_WORKER = {"print", "export", "import", "default"}


def test_every_kind_of_job_has_a_queue_that_a_worker_reads():
    assert set(production_defaults.JOB_QUEUES) == set(Job.Kind.values)
    assert set(production_defaults.JOB_QUEUES.values()) == {"print", "export", "import"}
    assert production_defaults.CELERY_TASK_DEFAULT_QUEUE == "default"


def test_every_scheduled_task_goes_to_the_default_queue():
    routes = production_defaults.CELERY_TASK_ROUTES
    for entry in production_defaults.CELERY_BEAT_SCHEDULE.values():
        assert routes[entry["task"]] == {"queue": "default"}, entry["task"]
    assert {route["queue"] for route in routes.values()} <= QUEUES_WITH_A_WORKER


@pytest.mark.parametrize(
    ("kind", "queue"),
    [("print_run", "print"), ("regulator_sheet", "export"), ("events_import", "import")],
)
def test_a_job_is_sent_to_the_queue_of_its_kind(
    kind, queue, settings, org_tree, django_capture_on_commit_callbacks
):
    settings.JOB_QUEUES = production_defaults.JOB_QUEUES
    membership = f.MembershipFactory(org_unit=org_tree["central_a"])

    with (
        mock.patch("campaigns.tasks.job_run.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = job_enqueue(kind=kind, owner=membership.user, org_unit=membership.org_unit)

    send.assert_called_once_with((job.pk,), queue=queue)


# A print run pausing this long after each of its progress steps lasts far longer than an
# import takes on a busy machine, worker start included.
PRINT_PAUSE_SECONDS = 15


@pytest.fixture
def queues(settings):
    """The session's print and import queues, with this process sending jobs to them."""
    reason = real_worker.redis_unreachable_reason()
    if reason:
        pytest.skip(reason)
    routes = {
        Job.Kind.PRINT_RUN: f"{real_worker.QUEUE}-print",
        Job.Kind.EVENTS_IMPORT: f"{real_worker.QUEUE}-import",
    }
    settings.JOB_QUEUES = routes
    real_worker.send_tasks_through_redis()
    yield routes
    real_worker.run_tasks_in_process()


@pytest.mark.django_db(transaction=True)
def test_a_long_print_run_does_not_delay_an_import_on_its_own_worker(queues, world, org_tree):
    print_worker = real_worker.start_worker(
        queues=(queues[Job.Kind.PRINT_RUN],),
        job_queues=queues,
        job_settings={"TEST_JOB_PAUSE_SECONDS": PRINT_PAUSE_SECONDS},
    )
    import_worker = real_worker.start_worker(
        queues=(queues[Job.Kind.EVENTS_IMPORT],), job_queues=queues
    )
    try:
        print_job = _print_job(org_tree)
        real_worker.wait_for(lambda: Job.objects.get(pk=print_job).progress >= 10, timeout=60)

        import_job = events_import_request(
            user=world.organizer,
            org_unit=world.units["central_a"],
            campaign=world.campaign,
            sheet=SimpleUploadedFile("events.xlsx", sheet(GOOD)),
        )
        imported = real_worker.wait_for(
            lambda: (job := Job.objects.get(pk=import_job.pk)).is_finished and job, timeout=60
        )

        assert imported.status == Job.Status.SUCCEEDED
        # The print run is still rendering: the import did not wait behind it.
        assert Job.objects.get(pk=print_job).status == Job.Status.RUNNING
    finally:
        real_worker.kill(print_worker)  # not SIGTERM: it would wait for the print run
        real_worker.stop(import_worker)
