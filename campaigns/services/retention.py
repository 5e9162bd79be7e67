"""Deleting data once its retention period has passed; every purge is audited.

A model with a retention period registers a rule with ``@retention_rule``; the daily
scheduled task runs them all.
"""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q

from campaigns.models import Job, SignIn
from campaigns.services.audit import audit_record_bulk

RetentionRule = Callable[[dt.datetime], tuple[type[models.Model], int]]
RETENTION_RULES: list[RetentionRule] = []


def retention_rule(function: RetentionRule) -> RetentionRule:
    RETENTION_RULES.append(function)
    return function


def _upload_delete(job: Job) -> None:
    """The sheet an import job was given: the job deletes it once its outcome is recorded,
    but a run that crashed first leaves it behind, and it is the user's data."""
    upload = job.params.get("upload")
    if upload and default_storage.exists(upload):
        default_storage.delete(upload)


@retention_rule
def job_results_purge(now: dt.datetime) -> tuple[type[models.Model], int]:
    """Finished jobs and their files, JOB_RESULT_RETENTION_DAYS after they finished; the
    uploads that failed import jobs left behind, at once."""
    failed_imports = Job.objects.filter(
        kind__in=[Job.Kind.EVENTS_IMPORT, Job.Kind.MEASURES_IMPORT], status=Job.Status.FAILED
    ).filter(params__has_key="upload")
    for job in failed_imports.iterator():
        _upload_delete(job)
        # Forgotten once deleted: tomorrow's purge does not look for it again.
        job.params.pop("upload", None)
        job.save(update_fields=["params"])
    expired = Job.objects.filter(
        finished_at__lt=now - dt.timedelta(days=settings.JOB_RESULT_RETENTION_DAYS)
    )
    count = 0
    for job in expired.iterator():
        if job.result:
            job.result.delete(save=False)
        _upload_delete(job)
        job.delete()
        count += 1
    return Job, count


@retention_rule
def sign_ins_purge(now: dt.datetime) -> tuple[type[models.Model], int]:
    """Individual sign-ins (personal information), SIGN_IN_RETENTION_DAYS after they were
    collected; the audit entry says how many, never whose.

    A paper list is collected at the event (its consent time) and may be typed in much
    later: the period runs from whichever came first."""
    cutoff = now - dt.timedelta(days=settings.SIGN_IN_RETENTION_DAYS)
    count, _by_model = SignIn.objects.filter(
        Q(created_at__lt=cutoff) | Q(consented_at__lt=cutoff)
    ).delete()
    return SignIn, count


def retention_purge(*, now: dt.datetime) -> dict[str, int]:
    """Run every retention rule; each writes one audit entry with how many rows went."""
    counts = {}
    for rule in RETENTION_RULES:
        with transaction.atomic():
            model, count = rule(now)
            audit_record_bulk(
                actor=None,
                model=model,
                action=f"{model._meta.app_label}.{model._meta.model_name}.purged",
                data={"count": count, "rule": rule.__name__, "before": now.isoformat()},
            )
        counts[model._meta.label_lower] = count
    return counts
