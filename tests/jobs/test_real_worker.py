"""Jobs through Redis and a real `celery worker` process, including a worker killed mid-job."""

from pathlib import Path

import pytest
from django.conf import settings

from campaigns.models import Job, PrintRun
from campaigns.services.jobs import job_enqueue
from campaigns.services.print_runs import print_run_order
from tests import factories as f
from tests.jobs import real_worker, worker_jobs  # noqa: F401 - registers test_steps
from tests.printing.conftest import leaflet_edition

# The production defaults (10 s, 60 s, 30 s) shortened: a job whose worker died is sent
# again within timeout + sweep + heartbeat, here 3 s instead of 100 s.
JOB_SETTINGS = {
    "JOB_HEARTBEAT_SECONDS": 0.5,
    "JOB_HEARTBEAT_TIMEOUT_SECONDS": 2,
    "JOB_SWEEP_SECONDS": 0.5,
}
TAKEOVER_SECONDS = sum(JOB_SETTINGS.values())
# What a new worker may take to start on a busy machine, on top of the takeover bound.
WORKER_START_SECONDS = 30
# Longer than the test: only the heartbeat, not Redis handing the message back, can help.
NO_REDELIVERY = 3600

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_queue():
    reason = real_worker.redis_unreachable_reason()
    if reason:
        pytest.skip(reason)
    real_worker.send_tasks_through_redis()
    yield
    real_worker.run_tasks_in_process()


@pytest.fixture
def workers():
    started = []

    def start(**options):
        started.append(real_worker.start_worker(**options))
        return started[-1]

    yield start
    for worker in started:
        real_worker.stop(worker)


@pytest.fixture
def owner_and_unit(org_tree):
    membership = f.MembershipFactory(org_unit=org_tree["central_a"])
    return membership.user, membership.org_unit


def _job(pk):
    return Job.objects.get(pk=pk)


def test_a_real_worker_runs_a_job_end_to_end(redis_queue, workers, owner_and_unit):
    owner, unit = owner_and_unit
    workers()

    job = job_enqueue(
        kind="test_steps", owner=owner, org_unit=unit, params={"steps": 3, "pause": 0.05}
    )

    done = real_worker.wait_for(lambda: _job(job.pk).is_finished and _job(job.pk), timeout=60)
    assert (done.status, done.progress, done.attempts) == ("succeeded", 100, 1)
    assert done.result.read() == f"job {job.pk} done\n".encode()


def test_a_job_whose_worker_is_killed_finishes_once_on_the_next_worker(
    redis_queue, workers, owner_and_unit
):
    owner, unit = owner_and_unit
    first = workers(job_settings=JOB_SETTINGS)
    job = job_enqueue(
        kind="test_steps", owner=owner, org_unit=unit, params={"steps": 20, "pause": 0.1}
    )
    real_worker.wait_for(lambda: _job(job.pk).progress >= 10, timeout=60)

    real_worker.kill(first)
    assert _job(job.pk).status == "running"

    workers(job_settings=JOB_SETTINGS)
    done = real_worker.wait_for(lambda: _job(job.pk).is_finished and _job(job.pk), timeout=120)

    assert done.status == "succeeded"
    assert done.attempts == 2
    assert done.result.storage.listdir(f"jobs/{job.pk}")[1] == ["steps.txt"]
    assert done.result.read() == f"job {job.pk} done\n".encode()
    assert Job.objects.filter(pk=job.pk).count() == 1


def _print_job(org_tree) -> int:
    """A print run of an approved leaflet, ordered by an organizer at branch A: its job."""
    organizer = f.MembershipFactory(org_unit=org_tree["branch_a"]).user
    print_run = print_run_order(
        user=organizer,
        edition=leaflet_edition(org_tree["hq"]),
        org_unit=org_tree["branch_a"],
        paper_size="A5",
        layout="side_by_side",
        copies=500,
    )
    return print_run.job_id


def _files_under(folder: str) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT, folder).rglob("*") if path.is_file()]


def test_a_print_job_whose_workers_main_process_is_killed_is_taken_over_within_the_bound(
    redis_queue, workers, org_tree
):
    # Prefork, as in production: the job runs in a pool child, which dies with the main process.
    options = {
        "pool": "prefork",
        "visibility_timeout": NO_REDELIVERY,
        "job_settings": JOB_SETTINGS | {"TEST_JOB_PAUSE_SECONDS": 1},
    }
    first = workers(**options)
    job_id = _print_job(org_tree)
    real_worker.wait_for(lambda: _job(job_id).progress >= 10, timeout=60)

    real_worker.kill_main_process(first)
    assert _job(job_id).status == "running"

    workers(**options)  # no beat: the new worker's own sweep takes the job over
    real_worker.wait_for(
        lambda: _job(job_id).attempts == 2, timeout=TAKEOVER_SECONDS + WORKER_START_SECONDS
    )
    done = real_worker.wait_for(lambda: _job(job_id).is_finished and _job(job_id), timeout=60)

    assert (done.status, done.attempts) == ("succeeded", 2)
    assert len(_files_under(f"jobs/{job_id}")) == 1
    assert _files_under("print-runs") == [Path(PrintRun.objects.get(job=done).pdf.path)]
    assert done.result.read().startswith(b"%PDF")


def test_a_print_job_whose_pool_child_is_killed_is_taken_over_by_the_next_child(
    redis_queue, workers, org_tree
):
    worker = workers(
        pool="prefork",
        visibility_timeout=NO_REDELIVERY,
        # A heartbeat timeout longer than the test: the worker hands the message back at once
        # (task_reject_on_worker_lost), and the same message may take its job over at once.
        job_settings={"JOB_HEARTBEAT_TIMEOUT_SECONDS": 3600, "TEST_JOB_PAUSE_SECONDS": 1},
    )
    job_id = _print_job(org_tree)
    real_worker.wait_for(lambda: _job(job_id).progress >= 10, timeout=60)

    real_worker.kill_pool_child(worker)

    done = real_worker.wait_for(lambda: _job(job_id).is_finished and _job(job_id), timeout=60)
    assert (done.status, done.attempts) == ("succeeded", 2)
    assert len(_files_under(f"jobs/{job_id}")) == 1


def test_a_job_saved_while_the_broker_was_down_is_started_by_a_worker_without_beat(
    redis_queue, workers, owner_and_unit
):
    owner, unit = owner_and_unit
    real_worker.send_tasks_through_redis(broker_url="redis://127.0.0.1:1/0")
    job = job_enqueue(kind="test_steps", owner=owner, org_unit=unit)
    assert _job(job.pk).waits_for_service

    real_worker.send_tasks_through_redis()  # the broker is back
    workers()

    done = real_worker.wait_for(lambda: _job(job.pk).is_finished and _job(job.pk), timeout=60)
    assert (done.status, done.attempts) == ("succeeded", 1)
