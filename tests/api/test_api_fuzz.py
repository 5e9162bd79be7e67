"""Schemathesis against the live schema: generated requests to every operation, as an
organizer and as a reviewer, must get no server error and no answer that breaks the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from portal.tokens import api_token_create

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
