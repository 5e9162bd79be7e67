"""Celery tasks: ids in, a service call, safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from campaigns.services import jobs, notifications, retention


@shared_task(
    bind=True,
    autoretry_for=jobs.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.CELERY_TASK_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=4,
)
def job_run(self, job_id: int) -> None:
    jobs.job_execute(job_id=job_id, task_id=self.request.id, heartbeat=not self.request.is_eager)


@shared_task
def jobs_requeue_stale() -> int:
    return jobs.jobs_requeue_stale()


@shared_task
def overdue_reports_remind() -> int:
    return notifications.overdue_reports_remind(today=timezone.localdate())


@shared_task
def review_digests_send() -> int:
    return notifications.review_digests_send(today=timezone.localdate())


@shared_task
def retention_purge() -> dict[str, int]:
    return retention.retention_purge(now=timezone.now())
