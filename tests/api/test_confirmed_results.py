"""What the API answers after a run that changed nothing: history holds changes, the
latest record says when it was last confirmed (collected again, or scored again).

A real server over a store with two embedded runs of the examples a day apart, the
second with the same catalog and facts: payments-api's results and facts did not
change, so they have one history point and a latest record of the second run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.sqlite import SQLiteStore
from tests.api.conftest import CATALOG, DEFINITIONS, FACTS, ApiServer, seed_store, start_server
from tests.conftest import NOW

LATER = NOW + timedelta(days=1)
SEEDED = "2026-11-25T12:00:00.000000Z"
CONFIRMED = "2026-11-26T12:00:00.000000Z"
PAYMENTS = "component:default/payments-api"
RANGE = {"entity": PAYMENTS, "startDatetime": "2026-11-01T00:00:00Z"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("confirmed")
    path = folder / "scores.db"
    seed_store(path)
    rerun_unchanged(path)
    server = start_server(folder / "server", f"sqlite:///{path}")
    yield server
    server.stop()


def rerun_unchanged(path: Path) -> None:
    entities = load_catalog_files(CATALOG)
    facts = [*catalog_facts(entities, LATER), *load_fact_files(FACTS, LATER)]
    store = SQLiteStore(path)
    try:
        run_in_process(store, load_definitions(DEFINITIONS), entities, facts, LATER)
    finally:
        store.close()


def test_the_entity_history_is_the_change_then_the_run_that_confirmed_it(api):
    with api.client() as client:
        body = client.get("/api/v1/entities/component/default/payments-api/history").json()
    assert [point["evaluated_at"] for point in body["points"]] == [SEEDED, CONFIRMED]
    assert body["points"][0]["scorecards"] == body["points"][1]["scorecards"]


def test_the_explained_entity_was_evaluated_at_the_confirming_run(api):
    with api.client() as client:
        body = client.get("/api/v1/entities/component/default/payments-api").json()
    assert body["evaluated_at"] == CONFIRMED


def test_facts_latest_dates_results_and_facts_at_their_last_confirmation(api):
    params = {"entity": PAYMENTS, "ids[0]": "scorecards", "ids[1]": "github"}
    with api.client() as client:
        body = client.get("/api/tech-insights/facts/latest", params=params).json()
    assert body["scorecards"]["timestamp"] == CONFIRMED
    assert body["scorecards"]["facts"]["evaluated_at"] == CONFIRMED
    assert body["github"]["timestamp"] == CONFIRMED


def test_facts_range_ends_with_the_last_confirmation_of_unchanged_values(api):
    params = {**RANGE, "ids[0]": "github", "ids[1]": "scorecards", "endDatetime": "2026-12-01"}
    with api.client() as client:
        body = client.get("/api/tech-insights/facts/range", params=params).json()
    for source in ("github", "scorecards"):
        assert [row["timestamp"] for row in body[source]] == [SEEDED, CONFIRMED], source
    assert body["github"][0]["facts"] == body["github"][1]["facts"]


def test_facts_range_ending_before_the_confirmation_holds_only_the_change(api):
    params = {**RANGE, "ids[0]": "github", "endDatetime": "2026-11-26T00:00:00Z"}
    with api.client() as client:
        body = client.get("/api/tech-insights/facts/range", params=params).json()
    assert [row["timestamp"] for row in body["github"]] == [SEEDED]


def test_a_check_result_still_shows_the_facts_it_read_after_they_were_collected_again(api):
    with api.client() as client:
        response = client.post(
            "/api/tech-insights/checks/run/default/component/payments-api",
            json={"checks": ["no-critical-dependabot-alerts"]},
        )
    (result,) = response.json()
    assert result["facts"]["dependabot_alerts_critical"]["value"] == 0
