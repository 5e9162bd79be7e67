"""Schemathesis against the live schema: generated requests to every operation, as an
organizer and as a reviewer, must get no server error and no answer that breaks the schema."""

import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from PIL import Image
from schemathesis.checks import not_a_server_error, response_schema_conformance

from campaigns import bounds
from campaigns.models import (
    AudienceCount,
    AuditEntry,
    Event,
    EventPhoto,
    EventTopic,
    MaterialEdition,
    MaterialUse,
    MeasureFigure,
    MeasureReturn,
    MediationRoom,
    Mediator,
    PartnerService,
    PrintRun,
)
from campaigns.seeding.measures import measures_catalogue_load
from campaigns.services.events import event_report_save, event_submit
from campaigns.services.tokens import api_token_create
from tests.api.clients import signed_in_api
from tests.factories import (
    MaterialEditionFactory,
    MaterialFactory,
    MeasureFigureFactory,
    MeasureReturnFactory,
    MediationRoomFactory,
    MediatorFactory,
)

pytestmark = pytest.mark.django_db

# Bounded: a handful of examples an operation keeps CI within seconds, not minutes.
EXAMPLES_PER_OPERATION = 8


def _operations():
    # The schema the portal serves at /api/v1/schema/, made in-process (that page needs a
    # signed-in user); requests go to the portal's own WSGI application.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(generated)
    schema.app = get_wsgi_application()
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(token: str) -> int:
    """Runs every operation's examples; returns how many operations were exercised."""
    operations = _operations()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            # The same examples every run, so that CI passes or fails for a reason, not by
            # the draw; a new operation or a changed schema still brings new examples.
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(
                headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
                checks=[not_a_server_error, response_schema_conformance],
            )

        check()
    return len(operations)


@pytest.fixture
def connection_kept_open():
    # The WSGI handler closes the database connection after each request, which would end
    # the test's transaction; Django's own test client keeps it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ["organizer", "reviewer"])
@pytest.mark.usefixtures("connection_kept_open")
def test_no_operation_errors_or_breaks_its_schema(world, role):
    token = api_token_create(user=getattr(world, role), name="fuzz")[1]
    assert _fuzz(token) >= 20


def test_the_phones_offline_operations_are_among_those_fuzzed():
    fuzzed = {(operation.method.upper(), operation.path) for operation in _operations()}
    assert {
        ("GET", "/api/v1/offline-reports/{uuid}"),
        ("PUT", "/api/v1/offline-reports/{uuid}"),
        ("PUT", "/api/v1/offline-reports/{uuid}/photos/{photo_uuid}"),
        ("GET", "/api/v1/form-config"),
    } <= fuzzed


# ---- hostile values, sent on purpose ---------------------------------------------------
#
# Schemathesis draws values from the schema, which rarely come near the edges that broke
# the portal. The same hostile values as the web-form fuzz test (tests/security/
# test_form_fuzz.py) go into every field of every body the API takes, every query parameter
# of every operation and every id in a path; and bodies nested deeper than any client needs.
# Nothing may answer 5xx, and a refused write leaves the data as it was.

HOSTILE_TEXT = ["牧场\x00宣讲", "长" * 100_000, "\ud800", "牧场\udfff"]
HOSTILE_NUMBERS = [2**31, 10**30, -1, -(2**63) - 1, 1e308]
HOSTILE_MOMENTS = [
    "0001-01-01T00:00:00+08:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59+08:00",
    "2025-03-14T10:00:00+15:00",
]
HOSTILE_IN_QUERY = [
    "%00",
    "长" * 10_000,
    "%ED%A0%80",  # a lone surrogate, as the invalid UTF-8 a client can send
    "99999999999999999999",
    "-1",
    "%C2%B2",  # "²"
    "0001-01-01T00:00:00%2B08:00",
    "9999-12-31T23:59:59%2B08:00",
]
HOSTILE_IDS = ["99999999999999999999", "-1", "%C2%B2", "%00"]
# If-Match carries the version edited; a header is read as Latin-1, where "²" is one byte.
HOSTILE_IF_MATCH = ['"²"', '"99999999999999999999"', 'W/"-1"', '"1' + "0" * 5000 + '"']
WRITE_OPERATIONS = [
    ("post", "/api/v1/events/"),
    ("patch", "/api/v1/events/{id}/"),
    ("post", "/api/v1/events/{id}/report/"),
    ("post", "/api/v1/events/{id}/submit/"),
    ("post", "/api/v1/events/{id}/approve/"),
    ("post", "/api/v1/events/{id}/return/"),
    ("post", "/api/v1/events/{id}/cancel/"),
    ("post", "/api/v1/events/{id}/confirm-head-count/"),
    ("post", "/api/v1/print-runs/"),
    ("put", "/api/v1/offline-reports/{uuid}"),
    ("post", "/api/v1/measure-returns/"),
    ("patch", "/api/v1/measure-returns/{id}/"),
    ("put", "/api/v1/measure-returns/{id}/"),
    ("post", "/api/v1/measure-returns/{id}/submit/"),
    ("post", "/api/v1/measure-returns/{id}/approve/"),
    ("post", "/api/v1/measure-returns/{id}/return/"),
    ("post", "/api/v1/mediation-rooms/"),
    ("patch", "/api/v1/mediation-rooms/{id}/"),
    ("put", "/api/v1/mediation-rooms/{id}/"),
    ("post", "/api/v1/mediators/"),
    ("patch", "/api/v1/mediators/{id}/"),
    ("put", "/api/v1/mediators/{id}/"),
]
# The writes a reviewer makes, on a return (or an event) waiting for review.
REVIEWING = ("/approve/", "/return/")
# Writes whose body is a photo's bytes, not JSON: hostile bytes and headers instead.
PHOTO_OPERATIONS = [("put", "/api/v1/offline-reports/{uuid}/photos/{photo_uuid}")]
OFFLINE_REPORT_ID = uuid.UUID("0b5e7c1a-3f2d-4e6b-9a8c-1d2e3f4a5b6c")


def _bodies(
    world, approved_edition, hospital, measures=None
) -> dict[tuple[str, str], tuple[str, dict]]:
    """(method, path in the schema) -> the URL and a body the API accepts."""
    event = world.event
    plan = {
        "campaign": world.campaign.pk,
        "org_unit": world.units["central_a"].pk,
        "county": world.county.pk,
        "title": "红原县邛溪镇宣讲",
        "venue_name": "邛溪镇牧民定居点",
        "venue_type": "village",
        "format": "lecture",
        "starts_at": "2025-03-14T10:00:00+08:00",
        "ends_at": "2025-03-14T12:00:00+08:00",
        "topics": ["anti_fraud"],
        "expected_partners": [hospital.pk],
    }
    report = {
        "version": event.version,
        "head_count": 80,
        "audience": {"women": 35, "farmers_herders": 60},
        "staff_count": 6,
        "summary": "牧民踊跃参加。",
        "handouts": [{"edition": approved_edition.pk, "copies": 200}],
        "partner_services": [
            {
                "partner": hospital.pk,
                "service_type": "health_screening",
                "screening_type": "cervical_breast",
                "people_served": 32,
                "screened": 32,
                "referred": 3,
            }
        ],
    }
    detail = f"/api/v1/events/{event.pk}/"
    return {
        ("post", "/api/v1/events/"): ("/api/v1/events/", plan),
        ("patch", "/api/v1/events/{id}/"): (detail, {**plan, "version": event.version}),
        ("post", "/api/v1/events/{id}/report/"): (f"{detail}report/", report),
        ("post", "/api/v1/events/{id}/submit/"): (f"{detail}submit/", {"version": 1}),
        ("post", "/api/v1/events/{id}/approve/"): (f"{detail}approve/", {"version": 1}),
        ("post", "/api/v1/events/{id}/return/"): (
            f"{detail}return/",
            {"note": "请补充受众人数。", "version": 1},
        ),
        ("post", "/api/v1/events/{id}/cancel/"): (
            f"{detail}cancel/",
            {"reason": "暴雪封路。", "version": event.version},
        ),
        ("post", "/api/v1/events/{id}/confirm-head-count/"): (
            f"{detail}confirm-head-count/",
            {"head_count": 80, "version": event.version},
        ),
        ("put", "/api/v1/offline-reports/{uuid}"): (
            f"/api/v1/offline-reports/{OFFLINE_REPORT_ID}",
            {
                "base_version": None,
                "config_version": "3f2a9c0d1e4b5a67",
                "plan": {**plan, "language": "both", "channel": "offline"},
                "report": {key: value for key, value in report.items() if key != "version"},
                "photos": ["6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"],
                "submit": False,
            },
        ),
        ("post", "/api/v1/print-runs/"): (
            "/api/v1/print-runs/",
            {
                "edition": approved_edition.pk,
                "org_unit": world.units["central_a"].pk,
                "paper_size": "A5",
                "layout": "side_by_side",
                "copies": 500,
                "delivery_note": "送至红原县支公司。",
            },
        ),
        **(_measures_bodies(world, measures) if measures else {}),
    }


def _measures_bodies(world, measures) -> dict[tuple[str, str], tuple[str, dict]]:
    unit = world.units["central_a"].pk
    draft = f"/api/v1/measure-returns/{measures.draft.pk}/"
    submitted = f"/api/v1/measure-returns/{measures.submitted.pk}/"
    figures = {
        "version": 1,
        "figures": {
            "comfort_fund": {"payouts": "2", "amount": "1500.50"},
            "mediation_cases": {"resolved": 8, "mediated": 10},
            "fast_settlement": {"settled_fast": None, "complaints": None},
        },
    }
    room = {
        "org_unit": unit,
        "name": "红原枫桥经验调解室",
        "address": "红原县支公司一楼",
        "opened_on": "2024-06-01",
        "is_open": False,
        "closed_on": "2025-01-31",
    }
    mediator = {
        "org_unit": unit,
        "name": "扎西",
        "field": "机动车理赔",
        "organisation": "阿坝州人民调解委员会",
        "contact": "0837-1234567",
        "active": True,
    }
    room_url = f"/api/v1/mediation-rooms/{measures.room.pk}/"
    mediator_url = f"/api/v1/mediators/{measures.mediator.pk}/"
    return {
        ("post", "/api/v1/measure-returns/"): (
            "/api/v1/measure-returns/",
            {"org_unit": unit, "month": "2025-01"},
        ),
        ("patch", "/api/v1/measure-returns/{id}/"): (draft, figures),
        ("put", "/api/v1/measure-returns/{id}/"): (draft, figures),
        ("post", "/api/v1/measure-returns/{id}/submit/"): (f"{draft}submit/", {"version": 1}),
        ("post", "/api/v1/measure-returns/{id}/approve/"): (
            f"{submitted}approve/",
            {"version": 1},
        ),
        ("post", "/api/v1/measure-returns/{id}/return/"): (
            f"{submitted}return/",
            {"note": "请核对安抚金金额。", "version": 1},
        ),
        ("post", "/api/v1/mediation-rooms/"): ("/api/v1/mediation-rooms/", room),
        ("patch", "/api/v1/mediation-rooms/{id}/"): (room_url, {**room, "version": 1}),
        ("put", "/api/v1/mediation-rooms/{id}/"): (room_url, {**room, "version": 1}),
        ("post", "/api/v1/mediators/"): ("/api/v1/mediators/", mediator),
        ("patch", "/api/v1/mediators/{id}/"): (mediator_url, {**mediator, "version": 1}),
        ("put", "/api/v1/mediators/{id}/"): (mediator_url, {**mediator, "version": 1}),
    }


def _leaves(value, path=()):
    """Every leaf of a JSON value, by its path of keys and indexes."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def _hostile_for(name, value) -> list:
    if isinstance(value, bool):
        return [HOSTILE_TEXT[0], 2**31]
    if isinstance(value, int):
        return [*HOSTILE_NUMBERS, HOSTILE_TEXT[0]]
    if name in ("starts_at", "ends_at"):
        return HOSTILE_MOMENTS
    return [*HOSTILE_TEXT, 2**31]


def _write_cases(body: dict):
    yield "baseline", body
    for path, value in _leaves(body):
        for hostile in _hostile_for(path[-1], value):
            yield (
                f"{'.'.join(map(str, path))}={str(hostile)[:12]!r}",
                _replaced(body, path, hostile),
            )
    for depth in (bounds.JSON_DEPTH + 1, 50_000):
        yield f"nested {depth} deep", "[" * depth + "]" * depth
    yield "not JSON at all", "{\x00"
    for header in HOSTILE_IF_MATCH:
        yield f"If-Match: {header[:12]}", (body, {"HTTP_IF_MATCH": header})


def _snapshot() -> dict:
    watched = [
        Event,
        AudienceCount,
        MaterialUse,
        PartnerService,
        PrintRun,
        AuditEntry,
        EventTopic,
        MeasureReturn,
        MeasureFigure,
        MediationRoom,
        Mediator,
    ]
    return {
        model.__name__: sorted(map(repr, model.objects.order_by().values_list()))
        for model in watched
    }


@dataclass
class MeasuresWorld:
    draft: MeasureReturn
    submitted: MeasureReturn
    room: MediationRoom
    mediator: Mediator


@pytest.fixture
def measures(world):
    """The catalogue; a draft return of central sub-branch A with a figure, one waiting for
    review, a mediation room and a mediator."""
    catalogue = measures_catalogue_load()
    payouts = catalogue["comfort_fund"].parts.get(code="payouts")
    unit = world.units["central_a"]
    draft = MeasureReturnFactory(org_unit=unit, month=dt.date(2025, 2, 1))
    submitted = MeasureReturnFactory(
        org_unit=unit, month=dt.date(2025, 3, 1), status=MeasureReturn.Status.SUBMITTED
    )
    for measure_return in (draft, submitted):
        MeasureFigureFactory(measure_return=measure_return, part=payouts, value=2)
    return MeasuresWorld(
        draft=draft,
        submitted=submitted,
        room=MediationRoomFactory(org_unit=unit),
        mediator=MediatorFactory(org_unit=unit),
    )


@pytest.fixture
def approved_edition(world):
    material = MaterialFactory(org_unit=world.units["branch_a"])
    return MaterialEditionFactory(material=material, status=MaterialEdition.Status.APPROVED)


def _schema_operations() -> list[tuple[str, str, dict]]:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path, operation)
        for path, operations in generated["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_write_operation_has_a_hostile_body(world, approved_edition, hospital, measures):
    """A new write operation fails here until _bodies says what it accepts."""
    writes = {(m, p) for m, p, operation in _schema_operations() if "requestBody" in operation}
    assert set(_bodies(world, approved_edition, hospital, measures)) == set(WRITE_OPERATIONS)
    assert writes == set(WRITE_OPERATIONS) | set(PHOTO_OPERATIONS)


@pytest.mark.parametrize("operation", WRITE_OPERATIONS, ids=lambda op: f"{op[0]} {op[1]}")
def test_hostile_bodies_get_no_server_error_and_change_nothing(
    world, approved_edition, hospital, measures, operation
):
    url, body = _bodies(world, approved_edition, hospital, measures)[operation]
    # The reviewer's transitions are asked of an event (or a return) waiting for review,
    # by the reviewer.
    reviewing = operation[1].endswith(REVIEWING)
    of_an_event = operation[1].startswith("/api/v1/events/")
    if reviewing and of_an_event:
        event_report_save(
            user=world.organizer,
            event_id=world.event.pk,
            expected_version=1,
            figures={"head_count": 40},
            audience={"women": 35},
        )
        event_submit(user=world.organizer, event_id=world.event.pk, expected_version=2)
        body = {**body, "version": 3}
    elif operation[1].endswith("/submit/") and of_an_event:
        event_report_save(
            user=world.organizer,
            event_id=world.event.pk,
            expected_version=1,
            figures={"head_count": 40},
            audience={"women": 35},
        )
        body = {**body, "version": 2}
    client = signed_in_api(world.reviewer if reviewing else world.organizer)
    clean = _snapshot()
    problems = []
    for label, case in _write_cases(body):
        case, headers = case if isinstance(case, tuple) else (case, {})
        with transaction.atomic():
            data = case if isinstance(case, str) else json.dumps(case)
            response = client.generic(
                operation[0].upper(), url, data, content_type="application/json", **headers
            )
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
            elif label == "baseline" and response.status_code >= 400:
                problems.append(f"baseline refused: {response.content[:300]!r}")
            elif response.status_code >= 400 and _snapshot() != clean:
                problems.append(f"{label}: refused ({response.status_code}) but saved")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


def _photo_cases():
    """(label, body, headers) of a photo's upload: one the API accepts, then hostile ones."""
    photo = _jpeg()
    sha256 = hashlib.sha256(photo).hexdigest()

    def signed(content: bytes) -> dict:
        return {"X-Content-SHA256": hashlib.sha256(content).hexdigest()}

    yield "baseline", photo, {"X-Content-SHA256": sha256, "X-Caption": "%E7%89%A7%E6%B0%91"}
    for label, content in [
        ("empty", b""),
        ("not a photo", b"GIF89a" + b"\x00" * 100),
        ("cut off", photo[: len(photo) // 2]),
        ("too large", b"\xff\xd8" + b"\x00" * (9 * 1024 * 1024)),
    ]:
        yield label, content, signed(content)
    for hostile in ["", "²", "0" * 5000, sha256.upper()[:63], "ab" * 32]:
        yield f"X-Content-SHA256: {hostile[:12]!r}", photo, {"X-Content-SHA256": hostile}
    for hostile in ["%00", "%ED%A0%80", "%E9%95%BF" * 300, "%", "牧民"]:
        yield f"X-Caption: {hostile[:12]!r}", photo, {**signed(photo), "X-Caption": hostile}


def test_hostile_photos_get_no_server_error_and_store_nothing(world):
    client = signed_in_api(world.organizer)
    report = client.put(
        f"/api/v1/offline-reports/{world.event.uuid}",
        {"base_version": world.event.version, "photos": [str(OFFLINE_REPORT_ID)]},
        format="json",
    )
    assert report.status_code == 200, report.content
    url = f"/api/v1/offline-reports/{world.event.uuid}/photos/{OFFLINE_REPORT_ID}"
    problems = []
    for label, content, headers in _photo_cases():
        with transaction.atomic():
            response = client.put(url, content, content_type="image/jpeg", headers=headers)
            stored = EventPhoto.objects.filter(uuid=OFFLINE_REPORT_ID).exists()
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
            elif label == "baseline" and response.status_code != 201:
                problems.append(f"baseline refused: {response.content[:300]!r}")
            elif response.status_code >= 400 and stored:
                problems.append(f"{label}: refused ({response.status_code}) but stored")
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


def test_hostile_query_parameters_and_ids_get_no_server_error(world, approved_edition):
    client = signed_in_api(world.reviewer)
    problems = []
    for method, path, operation in _schema_operations():
        if method != "get":
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        ids = HOSTILE_IDS if "{id}" in path else [None]
        for hostile_id in ids:
            url = path.replace("{id}", hostile_id) if hostile_id else path
            queries = [f"{name}={value}" for name in names for value in HOSTILE_IN_QUERY]
            for query in queries if hostile_id is None else [""]:
                response = client.get(f"{url}?{query}")
                if response.status_code >= 500:
                    problems.append(f"GET {url}?{query[:60]}: {response.status_code}")
    assert not problems, "\n".join(problems)
