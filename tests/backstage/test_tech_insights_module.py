"""Our Tech Insights module (backstage/plugins/tech-insights-backend-module-scorecards)
in the REAL Tech Insights backend: its fact retriever, on the schedule app-config gives
it, brings each entity's scores, levels and check statuses in as facts with a schema;
the backend serves them through its own /facts/latest, and the stock JSON rules engine
(`@backstage-community/plugin-tech-insights-backend-module-jsonfc`) runs checks on them.

Real packages (tests/backstage/modules/install.sh): backend-defaults, the catalog and
Tech Insights backends, the JSON rules fact checker, and our module built with tsc.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import TOKEN as SCORECARDS_TOKEN
from tests.api.conftest import ApiServer, seed_store, start_server
from tests.backstage.scorecards_modules import (
    TECH_INSIGHTS_MODULE,
    TOKEN_VARIABLE,
    ModulesBackend,
    built_modules,
)
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.backstage

BACKSTAGE_TOKEN = "scorecards-tech-insights-test-token"
EXAMPLES = sorted((REPO_ROOT / "examples" / "catalog").glob("*.yaml"))
RETRIEVER = "scorecards"
SCORECARD = "service-maturity"
SILVER_OR_BETTER = "serviceMaturitySilverOrBetter"
OWNER_EXISTS = "scorecardsOwnerExists"
CHECKS = {
    SILVER_OR_BETTER: {
        "type": "json-rules-engine",
        "name": "Service maturity is Silver or better",
        "description": "scorecards rates the service Silver or Gold",
        "factIds": [RETRIEVER],
        "rule": {
            "conditions": {
                "all": [
                    {"fact": f"{SCORECARD}_rank", "operator": "greaterThanInclusive", "value": 2}
                ]
            }
        },
    },
    OWNER_EXISTS: {
        "type": "json-rules-engine",
        "name": "The owner exists",
        "description": "scorecards' owner-exists check passes",
        "factIds": [RETRIEVER],
        "rule": {
            "conditions": {
                "all": [{"fact": "check_owner-exists", "operator": "equal", "value": "pass"}]
            }
        },
    },
}


@pytest.fixture(scope="module")
def scorecards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("scorecards")
    seed_store(folder / "scores.db")
    server = start_server(
        folder, f"sqlite:///{folder / 'scores.db'}", SCORECARDS_API_READ_REQUIRES_TOKEN="true"
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def listed(scorecards: ApiServer) -> dict[str, dict[str, Any]]:
    """Every scored entity with its check statuses, as our own API lists it, by ref."""
    with scorecards.client(SCORECARDS_TOKEN) as client:
        response = client.get("/api/v1/entities", params={"limit": 500, "checks": "true"})
    response.raise_for_status()
    return {item["ref"]: item for item in response.json()["items"] if item["evaluated_at"]}


@pytest.fixture(scope="module")
def levels(scorecards: ApiServer) -> dict[str, list[str]]:
    """Each scorecard's levels, lowest first."""
    with scorecards.client(SCORECARDS_TOKEN) as client:
        response = client.get("/api/v1/scorecards")
    response.raise_for_status()
    return {card["id"]: [level["name"] for level in card["levels"]] for card in response.json()}


@pytest.fixture(scope="module")
def built() -> Path:
    return built_modules()


@pytest.fixture(scope="module")
def backstage(
    tmp_path_factory: pytest.TempPathFactory, built: Path, scorecards: ApiServer
) -> Iterator[ModulesBackend]:
    backend = start_backstage(built, tmp_path_factory.mktemp("backstage"), scorecards.url)
    try:
        payments = "component:default/payments-api"
        backend.wait_until(
            f"Tech Insights has facts of {payments}", lambda: latest(backend, payments)
        )
        yield backend
    finally:
        backend.stop()


def start_backstage(built: Path, folder: Path, scorecards_url: str) -> ModulesBackend:
    backend = ModulesBackend(
        built,
        folder,
        EXAMPLES,
        free_port(),
        BACKSTAGE_TOKEN,
        features=[
            "require('@backstage/plugin-catalog-backend')",
            "require('@backstage-community/plugin-tech-insights-backend')",
            "require('@backstage-community/plugin-tech-insights-backend-module-jsonfc')",
            f"import('{TECH_INSIGHTS_MODULE}')",
        ],
        config={
            "backend": {
                "auth": {
                    "externalAccess": [
                        {
                            "type": "static",
                            "options": {"token": BACKSTAGE_TOKEN, "subject": "scorecards-tests"},
                        }
                    ]
                }
            },
            "scorecards": {
                "baseUrl": scorecards_url,
                "token": f"${{{TOKEN_VARIABLE}}}",
                "timeoutSeconds": 5,
            },
            "techInsights": {
                "factRetrievers": {
                    "scorecardsFactRetriever": {
                        # Every 5 seconds (the scheduler reads six-field cron), so the
                        # test need not wait for a real cadence such as '*/15 * * * *'.
                        "cadence": "*/5 * * * * *",
                        "initialDelay": {"seconds": 1},
                        "lifecycle": {"maxItems": 2},
                    }
                },
                "factChecker": {"checks": CHECKS},
            },
        },
        scorecards_token=SCORECARDS_TOKEN,
    )
    backend.start()
    return backend


def latest(backend: ModulesBackend, ref: str) -> dict[str, Any] | None:
    """The facts /facts/latest serves for `ref` from our retriever, if any."""
    with backend.client() as client:
        response = client.get(
            "/api/tech-insights/facts/latest", params={"entity": ref, "ids[]": RETRIEVER}
        )
    response.raise_for_status()
    row = response.json().get(RETRIEVER)
    return row["facts"] if row else None


def expected_facts(item: dict[str, Any], levels: dict[str, list[str]]) -> dict[str, Any]:
    facts: dict[str, Any] = {"evaluated_at": item["evaluated_at"]}
    for card in item["scorecards"]:
        if card["score"] is not None:
            facts[f"{card['id']}_score"] = card["score"]
        facts[f"{card['id']}_level"] = card["level"] or "none"
        ranks = levels[card["id"]]
        facts[f"{card['id']}_rank"] = ranks.index(card["level"]) + 1 if card["level"] else 0
    for check in item["checks"]:
        facts[f"check_{check['id']}"] = check["status"]
    return facts


def run_check(backend: ModulesBackend, ref: str, check_id: str) -> bool:
    kind, _, rest = ref.partition(":")
    namespace, _, name = rest.partition("/")
    with backend.client() as client:
        response = client.post(
            f"/api/tech-insights/checks/run/{namespace}/{kind}/{name}",
            json={"checks": [check_id]},
        )
    assert response.status_code == 200, response.text
    (result,) = response.json()
    assert result["check"]["id"] == check_id
    outcome: bool = result["result"]
    return outcome


def test_the_backend_serves_every_scored_entitys_scores_levels_and_check_statuses(
    backstage, listed, levels
):
    served = {ref: latest(backstage, ref) for ref in listed}
    assert served == {ref: expected_facts(item, levels) for ref, item in listed.items()}


def test_the_fact_schema_names_every_scorecard_and_check_with_a_type(backstage, levels):
    with backstage.client() as client:
        response = client.get("/api/tech-insights/fact-schemas")
    response.raise_for_status()
    (schema,) = [s for s in response.json() if s["id"] == RETRIEVER]
    assert schema["version"].startswith("1.0.") and schema["version"] != "1.0.0"
    assert schema[f"{SCORECARD}_score"]["type"] == "float"
    assert schema[f"{SCORECARD}_level"]["type"] == "string"
    assert schema[f"{SCORECARD}_rank"]["type"] == "integer"
    assert schema["check_owner-exists"]["type"] == "string"
    assert {key for key in schema if key.endswith("_rank")} == {f"{c}_rank" for c in levels}


def test_a_stock_json_rules_check_on_the_rank_matches_the_engines_level(backstage, listed):
    rated = {
        ref: card["level"]
        for ref, item in listed.items()
        for card in item["scorecards"]
        if card["id"] == SCORECARD
    }
    assert {ref: run_check(backstage, ref, SILVER_OR_BETTER) for ref in rated} == {
        ref: level in ("Silver", "Gold") for ref, level in rated.items()
    }
    assert len(set(rated.values())) > 2, "the examples should cover several levels"


def test_a_stock_json_rules_check_on_a_check_status_matches_the_engines_status(backstage, listed):
    statuses = {
        ref: check["status"]
        for ref, item in listed.items()
        for check in item["checks"]
        if check["id"] == "owner-exists"
    }
    assert {ref: run_check(backstage, ref, OWNER_EXISTS) for ref in statuses} == {
        ref: status == "pass" for ref, status in statuses.items()
    }
    assert set(statuses.values()) >= {"pass", "fail"}


def test_unreachable_at_start_the_backend_starts_with_a_minimal_schema_and_facts_follow(
    tmp_path: Path, built: Path, listed: dict[str, dict[str, Any]], levels: dict[str, list[str]]
) -> None:
    port = free_port()
    nowhere = f"http://127.0.0.1:{port}"
    backend = start_backstage(built, tmp_path / "backstage", nowhere)
    server = None
    try:

        def schema() -> dict[str, Any] | None:
            with backend.client() as client:
                response = client.get("/api/tech-insights/fact-schemas")
            response.raise_for_status()
            return next((s for s in response.json() if s["id"] == RETRIEVER), None)

        found = backend.wait_until("the scorecards fact schema is stored", schema)
        assert (found["version"], found["evaluated_at"]["type"]) == ("1.0.0", "datetime")
        assert not [key for key in found if key.startswith("check_")]
        log = backend.log_path.read_text(errors="replace")
        assert f"scorecards at {nowhere} cannot be read, so the scorecards fact schema" in log

        seeded = tmp_path / "scorecards"
        seed_store(seeded / "scores.db")
        server = start_server(
            seeded,
            f"sqlite:///{seeded / 'scores.db'}",
            port,
            SCORECARDS_API_READ_REQUIRES_TOKEN="true",
        )
        ref = "component:default/payments-api"
        facts = backend.wait_until(f"facts of {ref} arrive", lambda: latest(backend, ref))
        assert facts == expected_facts(listed[ref], levels)
    finally:
        backend.stop()
        if server is not None:
            server.stop()
