"""Every answer of the offline endpoints a phone's outbox reads (201, 200, 304, 401, 403, 404,
409, 410, 422) is one the published OpenAPI schema documents, with a body of the documented
shape. Schemathesis (test_api_fuzz.py) draws random ids, which reach the 404s and 422s only;
the answers to a real phone's requests are made here on purpose."""

import hashlib
import uuid

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from schemathesis.core.transport import Response

from tests.events_world import cancelled_event
from tests.unsent_reports_file import jpeg, report_body, request_body

pytestmark = pytest.mark.django_db

REPORT = "/api/v1/offline-reports/{uuid}"
PHOTO = "/api/v1/offline-reports/{uuid}/photos/{photo_uuid}"
FORM_CONFIG = "/api/v1/form-config"


@pytest.fixture(scope="module")
def published():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(generated)


def _breaks_schema(published, path: str, method: str, response) -> str | None:
    """Why ``response`` is not an answer the schema documents for the operation; None if it is."""
    operation = published[path][method]
    documented = operation.definition.raw["responses"]
    if str(response.status_code) not in documented:
        return f"{method} {path}: {response.status_code} is not documented ({list(documented)})"
    answer = Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method, f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=True,
    )
    try:
        operation.validate_response(answer)
    except Exception as failure:  # schemathesis's FailureGroup, with every broken rule
        return f"{method} {path} {response.status_code}: {failure}"
    return None


def _report_url(report_id) -> str:
    return f"/api/v1/offline-reports/{report_id}"


def test_every_answer_to_a_report_is_documented(api, world, published):
    client = api(world.organizer)
    report_id = uuid.uuid4()
    cancelled = cancelled_event(world)

    def put(body, *, who=client, report=report_id):
        return who.put(_report_url(report), body, format="json")

    created = put(request_body(world))
    version = created.json()["version"]
    answers = {
        "created": created,
        "sent again": put(request_body(world)),
        "changed": put(
            request_body(world, base_version=version, report=report_body(head_count=90))
        ),
        "conflict": put(request_body(world, base_version=1, report=report_body(head_count=70))),
        "gone": put(request_body(world, base_version=1, plan=None), report=cancelled.uuid),
        "invalid": put(request_body(world, plan=None), report=uuid.uuid4()),
        "not signed in": put(request_body(world), who=APIClient()),
        "role refuses": put(request_body(world, base_version=1), who=api(world.translator)),
        "not found": put(request_body(world), who=api(world.other_organizer)),
        "read": client.get(_report_url(report_id)),
        "read, not found": api(world.other_organizer).get(_report_url(report_id)),
    }

    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "created": 201,
        "sent again": 200,
        "changed": 200,
        "conflict": 409,
        "gone": 410,
        "invalid": 422,
        "not signed in": 401,
        "role refuses": 403,
        "not found": 404,
        "read": 200,
        "read, not found": 404,
    }
    problems = [
        _breaks_schema(published, REPORT, "GET" if name.startswith("read") else "PUT", response)
        for name, response in answers.items()
    ]
    assert [problem for problem in problems if problem] == []


def test_every_answer_to_a_photo_is_documented(api, world, published):
    client = api(world.organizer)
    report_id, photo_id = uuid.uuid4(), uuid.uuid4()
    client.put(_report_url(report_id), request_body(world, photos=[str(photo_id)]), format="json")
    content = jpeg()

    def put(photo, *, who=client, report=report_id, sha256=None):
        return who.put(
            f"{_report_url(report)}/photos/{photo}",
            content,
            content_type="image/jpeg",
            headers={"X-Content-SHA256": sha256 or hashlib.sha256(content).hexdigest()},
        )

    answers = {
        "created": put(photo_id),
        "sent again": put(photo_id),
        # The same id with other bytes: another photo has it.
        "conflict": put(photo_id, sha256=hashlib.sha256(jpeg("navy")).hexdigest()),
        "damaged": put(uuid.uuid4(), sha256="0" * 64),
        "not signed in": put(uuid.uuid4(), who=APIClient()),
        "role refuses": put(uuid.uuid4(), who=api(world.translator)),
        "not found": put(uuid.uuid4(), who=api(world.other_organizer)),
    }

    statuses = {name: response.status_code for name, response in answers.items()}
    assert statuses == {
        "created": 201,
        "sent again": 200,
        "conflict": 409,
        "damaged": 422,
        "not signed in": 401,
        "role refuses": 403,
        "not found": 404,
    }
    problems = [_breaks_schema(published, PHOTO, "PUT", r) for r in answers.values()]
    assert [problem for problem in problems if problem] == []


def test_every_answer_of_the_form_config_is_documented(api, world, published):
    client = api(world.organizer)
    fresh = client.get(FORM_CONFIG)
    answers = [
        fresh,
        client.get(FORM_CONFIG, headers={"If-None-Match": fresh["ETag"]}),
        APIClient().get(FORM_CONFIG),
    ]

    assert [response.status_code for response in answers] == [200, 304, 401]
    problems = [_breaks_schema(published, FORM_CONFIG, "GET", r) for r in answers]
    assert [problem for problem in problems if problem] == []
