"""Log lines in production: one JSON line per request and per job, each with the request id;
a traceback logged once and never shown (portal/logs.py)."""

import json
import logging
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path, reverse
from django.utils.module_loading import import_string

from campaigns.models import Job
from campaigns.services.jobs import JobResult, job_enqueue, job_execute, job_runner
from portal.logs import RequestIdFilter, logging_settings
from tests import factories as f

LOAD_BALANCERS_ID = "4f6c1e2a9b8d4c3e8a7f6b5c4d3e2f1a"
FAILURE_TEXT = "the disk at /srv/portal/secret is full"


def _explode(request):
    raise RuntimeError(FAILURE_TEXT)


urlpatterns = [path("explode", _explode), path("", include("portal.urls"))]


@job_runner("test_explodes")
def _job_that_explodes(job, progress) -> JobResult:
    raise RuntimeError(FAILURE_TEXT)


def _production_line(record: logging.LogRecord) -> dict:
    """``record`` as production writes it: one JSON object on one line."""
    formatter = dict(logging_settings(json_lines=True, level="INFO")["formatters"]["line"])
    formatter = import_string(formatter.pop("()"))(**formatter)
    RequestIdFilter().filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    return json.loads(line)


def _lines(caplog, logger: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == logger]


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="portal.requests")  # as in production
    # As the production handler does: lines logged during a request or job carry its id.
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


def test_a_request_is_logged_on_one_json_line_with_its_method_path_status_user_and_id(
    client, db, logged
):
    user = f.UserFactory()
    client.force_login(user)

    response = client.get(reverse("healthz"), {"q": "a person's phone"})

    [record] = _lines(logged, "portal.requests")
    line = _production_line(record)
    assert line["method"] == "GET"
    assert line["path"] == "/healthz"  # the query string stays out of the log
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert isinstance(line["duration_ms"], float)
    assert 0 <= line["duration_ms"] < 60_000
    assert (line["level"], line["logger"]) == ("INFO", "portal.requests")
    assert datetime.fromisoformat(line["time"]).utcoffset() == timedelta(0)
    assert "phone" not in json.dumps(line)


def test_an_anonymous_request_is_logged_with_no_user(client, db, logged):
    client.get(reverse("login"))
    [record] = _lines(logged, "portal.requests")
    assert _production_line(record)["user_id"] is None


def test_each_request_gets_an_id_of_its_own(client, db):
    first = client.get(reverse("healthz"))["X-Request-ID"]
    assert client.get(reverse("healthz"))["X-Request-ID"] != first


def test_the_load_balancers_request_id_is_kept_when_its_header_is_trusted(client, db, settings):
    settings.REQUEST_ID_TRUSTED = True
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=LOAD_BALANCERS_ID)
    assert response["X-Request-ID"] == LOAD_BALANCERS_ID


@pytest.mark.parametrize(
    ("trusted", "sent"),
    [(False, LOAD_BALANCERS_ID), (True, 'forged" status=200\nnext line'), (True, "x" * 129)],
    ids=["not trusted", "not an id", "too long"],
)
def test_a_request_id_header_not_trusted_or_not_an_id_is_replaced(
    client, db, settings, trusted, sent
):
    settings.REQUEST_ID_TRUSTED = trusted
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_a_job_logs_its_line_with_the_id_of_the_request_that_queued_it(
    client, org_tree, settings, logged, django_capture_on_commit_callbacks
):
    settings.REQUEST_ID_TRUSTED = True
    organizer = f.MembershipFactory(org_unit=org_tree["central_a"]).user
    client.force_login(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events_export_start"), {"campaign": ""}, HTTP_X_REQUEST_ID=LOAD_BALANCERS_ID
        )

    assert response["X-Request-ID"] == LOAD_BALANCERS_ID
    job = Job.objects.get()
    assert job.request_id == LOAD_BALANCERS_ID
    [record] = [r for r in _lines(logged, "campaigns.services.jobs") if hasattr(r, "job_id")]
    line = _production_line(record)
    assert line["job_id"] == job.pk
    assert line["kind"] == "events_export"
    assert line["status"] == "succeeded"
    assert line["request_id"] == LOAD_BALANCERS_ID
    assert isinstance(line["duration_ms"], float)


def test_a_failing_job_logs_its_traceback_once_with_the_request_id(org_tree, logged):
    owner = f.MembershipFactory(org_unit=org_tree["central_a"]).user
    job = job_enqueue(kind="test_explodes", owner=owner, org_unit=org_tree["central_a"])
    Job.objects.filter(pk=job.pk).update(request_id=LOAD_BALANCERS_ID)

    job_execute(job_id=job.pk)

    [traceback] = [record for record in logged.records if record.exc_info]
    assert traceback.request_id == LOAD_BALANCERS_ID
    [line] = [r for r in _lines(logged, "campaigns.services.jobs") if hasattr(r, "job_id")]
    assert (line.status, line.request_id) == ("failed", LOAD_BALANCERS_ID)
    assert Job.objects.get(pk=job.pk).error_code == "unexpected"


@pytest.mark.urls(__name__)
def test_an_exception_is_logged_once_with_its_request_id_and_never_shown(db, logged):
    client = Client(raise_request_exception=False)

    response = client.get("/explode")

    assert response.status_code == 500
    assert FAILURE_TEXT.encode() not in response.content
    assert b"Traceback" not in response.content
    assert b"RuntimeError" not in response.content
    [traceback] = [record for record in logged.records if record.exc_info]
    assert traceback.request_id == response["X-Request-ID"]
    assert FAILURE_TEXT in _production_line(traceback)["exc_info"]
    [request_line] = _lines(logged, "portal.requests")
    assert (request_line.status, request_line.path) == (500, "/explode")


def test_production_writes_json_lines_to_standard_output():
    production = logging_settings(json_lines=True, level="INFO")
    assert production["handlers"]["console"]["stream"] == "ext://sys.stdout"
    assert production["loggers"]["portal.requests"]["level"] == "INFO"
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False
