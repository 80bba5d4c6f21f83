"""P2: 10,000 entities x 50 checks scored end to end on the embedded SQLite store.

End to end is what `scorecards run` does in-process: read the definitions, the
catalog files and the pushed fact files, derive the catalog facts, then plan the
run (store entities and facts), evaluate every batch and store the results. The
catalog (the bundled examples copied to 10,000 entities, YAML files) and a
50-check definitions folder (the bundled packs topped up, see bench/synthetic.py)
are generated in a temporary folder first, outside the timing.

Prints each phase's time, the total against issue 17's 2.0 s target and as a
multiple of the baseline measured in the same run (libyaml's CSafeLoader reading
the same catalog and fact files, nothing else), and the store's size per entity
with what it holds.

Usage: python -m bench.p2_end_to_end [--entities 10000] [--checks 50] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.common import NOW, libyaml_seconds, machine
from bench.synthetic import write_catalog, write_definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.runs.orchestrator import DEFAULT_BATCH_SIZE, run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.sqlite import SQLiteStore

TARGET_SECONDS = 2.0
TARGET_STORE_BYTES = 5_000  # per entity
T = TypeVar("T")


class Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, name: str, work: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = work()
        self.seconds[name] = time.perf_counter() - start
        return result

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def score_end_to_end(
    root: Path,
    definitions_folder: Path,
    catalog: Path,
    facts: Path,
    batch_size: int,
    phases: Phases,
) -> SQLiteStore:
    definitions = phases.time("load definitions", lambda: load_definitions(definitions_folder))
    entities = phases.time("read catalog files", lambda: load_catalog_files(catalog))
    pushed = phases.time("read fact files", lambda: load_fact_files(facts, NOW))
    derived = phases.time("catalog facts", lambda: catalog_facts(entities, NOW))
    store = SQLiteStore(root / "scorecards.db")
    run = phases.time(
        "store, evaluate, store results",
        lambda: run_in_process(store, definitions, entities, [*derived, *pushed], NOW, batch_size),
    )
    assert run.entities_done == len(entities), run
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scorecards-p2-") as folder:
        root = Path(folder)
        definitions_folder = write_definitions(root / "definitions", args.checks)
        catalog, facts = write_catalog(root, args.entities)
        baseline = libyaml_seconds([catalog, facts])
        phases = Phases()
        store = score_end_to_end(root, definitions_folder, catalog, facts, args.batch_size, phases)
        evaluations = len(store.latest_evaluations())
        store.close()
        tables = table_bytes(root / "scorecards.db")

    print(f"P2 end-to-end run, embedded SQLite — {machine()}")
    print(f"  {evaluations} entities x {args.checks} checks, batches of {args.batch_size}")
    print(f"  {'libyaml reading the same files (baseline)':<42} {baseline:7.2f} s")
    for name, seconds in phases.seconds.items():
        print(f"  {name:<42} {seconds:7.2f} s")
    verdict = "meets" if phases.total <= TARGET_SECONDS else "MISSES"
    print(
        f"  {'total':<42} {phases.total:7.2f} s  ({phases.total / baseline:.2f}x the baseline; "
        f"{evaluations / phases.total:,.0f} entities/s; {verdict} the {TARGET_SECONDS:g} s target)"
    )
    per_entity = sum(tables.values()) / evaluations
    verdict = "meets" if per_entity <= TARGET_STORE_BYTES else "MISSES"
    print(
        f"  store {per_entity / 1000:.1f} KB per entity ({verdict} the "
        f"{TARGET_STORE_BYTES / 1000:g} KB target): "
        + ", ".join(f"{name} {size / evaluations:,.0f} B" for name, size in tables.items())
    )
    return 0 if phases.total <= TARGET_SECONDS else 1


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes each table holds with its indexes (SQLite's dbstat), largest first."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat AS d "
            "LEFT JOIN sqlite_master AS m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    return {str(name): int(size) for name, size in rows if size}


if __name__ == "__main__":
    sys.exit(main())
