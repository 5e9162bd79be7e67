"""Background jobs: one mechanism for every long operation (print runs, exports, imports).

A job is a ``Job`` row created by ``job_enqueue`` and run by a worker through
``job_execute``. Runners, registered per kind with ``@job_runner``, receive the job and a
progress callback and return the file they made. Running a job twice gives one result.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from campaigns.models import JOB_ERRORS, Job, OrgUnit
from portal.access import visible_to

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, str], None]

# Failures worth a retry: the database or the broker was briefly unreachable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class JobResult:
    filename: str
    content: bytes


class JobFailed(Exception):
    """A runner's way to end a job with a message the user can act on (see JOB_ERRORS)."""

    def __init__(self, code: str) -> None:
        if code not in JOB_ERRORS:
            raise ValueError(f"unknown job error code {code!r}")
        super().__init__(code)
        self.code = code


JOB_RUNNERS: dict[str, Callable[[Job, ProgressCallback], JobResult]] = {}


def job_runner(kind: str):
    """Register the function that does the work of jobs of ``kind``."""

    def register(function):
        JOB_RUNNERS[kind] = function
        return function

    return register


def _send(job_id: int) -> None:
    from campaigns.tasks import job_run

    job_run.delay(job_id)


@transaction.atomic
def job_enqueue(*, kind: str, owner, org_unit: OrgUnit, params: dict | None = None) -> Job:
    """Record a job and hand it to a worker once the transaction commits (never on rollback)."""
    if kind not in JOB_RUNNERS:
        raise ValueError(f"no runner for job kind {kind!r}")
    if not visible_to(owner, OrgUnit).filter(pk=org_unit.pk).exists():
        raise PermissionDenied
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        org_unit=org_unit,
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    transaction.on_commit(partial(_send, job.pk))
    return job


def job_progress(job_id: int, percent: int, message: str = "") -> None:
    """Record how far a running job is; written at once so that the progress bar moves."""
    Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        progress=max(0, min(100, percent)), message=message[:200], updated_at=timezone.now()
    )


def _claim(job_id: int) -> Job | None:
    """Mark the job running for one more attempt, or None if there is nothing to do."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return None
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            _finish(job, error_code="too_many_attempts")
            return None
        job.attempts += 1
        job.status = Job.Status.RUNNING
        job.progress = 0
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["attempts", "status", "progress", "started_at", "updated_at"])
    return Job.objects.select_related("owner", "org_unit").get(pk=job_id)


def _finish(job: Job, *, error_code: str = "", result: JobResult | None = None) -> None:
    job.status = Job.Status.FAILED if error_code else Job.Status.SUCCEEDED
    job.error_code = error_code
    job.finished_at = timezone.now()
    fields = ["status", "error_code", "finished_at", "updated_at"]
    if result is not None:
        path = job.result.field.generate_filename(job, result.filename)
        # An earlier attempt may have written the file and died before it committed.
        if job.result.storage.exists(path):
            job.result.storage.delete(path)
        job.result.save(result.filename, ContentFile(result.content), save=False)
        job.progress = 100
        fields += ["result", "progress"]
    job.save(update_fields=fields)


def _conclude(job_id: int, **outcome) -> None:
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.is_finished:  # a duplicate delivery finished first: keep its result
            return
        _finish(job, **outcome)


def job_execute(*, job_id: int) -> None:
    """Run a job once. A finished job is left alone, so a repeated delivery does nothing."""
    job = _claim(job_id)
    if job is None:
        return
    # The owner's scope is checked again: it may have changed since the job was queued.
    if not visible_to(job.owner, OrgUnit).filter(pk=job.org_unit_id).exists():
        _conclude(job.pk, error_code="out_of_scope")
        return
    try:
        result = JOB_RUNNERS[job.kind](job, partial(job_progress, job.pk))
    except JobFailed as failure:
        _conclude(job.pk, error_code=failure.code)
    except SoftTimeLimitExceeded:
        _conclude(job.pk, error_code="timed_out")
    except TRANSIENT_ERRORS:
        raise  # the task retries with backoff
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _conclude(job.pk, error_code="unexpected")
    else:
        _conclude(job.pk, result=result)


def jobs_requeue_stale(*, now=None) -> int:
    """Send again the jobs whose enqueue was lost or whose worker vanished; returns how many."""
    now = now or timezone.now()
    queued_before = now - timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES)
    # A running job writes progress; one silent for longer than the hard limit has no worker.
    running_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    stale = list(
        Job.objects.filter(
            Q(status=Job.Status.QUEUED, updated_at__lt=queued_before)
            | Q(status=Job.Status.RUNNING, updated_at__lt=running_before)
        ).values_list("pk", flat=True)
    )
    # Touched first, so that the next sweep does not send them again before a worker starts.
    Job.objects.filter(pk__in=stale).update(updated_at=now)
    for job_id in stale:
        _send(job_id)
    return len(stale)
