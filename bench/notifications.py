"""What notifications add to a run: the same re-run with and without notification rules.

A synthetic catalog is scored once, then re-scored an hour later (unchanged inputs,
as in P3) by the same definitions, first without `notifications` (the baseline),
then with a rule that listens to every event kind. With rules, a finished run reads
what the reports read (entities, latest results, result history, facts), derives
the events and records the outcomes; nothing changed, so nothing is sent. Printed:
both re-runs and their ratio, and `notify_run` alone.

Usage: python -m bench.notifications [--entities 10000] [--checks 50] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bench.common import NOW, machine
from bench.synthetic import write_catalog, write_definitions
from scorecards.engine.loading import load_definitions
from scorecards.notifications.dispatch import notify_run
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.facts import Fact
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.stores.sqlite import SQLiteStore

RULE = """
notifications:
  - id: everything
    events: [level-dropped, level-rose, check-failing, check-recovered, campaign-due,
             campaign-overdue, exemption-expiring]
    severities: [critical, high, medium, low]
    destinations:
      - type: webhook
        default: BENCH_WEBHOOK_URL_UNSET
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scorecards-notify-") as folder:
        root = Path(folder)
        definitions_folder = write_definitions(root / "definitions", args.checks)
        plain = load_definitions(definitions_folder)
        (definitions_folder / "notifications.yaml").write_text(RULE)
        with_rules = load_definitions(definitions_folder)
        assert replace(with_rules, notifications={}) == plain
        catalog, _ = write_catalog(root, args.entities)
        entities = load_catalog_files(catalog)
        # Catalog facts only: the synthetic fact files repeat YAML anchors past the loader's bound.
        pushed: list[Fact] = []
        store = SQLiteStore(root / "scorecards.db")
        run_in_process(store, plain, entities, [*catalog_facts(entities, NOW), *pushed], NOW)

        def rerun(hour: int, rules: bool) -> float:
            now = NOW + timedelta(hours=hour)
            start = time.perf_counter()
            facts = [*catalog_facts(entities, now), *pushed]
            run_in_process(store, with_rules if rules else plain, entities, facts, now)
            return time.perf_counter() - start

        hour = 0
        baseline, notified = [], []
        for _ in range(args.repeats):
            hour += 1
            baseline.append(rerun(hour, rules=False))
            hour += 1
            notified.append(rerun(hour, rules=True))
        start = time.perf_counter()
        report = notify_run(store, with_rules, NOW + timedelta(hours=hour), dry_run=True)
        alone = time.perf_counter() - start
        store.close()

    best_base, best_notified = min(baseline), min(notified)
    print(f"Notifications after a run, embedded SQLite — {machine()}")
    print(f"  {len(entities)} entities x {len(plain.checks)} checks, re-run with unchanged inputs")
    print(f"  re-run without notification rules   {best_base:7.2f} s  (best of {args.repeats})")
    print(
        f"  re-run with a rule for every event   {best_notified:7.2f} s  "
        f"({best_notified / best_base:.2f}x the baseline)"
    )
    print(
        f"  notify_run alone (dry)               {alone:7.2f} s  ({len(report.messages)} messages)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
