"""Jobs through Redis and a real `celery worker` process, including a worker killed mid-job."""

import pytest

from campaigns.models import Job
from campaigns.services.jobs import job_enqueue
from tests import factories as f
from tests.jobs import real_worker, worker_jobs  # noqa: F401 - registers test_steps

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

    def start():
        started.append(real_worker.start_worker())
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
    first = workers()
    job = job_enqueue(
        kind="test_steps", owner=owner, org_unit=unit, params={"steps": 40, "pause": 0.25}
    )
    real_worker.wait_for(lambda: _job(job.pk).progress >= 10, timeout=60)

    real_worker.kill(first)
    assert _job(job.pk).status == "running"

    workers()
    done = real_worker.wait_for(lambda: _job(job.pk).is_finished and _job(job.pk), timeout=120)

    assert done.status == "succeeded"
    assert done.attempts == 2
    assert done.result.storage.listdir(f"jobs/{job.pk}")[1] == ["steps.txt"]
    assert done.result.read() == f"job {job.pk} done\n".encode()
    assert Job.objects.filter(pk=job.pk).count() == 1
