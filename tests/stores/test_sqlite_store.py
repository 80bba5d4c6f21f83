"""SQLite-only behaviour; the shared behaviour is in test_store_contract.py."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from scorecards.errors import StoreError
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.facts import Fact
from scorecards.records.results import CheckResult, EntityEvaluation, Status
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW

PROCESSES = 6
ROUNDS = 40


def open_store_after(barrier: Barrier, path: Path, errors: multiprocessing.Queue[str]) -> None:
    barrier.wait()
    try:
        SQLiteStore(path).close()
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_file_at_once_all_get_the_store(tmp_path: Path) -> None:
    # Two CI gates or a worker pool may open a store file that does not exist yet.
    context = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue[str] = context.Queue()
    for round_ in range(ROUNDS):
        path = tmp_path / f"store-{round_}.db"
        barrier = context.Barrier(PROCESSES)
        processes = [
            context.Process(target=open_store_after, args=(barrier, path, errors))
            for _ in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [process.exitcode for process in processes] == [0] * PROCESSES
    assert errors.empty(), errors.get()


OLD_LAYOUT = """
CREATE TABLE entities (ref TEXT PRIMARY KEY, document TEXT NOT NULL);
CREATE TABLE facts_latest (
    entity TEXT NOT NULL, source TEXT NOT NULL, timestamp TEXT NOT NULL, facts TEXT NOT NULL,
    PRIMARY KEY (entity, source));
CREATE TABLE facts_history (
    entity TEXT NOT NULL, source TEXT NOT NULL, timestamp TEXT NOT NULL, facts TEXT NOT NULL,
    PRIMARY KEY (entity, source, timestamp));
"""


def test_a_file_from_before_result_stamps_keeps_its_results_reusable(tmp_path: Path) -> None:
    ref = "component:default/payments-api"
    stored = EntityEvaluation(
        ref, NOW, "v1", [CheckResult("has-owner", Status.PASS)], [], "digest", NOW
    )
    row = (ref, "scorecards", format_timestamp(NOW), json.dumps(stored.to_dict()))
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.executescript(OLD_LAYOUT)
        db.execute("INSERT INTO facts_latest VALUES (?, ?, ?, ?)", row)
        db.execute("INSERT INTO facts_history VALUES (?, ?, ?, ?)", row)
    store = SQLiteStore(tmp_path / "old.db")
    stamp = store.latest_evaluation_stamps([ref])[ref]
    assert (stamp.input_hash, stamp.evaluated_at, stamp.valid_until) == ("digest", NOW, NOW)
    store.confirm_evaluations([ref], NOW + timedelta(hours=1))
    assert store.latest_evaluations([ref])[ref].evaluated_at == NOW + timedelta(hours=1)
    assert store.evaluation_history(ref) == [stored]
    store.close()


def fifty_check_evaluation(ref: str) -> EntityEvaluation:
    checks = [
        CheckResult(f"check-{n:02d}", Status.FAIL, f"check {n} failed for {ref}") for n in range(50)
    ]
    return EntityEvaluation(ref, NOW, "v1", checks, [], "digest", None)


def stored_values(path: Path, table: str) -> list[object]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute(f"SELECT facts FROM {table}")]


def test_a_large_result_is_stored_compressed_and_read_back_whole(tmp_path: Path) -> None:
    ref = "component:default/payments-api"
    evaluation = fifty_check_evaluation(ref)
    store = SQLiteStore(tmp_path / "store.db")
    store.write_evaluations([evaluation])
    assert store.latest_evaluations([ref])[ref] == evaluation
    assert store.evaluation_history(ref) == [evaluation]
    store.close()
    for table in ("facts_latest", "facts_history"):
        (value,) = stored_values(tmp_path / "store.db", table)
        assert isinstance(value, bytes)
        assert len(value) < len(json.dumps(evaluation.to_dict())) / 4


def test_small_fact_values_stay_readable_json_text(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    store.write_facts([Fact("component:default/a", "ci", NOW, {"coverage": 87.5, "ok": True})])
    store.close()
    assert stored_values(tmp_path / "store.db", "facts_latest") == ['{"coverage":87.5,"ok":true}']


def test_an_older_file_is_reencoded_and_its_unchanged_facts_add_no_history(
    tmp_path: Path,
) -> None:
    # Files written before the compact encoding held `json.dumps(values, sort_keys=True)`.
    ref = "component:default/payments-api"
    values = {"coverage": 87.5, "owner": "team-a"}
    evaluation = fifty_check_evaluation(ref)
    path = tmp_path / "old.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 0")
        for source, stored in (("ci", values), ("scorecards", evaluation.to_dict())):
            row = (ref, source, format_timestamp(NOW), json.dumps(stored, sort_keys=True))
            db.execute("INSERT INTO facts_latest VALUES (?, ?, ?, ?)", row)
            db.execute("INSERT INTO facts_history VALUES (?, ?, ?, ?)", row)
    store = SQLiteStore(path)
    assert store.latest_facts([ref], ["ci"])[ref]["ci"].values == values
    assert store.evaluation_history(ref) == [evaluation]
    store.write_facts([Fact(ref, "ci", NOW + timedelta(hours=1), dict(values))])
    store.write_evaluations([fifty_check_evaluation(ref)])
    assert len(store.fact_history(ref, "ci")) == 1
    assert len(store.evaluation_history(ref)) == 1
    store.close()
    with sqlite3.connect(path) as db:
        kinds = dict(db.execute("SELECT source, typeof(facts) FROM facts_history"))
    assert kinds == {"ci": "text", "scorecards": "blob"}


def test_a_damaged_stored_value_is_a_store_error_naming_what_to_do(tmp_path: Path) -> None:
    ref = "component:default/payments-api"
    store = SQLiteStore(tmp_path / "store.db")
    store.write_evaluations([fifty_check_evaluation(ref)])
    with sqlite3.connect(tmp_path / "store.db") as db:
        db.execute("UPDATE facts_latest SET facts = X'28b52ffd00deadbeef'")
    with pytest.raises(StoreError, match=r"damaged.*restore the store from a backup"):
        store.latest_evaluations([ref])
    store.close()
