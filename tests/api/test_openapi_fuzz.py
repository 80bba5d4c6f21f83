"""Schemathesis against a real server: requests generated from our OpenAPI schema,
valid and not, never get a 5xx, and every 4xx is JSON saying what is wrong."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import TOKEN, ApiServer, ServerFactory


@pytest.fixture(scope="session")
def fuzzed(server_factory: ServerFactory) -> ApiServer:
    """A server of its own: generated requests may push facts and start runs."""
    return server_factory()


@pytest.fixture(scope="session")
def api_schema(fuzzed: ApiServer) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed.url}/openapi.json")


def errors_are_explained(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx carries a JSON body with an error message."""
    if 400 <= response.status_code < 500:
        body = response.json()
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        assert message, f"{response.status_code} without an error message: {response.text[:300]}"
    return None


# Routes without any input gain nothing from generated requests and are slow to repeat
# (a reload re-reads the definitions, a run re-scores the catalog); their own tests cover them.
schema = (
    schemathesis.pytest.from_fixture("api_schema")
    .exclude(method="POST", path="/api/v1/definitions/reload")
    .exclude(method="POST", path="/api/v1/runs")
)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_generated_request_gets_a_server_error(case: Any) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, errors_are_explained],
        timeout=30,
    )
