"""/healthz and /readyz: whether this web process and what it depends on answer, as JSON.

/healthz is the liveness check: whether the database and the task broker answer. /readyz is
the load balancer's readiness check: the database, the broker (when one is configured) and
the file storage, each named in the answer, 503 when any of them fails. Anyone may ask, so
that a load balancer or a monitor needs no account; an answer names checks and states, never
an address, a key or an error's text. How many jobs are queued and running tells how busy
the company's branches are, so only those who see the whole company read it (README).
"""

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.access import scope_of

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2
# What the storage probe writes, reads back and deletes.
STORAGE_PROBE = b"ready\n"


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


def storage_state() -> str:
    """'ok' when a tiny file can be written to the file storage, read back and deleted."""
    name = default_storage.save(f"readiness/{uuid.uuid4().hex}.txt", ContentFile(STORAGE_PROBE))
    try:
        with default_storage.open(name) as probe:
            written = probe.read()
    finally:
        default_storage.delete(name)
    return "ok" if written == STORAGE_PROBE else "unavailable"


READINESS_CHECKS = {"database": database_state, "broker": broker_state, "storage": storage_state}


def _checked(name: str) -> str:
    try:
        return READINESS_CHECKS[name]()
    except Exception as error:
        # The reason stays in the log, for whoever runs the service: never in the answer.
        logger.warning("readiness: %s unavailable (%s: %s)", name, type(error).__name__, error)
        return "unavailable"


@never_cache
@require_GET
def readyz(request):
    """200 when this process can serve requests: the database, broker and storage answer."""
    checks = {name: _checked(name) for name in READINESS_CHECKS}
    ready = "unavailable" not in checks.values()
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
