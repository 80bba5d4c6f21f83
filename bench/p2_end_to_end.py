"""P2: 10,000 entities x 50 checks scored end to end on the embedded SQLite store.

End to end is what `scorecards run` does in-process: read the definitions, the
catalog files and the pushed fact files, derive the catalog facts, then plan the
run (store entities and facts), evaluate every batch and store the results. The
catalog (the bundled examples copied to 10,000 entities, YAML files) and a
50-check definitions folder (the bundled packs topped up, see bench/synthetic.py)
are generated in a temporary folder first, outside the timing.

Prints each phase's time and the total against the 20 s target.

Usage: python -m bench.p2_end_to_end [--entities 10000] [--checks 50] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench.common import NOW, machine
from bench.synthetic import write_catalog, write_definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.runs.orchestrator import DEFAULT_BATCH_SIZE, run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.sqlite import SQLiteStore

TARGET_SECONDS = 20.0
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
        phases = Phases()
        store = score_end_to_end(root, definitions_folder, catalog, facts, args.batch_size, phases)
        evaluations = len(store.latest_evaluations())
        size_mb = (root / "scorecards.db").stat().st_size / 1e6

    print(f"P2 end-to-end run, embedded SQLite — {machine()}")
    print(f"  {evaluations} entities x {args.checks} checks, batches of {args.batch_size}")
    for name, seconds in phases.seconds.items():
        print(f"  {name:<32} {seconds:7.2f} s")
    verdict = "meets" if phases.total <= TARGET_SECONDS else "MISSES"
    print(
        f"  total                            {phases.total:7.2f} s  "
        f"({verdict} the {TARGET_SECONDS:g} s target; {evaluations / phases.total:,.0f} entities/s, "
        f"store {size_mb:.0f} MB)"
    )
    return 0 if phases.total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
