"""The Tech Insights-compatible routes, against a real server over the seeded examples."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.engine.loading import load_definitions
from scorecards.records.results import COUNTS_FOR, EntityEvaluation, Status
from tests.api.conftest import DEFINITIONS, ApiServer

BASE = "/api/tech-insights"
PAYMENTS = "component:default/payments-api"
CHECK_KEYS = {"id", "type", "name", "description", "factIds", "metadata", "links"}
FACT_TYPES = {"integer", "float", "string", "boolean", "datetime", "set"}


@pytest.fixture(scope="module")
def definitions() -> Any:
    return load_definitions(DEFINITIONS)


@pytest.fixture(scope="module")
def evaluations(api: ApiServer) -> dict[str, EntityEvaluation]:
    return api.evaluations()


def run(api: ApiServer, ref: str, body: Any = None) -> list[dict[str, Any]]:
    kind, rest = ref.split(":")
    namespace, name = rest.split("/")
    with api.client() as client:
        response = client.post(f"{BASE}/checks/run/{namespace}/{kind}/{name}", json=body)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()
    return results


def test_checks_lists_every_check_then_every_scorecard_level(api, definitions):
    with api.client() as client:
        checks = client.get(f"{BASE}/checks").json()
    levels = [
        f"{s.id}:at-least:{level.name}"
        for s in definitions.scorecards.values()
        for level in s.levels
    ]
    assert [c["id"] for c in checks] == [*definitions.checks, *levels]


def test_every_check_is_a_json_rules_engine_check_with_metadata_and_links(api):
    with api.client() as client:
        checks = client.get(f"{BASE}/checks").json()
    for check in checks:
        assert set(check) == CHECK_KEYS
        assert check["type"] == "json-rules-engine"
        assert {"category", "severity", "weight", "rank", "solution"} <= set(check["metadata"])
        assert check["metadata"]["rank"] in (1, 2, 3)
        assert all(set(link) == {"title", "url"} for link in check["links"])


def test_check_links_and_solution_come_from_the_definitions(api, definitions):
    with api.client() as client:
        checks = {c["id"]: c for c in client.get(f"{BASE}/checks").json()}
    for check in definitions.checks.values():
        served = checks[check.id]
        assert served["metadata"]["solution"] == check.spec.remediation
        assert served["links"] == [{"title": k.title, "url": k.url} for k in check.spec.links]
        assert served["factIds"] == sorted(check.fact_sources)


def test_run_answers_a_boolean_per_applicable_check_matching_the_stored_statuses(api, evaluations):
    evaluation = evaluations[PAYMENTS]
    results = {r["check"]["id"]: r for r in run(api, PAYMENTS, {})}
    applicable = {r.check_id: r.status for r in evaluation.checks if r.status is not Status.SKIP}
    plain = {k: v for k, v in results.items() if ":at-least:" not in k}
    assert set(plain) == set(applicable)
    for check_id, status in applicable.items():
        assert plain[check_id]["result"] is (status in COUNTS_FOR)
        assert plain[check_id]["check"]["metadata"]["status"] == status.value


def test_run_leaves_out_checks_that_do_not_apply(api, evaluations):
    evaluation = evaluations[PAYMENTS]
    skipped = {r.check_id for r in evaluation.checks if r.status is Status.SKIP}
    assert skipped
    assert not skipped & {r["check"]["id"] for r in run(api, PAYMENTS)}


def test_level_checks_pass_up_to_the_level_reached(api, evaluations, definitions):
    ref = "component:default/legacy-batch"
    results = {r["check"]["id"]: r["result"] for r in run(api, ref)}
    for card in evaluations[ref].scorecards:
        names = [level.name for level in definitions.scorecards[card.scorecard_id].levels]
        reached = names.index(card.level) if card.level else -1
        for index, name in enumerate(names):
            assert results[f"{card.scorecard_id}:at-least:{name}"] is (index <= reached)


def test_an_entity_at_gold_passes_every_level_check_of_its_scorecards(api, evaluations):
    gold = [c.scorecard_id for c in evaluations[PAYMENTS].scorecards if c.level == "Gold"]
    results = {r["check"]["id"]: r["result"] for r in run(api, PAYMENTS)}
    assert gold
    for scorecard_id in gold:
        levels = [v for k, v in results.items() if k.startswith(f"{scorecard_id}:at-least:")]
        assert levels and all(levels)


def test_run_of_named_checks_answers_only_those_in_that_order(api):
    results = run(api, PAYMENTS, {"checks": ["has-owner", "security:at-least:Bronze"]})
    assert [r["check"]["id"] for r in results] == ["has-owner", "security:at-least:Bronze"]


def test_run_with_an_unknown_check_id_is_a_404_naming_it(api):
    with api.client() as client:
        response = client.post(
            f"{BASE}/checks/run/default/component/payments-api",
            json={"checks": ["has-owner", "no-such-check"]},
        )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["name"] == "NotFoundError"
    assert "no-such-check" in error["message"]


def test_run_for_an_unknown_entity_is_a_404_with_a_json_error(api):
    with api.client() as client:
        response = client.post(f"{BASE}/checks/run/default/component/nobody-here", json={})
    assert response.status_code == 404
    body = response.json()
    assert body["response"] == {"statusCode": 404}
    assert "component:default/nobody-here" in body["error"]["message"]


def test_run_accepts_no_body_at_all(api):
    with api.client() as client:
        response = client.post(f"{BASE}/checks/run/default/component/payments-api")
    assert response.status_code == 200
    assert response.json()


def test_run_reads_url_encoded_and_capitalised_path_parts(api):
    with api.client() as client:
        response = client.post(f"{BASE}/checks/run/default/Component/payments%2Dapi", json={})
    assert response.status_code == 200
    assert response.json()


def test_failing_check_explains_why_and_how_to_fix_in_its_description(api, evaluations):
    ref = "component:default/legacy-batch"
    failing = next(r for r in evaluations[ref].checks if r.status is Status.FAIL)
    result = next(r for r in run(api, ref) if r["check"]["id"] == failing.check_id)
    assert result["result"] is False
    assert "**Failing:**" in result["check"]["description"]
    assert "**How to fix:**" in result["check"]["description"]
    assert result["check"]["metadata"]["message"] == failing.message


def test_exempt_check_counts_as_passed_and_says_why(api, evaluations):
    ref = "component:default/card-authorizer"
    exempt = next(r for r in evaluations[ref].checks if r.status is Status.EXEMPT)
    result = next(r for r in run(api, ref) if r["check"]["id"] == exempt.check_id)
    assert result["result"] is True
    assert result["check"]["metadata"]["status"] == "exempt"
    assert "**Exempt:**" in result["check"]["description"]


def test_result_facts_are_the_values_the_check_read_with_tech_insights_types(api):
    result = next(r for r in run(api, PAYMENTS, {"checks": ["no-critical-dependabot-alerts"]}))
    facts = result["facts"]
    assert facts["dependabot_alerts_critical"] == {
        "id": "github",
        "type": "integer",
        "description": facts["dependabot_alerts_critical"]["description"],
        "value": 0,
    }
    assert all(entry["type"] in FACT_TYPES for entry in facts.values())


def test_bulk_run_answers_each_entity_with_its_results(api):
    entities = [
        {"namespace": "default", "kind": "component", "name": "payments-api"},
        {"namespace": "default", "kind": "component", "name": "legacy-batch"},
    ]
    with api.client() as client:
        response = client.post(
            f"{BASE}/checks/run", json={"entities": entities, "checks": ["has-owner"]}
        )
    assert response.status_code == 200
    body = response.json()
    assert [entry["entity"] for entry in body] == [PAYMENTS, "component:default/legacy-batch"]
    assert [[r["check"]["id"] for r in entry["results"]] for entry in body] == [
        ["has-owner"],
        ["has-owner"],
    ]


def test_bulk_run_without_entities_covers_every_scored_entity(api, evaluations):
    with api.client() as client:
        body = client.post(f"{BASE}/checks/run", json={"entities": []}).json()
    assert sorted(entry["entity"] for entry in body) == sorted(evaluations)


def test_bulk_run_reports_an_unknown_entity_in_its_own_entry(api):
    entities = [{"namespace": "default", "kind": "component", "name": "nobody-here"}, PAYMENTS]
    with api.client() as client:
        body = client.post(f"{BASE}/checks/run", json={"entities": entities}).json()
    assert body[0]["results"] == []
    assert body[0]["error"]["name"] == "NotFoundError"
    assert body[1]["results"]


def test_bulk_run_with_an_unknown_check_id_gives_every_entity_the_error(api):
    with api.client() as client:
        body = client.post(
            f"{BASE}/checks/run", json={"entities": [PAYMENTS], "checks": ["nope"]}
        ).json()
    assert body == [
        {
            "entity": PAYMENTS,
            "error": {
                "name": "NotFoundError",
                "message": "Tech insight check with id 'nope' is not registered.",
            },
            "results": [],
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        "ids%5B0%5D=github&ids%5B1%5D=scorecards",
        "ids[]=github&ids[]=scorecards",
        "ids=github&ids=scorecards",
    ],
    ids=["qs-indexed", "brackets", "repeated"],
)
def test_facts_latest_reads_ids_in_every_common_encoding(api, query):
    with api.client() as client:
        response = client.get(f"{BASE}/facts/latest?entity={PAYMENTS}&{query}")
    assert response.status_code == 200
    assert set(response.json()) == {"github", "scorecards"}


def test_facts_latest_answers_rows_of_the_backend_shape(api):
    with api.client() as client:
        body = client.get(
            f"{BASE}/facts/latest", params={"entity": PAYMENTS, "ids[0]": "ci"}
        ).json()
    row = body["ci"]
    assert set(row) == {"id", "entity", "timestamp", "version", "facts"}
    assert row["entity"] == {"namespace": "default", "kind": "component", "name": "payments-api"}
    assert row["facts"]["coverage"] == 87.4


def test_scorecards_fact_is_flat_with_score_level_and_counts(api, evaluations):
    with api.client() as client:
        body = client.get(
            f"{BASE}/facts/latest", params={"entity": PAYMENTS, "ids[0]": "scorecards"}
        ).json()
    facts = body["scorecards"]["facts"]
    for card in evaluations[PAYMENTS].scorecards:
        assert facts[f"{card.scorecard_id}.score"] == card.score
        assert facts[f"{card.scorecard_id}.level"] == card.level
        assert facts[f"{card.scorecard_id}.counts.pass"] == card.counts["pass"]
    assert all(not isinstance(value, dict | list) for value in facts.values())


def test_facts_latest_without_ids_is_a_422_saying_so(api):
    with api.client() as client:
        response = client.get(f"{BASE}/facts/latest", params={"entity": PAYMENTS})
    assert response.status_code == 422
    assert "ids" in response.json()["error"]["message"]


def test_facts_latest_for_an_unknown_entity_is_a_404(api):
    with api.client() as client:
        response = client.get(
            f"{BASE}/facts/latest", params={"entity": "component:default/ghost", "ids[0]": "ci"}
        )
    assert response.status_code == 404
    assert "component:default/ghost" in response.json()["error"]["message"]


def test_facts_range_answers_the_history_between_two_times(api):
    params = {
        "entity": PAYMENTS,
        "ids[0]": "scorecards",
        "startDatetime": "2026-11-01T00:00:00Z",
        "endDatetime": "2026-12-01T00:00:00Z",
    }
    with api.client() as client:
        body = client.get(f"{BASE}/facts/range", params=params).json()
    assert [row["timestamp"] for row in body["scorecards"]] == ["2026-11-25T12:00:00.000000Z"]


def test_facts_range_outside_the_history_is_empty(api):
    params = {
        "entity": PAYMENTS,
        "ids[0]": "scorecards",
        "startDatetime": "2020-01-01T00:00:00Z",
        "endDatetime": "2020-02-01T00:00:00Z",
    }
    with api.client() as client:
        assert client.get(f"{BASE}/facts/range", params=params).json() == {}


def test_facts_range_with_a_bad_datetime_is_a_422_naming_the_parameter(api):
    params = {
        "entity": PAYMENTS,
        "ids[0]": "ci",
        "startDatetime": "last tuesday",
        "endDatetime": "2026-12-01T00:00:00Z",
    }
    with api.client() as client:
        response = client.get(f"{BASE}/facts/range", params=params)
    assert response.status_code == 422
    assert "startDatetime" in response.json()["error"]["message"]


def test_fact_schemas_list_each_source_with_typed_facts(api, definitions):
    with api.client() as client:
        schemas = client.get(f"{BASE}/fact-schemas").json()
    by_id = {schema["id"]: schema for schema in schemas}
    assert {"github", "catalog", "scorecards"} <= set(by_id)
    github = by_id["github"]
    assert github["dependabot_alerts_critical"]["type"] == "integer"
    scorecard = next(iter(definitions.scorecards))
    assert by_id["scorecards"][f"{scorecard}.score"]["type"] == "float"
