"""Copying a store into another (scorecards/stores/copying.py), from and to every kind of store;
the CLI's round trip through all three kinds is in tests/cli/test_store_copy.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.errors import StoreError
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.runs import RunOwner
from scorecards.stores import Fact, Retention, Run, RunState, Store
from scorecards.stores.copying import copy_store
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW
from tests.stores.test_store_contract import API, LEDGER, WEB, at, entity, evaluation, fact

NOTIFIED = NotificationRecord(
    key="nudges|slack|SLACK_PAYMENTS|level-dropped:payments-api",
    rule="nudges",
    event="level-dropped",
    title="payments-api dropped to Bronze",
    team="group:default/payments",
    destination="slack",
    address="SLACK_PAYMENTS",
    outcome=Outcome.SENT,
    at=NOW,
    entity=API,
    attempts=1,
)


def fill(store: Store) -> None:
    """A store with what history can hold: changes, values that change back, a
    confirmation, a point older than the latest, results, an entity that left, runs."""
    store.put_entities([entity("payments-api"), entity("ledger-service")])
    store.write_facts([fact(API, "ci", 0, n=1), fact(API, "ci", 1, n=2), fact(API, "ci", 2, n=1)])
    store.write_facts([fact(API, "ci", 5, n=1), fact(API, "ci", 3, n=7)])  # confirm, then older
    store.write_facts([fact(LEDGER, "github", 0, stars=3), fact(WEB, "ci", 0, n=9)])
    store.write_evaluations([evaluation(API, 0, 50.0), evaluation(LEDGER, 0, 100.0)])
    store.write_evaluations([evaluation(API, 1, 100.0)])
    store.confirm_evaluations([API, LEDGER], at(4))
    store.remove_entities([WEB])
    store.create_run(Run("run-0", RunState.SUCCEEDED, at(0), at(0), "v1", 2, 1))
    owner = RunOwner("ci-host", 4242)
    abandoned = Run("run-1", RunState.ABANDONED, at(1), at(1), "v1", 2, 1, owner=owner)
    store.create_run(abandoned)
    store.update_run("run-1", errors=["batch b1: gone"], entities_done=1)
    store.record_notifications([NOTIFIED])


def contents(store: Store) -> dict[str, Any]:
    keys = store.history_keys()
    return {
        "entities": store.get_entities(store.list_entity_refs()),
        "latest": store.latest_facts(),
        "history": store.fact_histories(keys),
        "keys": keys,
        "timelines": {ref: store.evaluation_timeline(ref) for ref in (API, LEDGER)},
        "runs": store.list_runs(),
        "notifications": store.list_notifications(),
    }


@pytest.fixture
def other(tmp_path: Path) -> Store:
    return SQLiteStore(tmp_path / "other.db", Retention(max_items=None, max_age=None))


def test_a_copy_from_any_store_holds_what_the_original_holds(store: Store, other: Store) -> None:
    fill(store)
    report = copy_store(store, other, chunk=1)
    assert contents(other) == contents(store)
    assert len(contents(store)["history"][API, "ci"]) == 4
    assert (report.entities, report.runs, report.notifications) == (2, 2, 1)
    assert report.latest_facts == 4
    other.close()


def test_a_copy_into_any_store_holds_what_the_original_holds(store: Store, other: Store) -> None:
    fill(other)
    copy_store(other, store)
    assert contents(store) == contents(other)
    assert store.evaluation_history(API)[-1].evaluated_at == at(1)
    assert store.latest_evaluations([API])[API].evaluated_at == at(4)
    assert store.latest_facts([WEB]) == {} and store.fact_history(WEB, "ci") != []
    other.close()


def test_copying_into_a_store_that_holds_anything_is_refused_and_writes_nothing(
    store: Store, other: Store
) -> None:
    fill(other)
    store.write_facts([Fact(LEDGER, "ci", NOW + timedelta(days=1), {"n": 1})])
    before = contents(store)
    with pytest.raises(StoreError, match="already holds"):
        copy_store(other, store)
    assert contents(store) == before
    other.close()
