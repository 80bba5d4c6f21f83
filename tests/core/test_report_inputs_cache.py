"""Report inputs are read once and shared by page views until a run writes results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.reports.inputs import ReportInputsCache
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW

REF = "component:default/payments-api"
CHECKS = """
checks:
  - id: has-description
    name: Has a description
    severity: high
    rule: '"description" in entity.metadata'
"""


def component(**metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "payments-api", **metadata},
        "spec": {"owner": "payments-team"},
    }


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def definitions(load: Callable[..., Definitions]) -> Definitions:
    return load(**{"checks.yaml": CHECKS})


@pytest.fixture
def store(tmp_path: Path, definitions: Definitions) -> SQLiteStore:
    scored = SQLiteStore(tmp_path / "scorecards.db")
    run_in_process(scored, definitions, [component()], catalog_facts([component()], NOW), NOW)
    return scored


def status(cache: ReportInputsCache, store: SQLiteStore) -> str:
    return cache.get(store).latest[REF].checks[0].status.value


def test_a_second_read_reuses_the_inputs_of_the_first(store: SQLiteStore) -> None:
    cache = ReportInputsCache(clock=Clock())
    assert cache.get(store) is cache.get(store)


def test_a_run_that_writes_results_is_seen_by_the_next_read(
    store: SQLiteStore, definitions: Definitions
) -> None:
    cache = ReportInputsCache(clock=Clock())
    assert status(cache, store) == "fail"
    run_in_process(
        store, definitions, [component(description="Pays")], [], NOW + timedelta(hours=1)
    )
    assert status(cache, store) == "pass"


def test_inputs_older_than_their_max_age_are_read_again(store: SQLiteStore) -> None:
    clock = Clock()
    cache = ReportInputsCache(max_age=30, clock=clock)
    first = cache.get(store)
    clock.seconds = 29
    assert cache.get(store) is first
    clock.seconds = 31
    assert cache.get(store) is not first


def test_the_inputs_include_the_latest_facts_campaigns_read(store: SQLiteStore) -> None:
    assert REF in ReportInputsCache(clock=Clock()).get(store).facts
