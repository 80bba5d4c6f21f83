"""SQLite-only behaviour; the shared behaviour is in test_store_contract.py."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from scorecards.stores.sqlite import SQLiteStore

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
