"""/healthz: whether the database and the task broker answer, as JSON for monitoring.

Anyone may ask, so that a load balancer or a monitor needs no account: they get the overall
state and each service's. How many jobs are queued and running tells how busy the company's
branches are, so only those who see the whole company read it (README).
"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.access import scope_of

BROKER_TIMEOUT_SECONDS = 2


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "unavailable"
    return "ok"


def broker_state() -> str:
    """'in-process' when no broker is configured (tasks run eagerly), else 'ok' or 'unavailable'."""
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:
        return "unavailable"
    return "ok"


def job_counts() -> dict[str, int]:
    from campaigns.models import Job

    counts = dict(
        Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "queued": counts.get(Job.Status.QUEUED, 0),
        "running": counts.get(Job.Status.RUNNING, 0),
    }


@never_cache
@require_GET
def healthz(request):
    state = {"database": database_state(), "broker": broker_state()}
    healthy = state["database"] == "ok" and state["broker"] != "unavailable"
    if state["database"] == "ok" and scope_of(request.user).everything:
        state["jobs"] = job_counts()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **state}, status=200 if healthy else 503
    )
