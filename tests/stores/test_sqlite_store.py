"""SQLite-only behaviour; the shared behaviour is in test_store_contract.py."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

from scorecards.formats.timeutil import format_timestamp
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
