"""Native read routes under /api/v1, against a real server over the seeded examples."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.engine.loading import load_definitions
from scorecards.records.results import EntityEvaluation
from tests.api.conftest import DEFINITIONS, ApiServer

PAYMENTS = "component:default/payments-api"


@pytest.fixture(scope="module")
def evaluations(api: ApiServer) -> dict[str, EntityEvaluation]:
    return api.evaluations()


def get(api: ApiServer, path: str, **params: Any) -> Any:
    with api.client() as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_entities_are_listed_in_ref_order_with_their_scores(api, evaluations):
    page = get(api, "/api/v1/entities", limit=500)
    refs = [item["ref"] for item in page["items"]]
    assert refs == sorted(refs)
    assert page["total"] == len(refs) >= len(evaluations)
    payments = next(item for item in page["items"] if item["ref"] == PAYMENTS)
    assert {(c["id"], c["score"], c["level"]) for c in payments["scorecards"]} == {
        (c.scorecard_id, c.score, c.level) for c in evaluations[PAYMENTS].scorecards
    }


def test_entities_are_paged_by_limit_and_offset(api):
    everything = get(api, "/api/v1/entities", limit=500)["items"]
    page = get(api, "/api/v1/entities", limit=5, offset=10)
    assert [item["ref"] for item in page["items"]] == [i["ref"] for i in everything[10:15]]
    assert page["total"] == len(everything)


def test_entities_list_every_check_status_when_asked(api, evaluations):
    page = get(api, "/api/v1/entities", checks="true", limit=500)
    listed = {item["ref"]: item["checks"] for item in page["items"]}
    assert {ref: listed[ref] for ref in evaluations} == {
        ref: [{"id": r.check_id, "status": r.status.value} for r in e.checks]
        for ref, e in evaluations.items()
    }
    assert {c["status"] for c in listed[PAYMENTS]} <= {"pass", "skip"}


def test_entities_leave_check_statuses_out_unless_asked(api):
    page = get(api, "/api/v1/entities", limit=5)
    assert all("checks" not in item for item in page["items"])


def test_entities_filter_by_kind_ignoring_case(api):
    page = get(api, "/api/v1/entities", kind="API", limit=500)
    assert page["total"] > 0
    assert all(item["ref"].startswith("api:") for item in page["items"])


def test_entities_filter_by_owner_given_as_a_bare_group_name(api):
    page = get(api, "/api/v1/entities", owner="payments-team", limit=500)
    assert PAYMENTS in [item["ref"] for item in page["items"]]
    assert {item["owner"] for item in page["items"]} == {"group:default/payments-team"}


def test_entities_filter_by_level_in_one_scorecard(api, evaluations):
    page = get(api, "/api/v1/entities", scorecard="security", level="gold", limit=500)
    expected = sorted(
        ref
        for ref, e in evaluations.items()
        if (card := e.scorecard("security")) is not None and card.level == "Gold"
    )
    assert [item["ref"] for item in page["items"]] == expected


def test_entities_filter_by_level_none_finds_entities_without_a_level(api, evaluations):
    page = get(api, "/api/v1/entities", scorecard="service-maturity", level="none", limit=500)
    expected = sorted(
        ref
        for ref, e in evaluations.items()
        if (card := e.scorecard("service-maturity")) is not None and card.level is None
    )
    assert expected
    assert [item["ref"] for item in page["items"]] == expected


def test_entities_filter_by_an_unknown_scorecard_is_a_404(api):
    with api.client() as client:
        response = client.get("/api/v1/entities", params={"scorecard": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["error"]["message"]


def test_entity_explains_each_check_with_status_message_and_remediation(api, evaluations):
    ref = "component:default/legacy-batch"
    body = get(api, "/api/v1/entities/component/default/legacy-batch")
    stored = {r.check_id: r for r in evaluations[ref].checks}
    assert {c["id"] for c in body["checks"]} == set(stored)
    failing = next(c for c in body["checks"] if c["status"] == "fail")
    assert failing["message"] == stored[failing["id"]].message
    assert failing["remediation"]
    assert isinstance(failing["links"], list)


def test_entity_says_what_blocks_its_next_level(api, evaluations):
    ref = "component:default/legacy-batch"
    body = get(api, "/api/v1/entities/component/default/legacy-batch")
    card = next(c for c in body["scorecards"] if c["id"] == "service-maturity")
    assert card["level"] is None
    assert card["next_level"]["name"] == card["levels"][0]
    missing = card["next_level"]["checks_missing"]
    assert missing
    statuses = {r.check_id: r.status.value for r in evaluations[ref].checks}
    assert all(statuses[check_id] in ("fail", "unknown", "error") for check_id in missing)


def test_unknown_entity_is_a_404_naming_it(api):
    with api.client() as client:
        response = client.get("/api/v1/entities/component/default/ghost")
    assert response.status_code == 404
    assert "component:default/ghost" in response.json()["error"]["message"]


def test_history_lists_the_seeded_run(api, evaluations):
    body = get(api, "/api/v1/entities/component/default/payments-api/history")
    assert body["entity"] == PAYMENTS
    [point] = body["points"]
    assert point["evaluated_at"] == "2026-11-25T12:00:00.000000Z"
    assert {c["id"] for c in point["scorecards"]} == {
        c.scorecard_id for c in evaluations[PAYMENTS].scorecards
    }


def test_history_can_be_limited_to_one_scorecard(api):
    body = get(api, "/api/v1/entities/component/default/payments-api/history", scorecard="security")
    assert [c["id"] for c in body["points"][0]["scorecards"]] == ["security"]


def test_history_with_a_malformed_time_is_a_422(api):
    with api.client() as client:
        response = client.get(
            "/api/v1/entities/component/default/payments-api/history", params={"since": "soon"}
        )
    assert response.status_code == 422
    assert "since" in response.json()["error"]["message"]


def test_scorecards_list_their_checks_weights_and_levels(api):
    definitions = load_definitions(DEFINITIONS)
    body = get(api, "/api/v1/scorecards")
    assert [s["id"] for s in body] == list(definitions.scorecards)
    security = get(api, "/api/v1/scorecards/security")
    assert [level["name"] for level in security["levels"]] == [
        level.name for level in definitions.scorecards["security"].levels
    ]


def test_checks_list_what_each_tests_and_how_to_fix_it(api):
    definitions = load_definitions(DEFINITIONS)
    body = get(api, "/api/v1/checks")
    assert [c["id"] for c in body] == list(definitions.checks)
    owner = get(api, "/api/v1/checks/has-owner")
    assert owner["remediation"] == definitions.checks["has-owner"].spec.remediation


def test_unknown_check_and_scorecard_are_404s(api):
    with api.client() as client:
        assert client.get("/api/v1/checks/nope").status_code == 404
        assert client.get("/api/v1/scorecards/nope").status_code == 404


def test_definitions_route_names_the_version_in_force(api):
    definitions = load_definitions(DEFINITIONS)
    assert get(api, "/api/v1/definitions")["version"] == definitions.version


def test_entity_gives_an_exempt_checks_reason_and_expiry(api):
    body = get(api, "/api/v1/entities/component/default/api-gateway")
    exempt = next(c for c in body["checks"] if c["id"] == "provides-apis")
    assert exempt["status"] == "exempt"
    assert exempt["exemption"] == {
        "reason": "The gateway routes other teams' APIs and provides none of its own.",
        "expires": "2027-06-30",
    }
    assert all(c["exemption"] is None for c in body["checks"] if c["status"] != "exempt")
