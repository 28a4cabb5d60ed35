"""Schemathesis against the OpenAPI document: generated requests (valid and invalid) to every
operation, signed in, answered with no 5xx, only documented status codes, and bodies that keep
the document's schemas. (Rejecting every schema-violating request is not asked: unknown query
parameters are ignored, as most APIs do.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from healthapp import config
from healthapp.api import api
from tests.integration.api_v1.conftest import Client

EXAMPLES = 12


# Loaded when the module is collected: the document is built from the routes alone.
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api)


@pytest.fixture(autouse=True)
def _no_rate_limit(app_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_REQUESTS_PER_MINUTE", "100000")  # the limit is tested elsewhere
    config.get_settings.cache_clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_document(case: schemathesis.Case, alice: Client) -> None:
    case.call_and_validate(
        headers=alice.headers(),
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
        ],
    )


def test_a_path_the_api_cannot_route_is_still_a_problem_document(alice: Client) -> None:
    # found by the test above: a newline inside a path segment stops Starlette's mount pattern
    response = alice.http.delete("/api/v1/meals/x%0Ay", headers=alice.headers())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
