"""JSON bodies are read as strict JSON: what Python's json module lets through but JSON
does not allow (NaN, Infinity, 1e400, lone surrogates) is a 422 naming the field, and
values an older version stored that way never make a read fail (finding M2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from scorecards.formats.timeutil import utcnow
from scorecards.records.facts import Fact
from scorecards.stores import open_store
from tests.api.conftest import TOKEN, ApiServer, ServerFactory
from tests.api.test_runs import wait_for_run

PAYMENTS = "component:default/payments-api"
JSON = {"content-type": "application/json"}


def push_raw(server: ApiServer, body: bytes | str) -> httpx.Response:
    with server.client(TOKEN) as client:
        return client.post("/api/v1/facts", content=body, headers=JSON)


def push_text(source: str, values: str) -> str:
    return f'{{"source": "{source}", "facts": [{{"entity": "{PAYMENTS}", "values": {values}}}]}}'


def fields(response: httpx.Response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["details"]}


def latest_facts(server: ApiServer, source: str) -> Any:
    with server.client() as client:
        response = client.get(
            "/api/tech-insights/facts/latest", params={"entity": PAYMENTS, "ids[0]": source}
        )
    assert response.status_code == 200, response.text
    return response.json()[source]["facts"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_a_non_finite_fact_value_is_a_422_naming_the_field(writable, number):
    response = push_raw(writable, push_text("ci", f'{{"coverage": {number}}}'))
    assert response.status_code == 422, response.text
    assert "send a finite number" in fields(response)["body.facts[0].values.coverage"]


def test_an_integer_beyond_64_bits_is_a_422_naming_the_field(writable):
    response = push_raw(writable, push_text("ci", '{"coverage": ' + "9" * 400 + "}"))
    assert response.status_code == 422, response.text
    assert "64 bits" in fields(response)["body.facts[0].values.coverage"]


def test_a_lone_surrogate_in_a_fact_value_is_a_422_naming_the_field(writable):
    response = push_raw(writable, push_text("github", r'{"default_branch": "ma\ud800in"}'))
    assert response.status_code == 422, response.text
    assert "lone surrogate" in fields(response)["body.facts[0].values.default_branch"]


def test_a_lone_surrogate_in_a_key_is_a_422(writable):
    response = push_raw(writable, push_text("ci", r'{"cover\udc00age": 80}'))
    assert response.status_code == 422, response.text
    (message,) = fields(response).values()
    assert "the key has a lone surrogate" in message


def test_a_refused_push_stores_nothing(writable):
    before = latest_facts(writable, "ci")
    push_raw(writable, push_text("ci", '{"coverage": NaN, "build_passing": false}'))
    assert latest_facts(writable, "ci") == before


@pytest.mark.parametrize("encoded", [b"\xff", b"\xed\xa0\x80"], ids=["invalid", "surrogate"])
def test_a_body_that_is_not_utf8_is_a_400(writable, encoded):
    body = push_text("github", '{"default_branch": "x"}').encode().replace(b"x", encoded)
    response = push_raw(writable, body)
    assert response.status_code == 400, response.text
    assert "not UTF-8" in response.json()["error"]["message"]


def test_a_body_nested_beyond_the_bound_is_a_422(writable):
    nested = "[" * 200 + "]" * 200
    response = push_raw(writable, push_text("ci", f'{{"coverage": {nested}}}'))
    assert response.status_code == 422, response.text
    assert "deeper than" in response.json()["error"]["message"]


def test_a_non_finite_number_in_a_field_a_route_ignores_is_refused_too(api):
    with api.client() as client:
        response = client.post(
            "/api/tech-insights/checks/run", content='{"entities": [], "extra": NaN}', headers=JSON
        )
    assert response.status_code == 422, response.text
    assert "body.extra" in fields(response)


@pytest.fixture(scope="module")
def poisoned(server_factory: ServerFactory) -> ApiServer:
    """A server whose store holds NaN and lone surrogates, as older versions stored them,
    scored by a run since (without fact files, which would overwrite them)."""
    server = server_factory(SCORECARDS_FACTS="")
    store = open_store(server.store_url)
    try:
        store.write_facts(
            [
                Fact(PAYMENTS, "ci", utcnow(), {"coverage": float("nan"), "build_passing": True}),
                Fact(PAYMENTS, "github", utcnow(), {"default_branch": "ma\ud800in"}),
            ]
        )
    finally:
        store.close()
    with server.client(TOKEN) as client:
        run = client.post("/api/v1/runs").json()
    wait_for_run(server, run["id"])
    return server


def test_stored_non_finite_values_are_read_as_null(poisoned):
    assert latest_facts(poisoned, "ci")["coverage"] is None


def test_stored_lone_surrogates_are_read_as_replacement_characters(poisoned):
    assert latest_facts(poisoned, "github")["default_branch"] == "ma\ufffdin"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/tech-insights/facts/range"),
        ("POST", "/api/tech-insights/checks/run/default/component/payments-api"),
        ("POST", "/api/tech-insights/checks/run"),
    ],
)
def test_reads_over_stored_non_finite_values_and_lone_surrogates_answer(poisoned, method, path):
    params = {
        "entity": PAYMENTS,
        "ids[0]": "ci",
        "ids[1]": "github",
        "startDatetime": "2020-01-01T00:00:00Z",
        "endDatetime": "2100-01-01T00:00:00Z",
    }
    with poisoned.client() as client:
        body = {"entities": [PAYMENTS]} if method == "POST" else None
        response = client.request(method, path, params=params, json=body)
    assert response.status_code == 200, response.text
    assert response.json()


def test_dashboard_pages_over_a_stored_lone_surrogate_answer(server_factory: ServerFactory):
    server = server_factory(SCORECARDS_FACTS="")
    store = open_store(server.store_url)
    try:
        [entity] = store.get_entities([PAYMENTS]).values()
        entity["metadata"]["description"] = "pay\ud800ments"
        store.put_entities([entity])
    finally:
        store.close()
    with server.client() as client:
        for path in ("/entities", "/entities/component/default/payments-api"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert "\ud800" not in response.text
