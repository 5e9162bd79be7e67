"""Background jobs: one mechanism for every long operation (print runs, exports, imports).

A job is a ``Job`` row created by ``job_enqueue`` and run by a worker through
``job_execute``. Runners, registered per kind with ``@job_runner``, receive the job and a
progress callback and return the file they made. Running a job twice gives one result.

The run that holds a job writes a heartbeat; ``jobs_requeue_stale``, run by every worker and
by beat, sends again the jobs nobody is on: never sent (the broker was down), lost, or whose
worker died. Whichever run claims the job last holds it; the others leave it alone.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerError

from campaigns.errors import NotAllowed
from campaigns.models import JOB_ERRORS, Job, OrgUnit
from portal.access import visible_to
from portal.logs import current_request_id, request_id_bound

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, str], None]

# Failures worth a retry: the database or the broker was briefly unreachable.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class JobResult:
    filename: str
    content: bytes
    # The job's closing words, in its owner's language ("PDF ready: 4 pages, 275 KB"): shown
    # on its page in place of the progress once it is finished.
    summary: str = ""
    # Set by a runner that checked its input and saved nothing: the job ends "refused" and
    # its page lists these (dicts of row, column and reason), the first ones of ``problem_count``.
    problems: list[dict] = field(default_factory=list)
    problem_count: int = 0
    # Files the job was given (an uploaded sheet): the user's data, deleted from storage
    # once the job's outcome is recorded. A job that fails keeps them for the retention purge.
    uploads_done: tuple[str, ...] = ()

    @property
    def refused(self) -> bool:
        return self.problem_count > 0


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


def job_queue(kind: str) -> str | None:
    """The queue whose worker runs jobs of ``kind``; None: Celery's default queue."""
    return settings.JOB_QUEUES.get(kind)


def _send(job: Job, *, sent_at) -> bool:
    """Hand the job to the broker, unless another sender (a sweep, the commit) got there first.

    False when the broker could not be reached: the job stays saved and unsent, and the next
    sweep tries again.
    """
    from campaigns.tasks import job_run

    # Compare-and-set: of the commit hook and the sweeps of several workers, the one that
    # marks the job sent is the one that sends it.
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, sent_at=None).update(
        sent_at=sent_at
    ):
        try:
            job_run.apply_async((job.pk,), queue=job_queue(job.kind))
        except BrokerError:
            logger.warning("job %s not sent: the broker is unreachable", job.pk, exc_info=True)
            Job.objects.filter(pk=job.pk, sent_at=sent_at).update(sent_at=None)
            return False
    job.sent_at = sent_at
    return True


def _send_on_commit(job: Job) -> None:
    _send(job, sent_at=timezone.now())


# A form sent again after it was changed (the browser's back button keeps its key): it is not
# the same request, and it is not silently answered with the first one's result either.
IDEMPOTENCY_KEY_REUSED = gettext_lazy(
    "This form already sent a different order. Open the page again to send a new one."
)


def job_for_idempotency_key(*, owner, kind: str, idempotency_key: str) -> Job | None:
    """The job that an earlier request with this key made, if any; call inside a transaction."""
    if not idempotency_key:
        return None
    # Two requests with one key at once (a double click) would both find nothing and both
    # order: the second waits here until the first has committed, then finds its job.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
    return Job.objects.filter(owner=owner, kind=kind, idempotency_key=idempotency_key).first()


@transaction.atomic
def job_enqueue(
    *, kind: str, owner, org_unit: OrgUnit, params: dict | None = None, idempotency_key: str = ""
) -> Job:
    """Record a job and hand it to a worker once the transaction commits (never on rollback).

    A request repeated with the same ``idempotency_key`` gets the job the first one made.
    """
    if kind not in JOB_RUNNERS:
        raise ValueError(f"no runner for job kind {kind!r}")
    if not visible_to(owner, OrgUnit).filter(pk=org_unit.pk).exists():
        raise NotAllowed
    earlier = job_for_idempotency_key(owner=owner, kind=kind, idempotency_key=idempotency_key)
    if earlier is not None:
        if (earlier.org_unit_id, earlier.params) != (org_unit.pk, params or {}):
            raise ValidationError(IDEMPOTENCY_KEY_REUSED)
        return earlier
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        org_unit=org_unit,
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
        idempotency_key=idempotency_key,
        request_id=current_request_id() or "",
    )
    transaction.on_commit(partial(_send_on_commit, job))
    return job


def job_progress(
    job_id: int, percent: int, message: str = "", *, attempt: int | None = None
) -> None:
    """Record how far a running job is; written at once so that the progress bar moves."""
    running = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING)
    if attempt is not None:  # a run that lost the job to a newer one no longer reports
        running = running.filter(attempts=attempt)
    running.update(
        progress=max(0, min(100, percent)), message=message[:200], updated_at=timezone.now()
    )


def _silent_before(now):
    """A running job whose last heartbeat is older than this has lost its worker."""
    return now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT_SECONDS)


def _holder_alive(job: Job, now) -> bool:
    return job.heartbeat_at is not None and job.heartbeat_at >= _silent_before(now)


def _claim(job_id: int, task_id: str) -> Job | None:
    """Mark the job running for one more attempt, or None if there is nothing to do."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        now = timezone.now()
        if job is None or job.is_finished:  # gone (purged, or its owner deleted) or done
            return None
        # Another message's run holds the job and is alive: this delivery is a duplicate (a
        # sweep's, or the broker's after its visibility timeout). The same message delivered
        # again means its earlier run is over (the worker died, or the task retries).
        if job.status == Job.Status.RUNNING and job.task_id != task_id and _holder_alive(job, now):
            return None
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            _finish(job, error_code="too_many_attempts")
            return None
        job.attempts += 1
        job.status = Job.Status.RUNNING
        job.progress = 0
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.task_id = task_id
        job.save(
            update_fields=[
                "attempts",
                "status",
                "progress",
                "started_at",
                "heartbeat_at",
                "task_id",
                "updated_at",
            ]
        )
    return Job.objects.select_related("owner", "org_unit").get(pk=job_id)


@contextmanager
def _heartbeat(job_id: int, attempt: int) -> Iterator[None]:
    """Write the job's heartbeat from a thread while the runner works, however long it is busy."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    Job.objects.filter(
                        pk=job_id, status=Job.Status.RUNNING, attempts=attempt
                    ).update(heartbeat_at=timezone.now())
                except TRANSIENT_ERRORS:
                    # One lost beat is allowed for; the connection is made again next time.
                    logger.warning("job %s: heartbeat not written", job_id, exc_info=True)
                    connection.close()
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=settings.JOB_HEARTBEAT_SECONDS)


def _finish(job: Job, *, error_code: str = "", result: JobResult | None = None) -> None:
    job.status = Job.Status.FAILED if error_code else Job.Status.SUCCEEDED
    job.error_code = error_code
    job.finished_at = timezone.now()
    fields = ["status", "error_code", "finished_at", "updated_at"]
    if error_code:  # the last progress message ("Storing the PDF") is no longer true
        job.message = ""
        fields.append("message")
    if result is not None and result.refused:
        job.status = Job.Status.REFUSED
        job.problems = result.problems
        job.problem_count = result.problem_count
        fields += ["problems", "problem_count"]
    if result is not None:
        path = job.result.field.generate_filename(job, result.filename)
        # An earlier attempt may have written the file and died before it committed.
        if job.result.storage.exists(path):
            job.result.storage.delete(path)
        job.result.save(result.filename, ContentFile(result.content), save=False)
        job.result_name = result.filename
        job.progress = 100
        job.message = result.summary[:200]
        fields += ["result", "result_name", "progress", "message"]
    job.save(update_fields=fields)
    for upload in result.uploads_done if result is not None else ():
        # After the commit: never before the outcome is there for its owner to see.
        transaction.on_commit(partial(default_storage.delete, upload), robust=True)


# The status a job run logs when another run finished the job or took it over.
SUPERSEDED = "superseded"
# ... and when it stopped on a passing database or broker failure, for the task to retry.
RETRYING = "retrying"


def _conclude(job_id: int, attempt: int, **outcome) -> str:
    """Record the run's outcome; the job's status, or SUPERSEDED if another run has it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.is_finished:  # a duplicate delivery finished first: keep its result
            return SUPERSEDED
        if job.attempts != attempt:  # the job was taken over: the newer run finishes it
            return SUPERSEDED
        _finish(job, **outcome)
        return job.status


def _run(job: Job, *, heartbeat: bool) -> str:
    attempt = job.attempts
    # The owner's scope is checked again: it may have changed since the job was queued.
    if not visible_to(job.owner, OrgUnit).filter(pk=job.org_unit_id).exists():
        return _conclude(job.pk, attempt, error_code="out_of_scope")
    try:
        with _heartbeat(job.pk, attempt) if heartbeat else nullcontext():
            result = JOB_RUNNERS[job.kind](job, partial(job_progress, job.pk, attempt=attempt))
    except JobFailed as failure:
        return _conclude(job.pk, attempt, error_code=failure.code)
    except SoftTimeLimitExceeded:
        return _conclude(job.pk, attempt, error_code="timed_out")
    except TRANSIENT_ERRORS:
        raise  # the task retries with backoff
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        return _conclude(job.pk, attempt, error_code="unexpected")
    return _conclude(job.pk, attempt, result=result)


def job_execute(*, job_id: int, task_id: str = "", heartbeat: bool = False) -> None:
    """Run a job once. A finished job is left alone, so a repeated delivery does nothing.

    ``task_id`` names the message being run; ``heartbeat`` is for runs in a worker, whose
    death must be noticed (an in-process run dies with the request that started it). Each
    run logs one line, and every line logged while it runs carries the id of the request
    that queued the job (portal/logs.py).
    """
    job = _claim(job_id, task_id)
    if job is None:
        return
    started = time.monotonic()
    status = RETRYING
    with request_id_bound(job.request_id):
        try:
            status = _run(job, heartbeat=heartbeat)
        finally:
            logger.info(
                "job %s (%s) %s",
                job.pk,
                job.kind,
                status,
                extra={
                    "job_id": job.pk,
                    "kind": job.kind,
                    "status": status,
                    "attempt": job.attempts,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "request_id": job.request_id or None,
                },
            )


def jobs_requeue_stale(*, now=None) -> int:
    """Send the jobs no worker is on: never sent, lost on the way, or whose worker died.

    Safe to run in several processes at once: each job is sent by one of them. Returns how
    many were sent.
    """
    now = now or timezone.now()
    lost_before = now - timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES)
    silent_before = _silent_before(now)
    stale = Job.objects.filter(
        Q(status=Job.Status.QUEUED, sent_at=None)
        | Q(status=Job.Status.QUEUED, sent_at__lt=lost_before)
        | Q(status=Job.Status.RUNNING, heartbeat_at=None)
        | Q(status=Job.Status.RUNNING, heartbeat_at__lt=silent_before)
    ).only("pk", "kind", "status", "sent_at", "heartbeat_at")
    sent = 0
    for job in stale:
        # Compare-and-set on what was read: of several sweeps only the first one to get here
        # puts the job back in the queue (a running one's next claim takes it over).
        if not Job.objects.filter(
            pk=job.pk, status=job.status, sent_at=job.sent_at, heartbeat_at=job.heartbeat_at
        ).update(status=Job.Status.QUEUED, sent_at=None, heartbeat_at=None):
            continue
        if not _send(job, sent_at=now):
            break  # the broker is down: the other jobs wait for the next sweep as well
        sent += 1
    return sent
