"""POST /api/v1/facts: CI pushes facts; a real server validates and stores them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import TOKEN, ApiServer

PAYMENTS = "component:default/payments-api"


def push(server: ApiServer, body: Any, token: str | None = TOKEN) -> httpx.Response:
    with server.client(token) as client:
        return client.post("/api/v1/facts", json=body)


def latest(server: ApiServer, ref: str, source: str) -> dict[str, Any]:
    with server.client() as client:
        body = client.get(
            "/api/tech-insights/facts/latest", params={"entity": ref, "ids[0]": source}
        ).json()
    row: dict[str, Any] = body[source]
    return row


def fields(response: httpx.Response) -> dict[str, str]:
    return {d["field"]: d["message"] for d in response.json()["details"]}


def test_pushed_facts_become_the_latest_facts_of_their_source(writable):
    values = {"coverage": 91.5, "build_passing": True, "last_deploy": "2026-11-25T10:00:00Z"}
    response = push(writable, {"source": "ci", "facts": [{"entity": PAYMENTS, "values": values}]})
    assert response.status_code == 201, response.text
    assert response.json()["accepted"] == 1
    assert latest(writable, PAYMENTS, "ci")["facts"] == values


def test_pushed_facts_keep_the_timestamp_they_were_collected_at(writable):
    ref = "component:default/ledger-service"
    stamp = "2026-11-25T13:30:00Z"
    body = {
        "source": "ci",
        "facts": [{"entity": ref, "values": {"coverage": 90.0}, "timestamp": stamp}],
    }
    assert push(writable, body).status_code == 201
    assert latest(writable, ref, "ci")["timestamp"] == "2026-11-25T13:30:00.000000Z"


def test_entity_refs_are_normalised_like_backstage_refs(writable):
    body = {"source": "ci", "facts": [{"entity": "Component:Default/Payments-API", "values": {}}]}
    response = push(writable, body)
    assert response.status_code == 201
    assert response.json()["facts"][0]["entity"] == PAYMENTS


def test_values_that_do_not_fit_the_source_schema_are_a_422_per_field(writable):
    body = {
        "source": "github",
        "facts": [
            {"entity": PAYMENTS, "values": {"dependabot_alerts_critical": "none", "archived": 0}}
        ],
    }
    response = push(writable, body)
    assert response.status_code == 422
    problems = fields(response)
    assert set(problems) == {
        "body.facts[0].values.dependabot_alerts_critical",
        "body.facts[0].values.archived",
    }
    assert "integer" in problems["body.facts[0].values.dependabot_alerts_critical"]


def test_a_fact_the_schema_does_not_name_is_rejected(writable):
    body = {"source": "github", "facts": [{"entity": PAYMENTS, "values": {"stars": 12}}]}
    response = push(writable, body)
    assert response.status_code == 422
    assert "not in the source's fact schema" in fields(response)["body.facts[0].values.stars"]


def test_a_datetime_fact_must_be_an_rfc3339_time(writable):
    body = {
        "source": "github",
        "facts": [{"entity": PAYMENTS, "values": {"pushed_at": "yesterday"}}],
    }
    response = push(writable, body)
    assert response.status_code == 422
    assert "RFC 3339" in fields(response)["body.facts[0].values.pushed_at"]


def test_an_unknown_source_is_rejected_listing_the_known_ones(writable):
    body = {"source": "cii", "facts": [{"entity": PAYMENTS, "values": {"coverage": 1}}]}
    response = push(writable, body)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "unknown source 'cii'" in message
    assert "ci" in message.split("known sources:")[1]


def test_the_results_source_is_reserved(writable):
    body = {"source": "scorecards", "facts": [{"entity": PAYMENTS, "values": {}}]}
    response = push(writable, body)
    assert response.status_code == 422
    assert "reserved" in response.json()["error"]["message"]


def test_an_unknown_entity_is_a_404_and_nothing_of_the_push_is_stored(writable):
    before = latest(writable, "component:default/checkout-web", "ci")
    body = {
        "source": "ci",
        "facts": [
            {"entity": "component:default/checkout-web", "values": {"coverage": 1.0}},
            {"entity": "component:default/not-in-catalog", "values": {"coverage": 2.0}},
        ],
    }
    response = push(writable, body)
    assert response.status_code == 404
    assert "component:default/not-in-catalog" in response.json()["error"]["message"]
    assert latest(writable, "component:default/checkout-web", "ci") == before


def test_a_timestamp_in_the_future_is_rejected(writable):
    body = {
        "source": "ci",
        "facts": [{"entity": PAYMENTS, "values": {}, "timestamp": "2999-01-01T00:00:00Z"}],
    }
    response = push(writable, body)
    assert response.status_code == 422
    assert "in the future" in fields(response)["body.facts[0].timestamp"]


def test_a_malformed_entity_ref_is_a_422_for_that_fact(writable):
    body = {"source": "ci", "facts": [{"entity": "payments-api", "values": {}}]}
    response = push(writable, body)
    assert response.status_code == 422
    assert "body.facts[0].entity" in fields(response)


def test_a_body_of_the_wrong_shape_is_a_422_listing_each_problem(writable):
    response = push(writable, {"source": "ci", "facts": {"entity": PAYMENTS}, "extra": 1})
    assert response.status_code == 422
    assert {"body.facts", "body.extra"} <= set(fields(response))


def test_malformed_json_is_a_400_saying_so(writable):
    with writable.client(TOKEN) as client:
        response = client.post(
            "/api/v1/facts",
            content=b'{"source": "ci", "facts": [',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]


def test_accepted_and_rejected_pushes_are_counted_in_the_metrics(writable):
    push(writable, {"source": "ci", "facts": [{"entity": PAYMENTS, "values": {"coverage": 80}}]})
    push(writable, {"source": "bogus-source", "facts": [{"entity": PAYMENTS, "values": {}}]})
    with writable.client() as client:
        text = client.get("/metrics").text
    assert 'scorecards_facts_pushed_total{outcome="accepted",source="ci"}' in text
    assert 'scorecards_facts_pushed_total{outcome="rejected",source="unknown"}' in text
    assert "bogus-source" not in text


def test_a_server_may_accept_facts_for_entities_not_yet_in_the_catalog(configured):
    ref = "component:default/brand-new-service"
    body = {"source": "ci", "facts": [{"entity": ref, "values": {"coverage": 12.5}}]}
    assert push(configured, body).status_code == 201
    with configured.client(TOKEN) as client:
        row = client.get(
            "/api/tech-insights/facts/latest", params={"entity": ref, "ids[0]": "ci"}
        ).json()["ci"]
    assert row["facts"] == {"coverage": 12.5}
