"""Log lines that a log collector can read: one JSON object a line in production.

Every request gets a request id: the one the load balancer sent in ``X-Request-ID`` when
REQUEST_ID_TRUSTED says its header can be believed, else one made here. The id is sent back
in the response's ``X-Request-ID``, kept on each job the request queues (``Job.request_id``)
and written on every line logged while the request or the job runs, so that one search
finds a request, the jobs it started and their errors.

One line per request (``portal.requests``: method, path, status, duration, user, request
id) and one per job run (``campaigns.services.jobs``: job, kind, status, duration, request
id). A traceback is logged once, by Django's ``django.request`` logger (or the job's own
``logger.exception``), and never reaches the user: with DEBUG off Django answers a plain
500 page.
"""

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

REQUEST_ID_HEADER = "X-Request-ID"
# What a load balancer's id looks like (nginx's $request_id is 32 hex digits): anything else
# in the header is not used, so that a line in the log cannot be forged through it.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

request_logger = logging.getLogger("portal.requests")


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the job) being served, if any."""
    return _request_id.get()


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Let every line logged inside carry ``request_id``."""
    token = _request_id.set(request_id or None)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Writes the current request id on each record that does not name one itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


def _request_id_of(request) -> str:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    if settings.REQUEST_ID_TRUSTED and WELL_FORMED_REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def _user_id(request) -> int | None:
    # Costs no query of its own: the session middlewares have looked the user up already.
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def request_log_middleware(get_response):
    """Give each request its id and log one line when its response is ready."""

    def middleware(request):
        request_id = _request_id_of(request)
        started = time.monotonic()
        with request_id_bound(request_id):
            response = get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    # The path without its query string: a query may hold a search for a
                    # person's name or phone, which has no place in a log.
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": _user_id(request),
                    "request_id": request_id,
                },
            )
        return response

    return middleware


def logging_settings(*, json_lines: bool, level: str) -> dict:
    """The LOGGING setting: JSON lines on standard output, or plain lines for a developer."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC ("2026-12-07T08:15:33.606000+00:00"): the processes run in
            # TIME_ZONE, and a log collector compares lines from every machine.
            "timestamp": "time",
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "portal.logs.RequestIdFilter"}},
        "formatters": {"line": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                # Where a service manager or a container runtime collects it.
                "stream": "ext://sys.stdout" if json_lines else "ext://sys.stderr",
                "formatter": "line",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # Twelve lines of steps for every PDF rendered; WeasyPrint's warnings still show.
            "weasyprint.progress": {"level": "WARNING"},
            # A developer's runserver prints its own line per request.
            "portal.requests": {"level": "INFO" if json_lines else "WARNING"},
        },
    }
