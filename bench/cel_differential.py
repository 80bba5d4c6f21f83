"""The CEL engine against cel-cpp on generated rules, far longer than the tests run.

    python -m bench.cel_differential [--cases 500000] [--seed 0] [--show 20]

Runs the generators of tests/cel/test_differential.py (Hypothesis draws the
entities, facts and `now`; a seeded Random the expressions), rotating through
its mixes of expressions (rule-like, deeper, ill-typed), and compares each
(expression, data) case's outcome on both engines: the same value of the same
CEL type, or an error on both. Prints the number of cases, agreements and
disagreements, each distinct disagreement reduced to a small reproducer, and
the cases cel-cpp's binding cannot judge. Exit status 1 when any disagree.

The known differences between cel-cpp and CEL (tests/cel/oracle.py) are kept
clear of as in the tests. The same --seed gives the same cases.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from hypothesis import given, seed, settings

from bench.common import machine
from tests.cel.test_differential import (
    EXPRESSIONS_PER_EXAMPLE,
    MIXES,
    PROFILE,
    SCENARIOS_PER_EXAMPLE,
    Differ,
    Disagreement,
    Scenario,
    seeds,
    world,
)

PROGRESS_EVERY = 30.0  # seconds


def run(
    cases: int, random_seed: int, progress: Callable[[Differ, int], None]
) -> tuple[Differ, list[Disagreement]]:
    """Compare at least `cases` cases; the differ (with its counts) and the disagreements."""
    differ = Differ()
    found: list[Disagreement] = []
    examples = -(-cases // (EXPRESSIONS_PER_EXAMPLE * SCENARIOS_PER_EXAMPLE))
    done = [0]

    @seed(random_seed)
    @settings(PROFILE, max_examples=examples, derandomize=False)
    @given(expression_seed=seeds, scenarios=world)
    def compare(expression_seed: int, scenarios: list[Scenario]) -> None:
        mix = MIXES[done[0] % len(MIXES)]
        found.extend(differ.compare(mix.nodes(expression_seed, EXPRESSIONS_PER_EXAMPLE), scenarios))
        done[0] += 1
        progress(differ, len(found))

    compare()
    return differ, found


def reduced(differ: Differ, found: list[Disagreement], show: int, budget: float) -> dict[str, Any]:
    """Up to `show` distinct disagreements, reduced, within `budget` seconds: text -> (report, count)."""
    reports: dict[str, list[Any]] = {}
    deadline = time.monotonic() + budget
    for disagreement in found:
        if time.monotonic() > deadline:
            break
        small = differ.minimal(disagreement)
        if small.node.text in reports:
            reports[small.node.text][1] += 1
        elif len(reports) < show:
            reports[small.node.text] = [small.report(), 1]
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, default=500_000, help="(expression, data) cases to compare"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Hypothesis' seed: the same seed, the same cases"
    )
    parser.add_argument(
        "--show", type=int, default=20, help="distinct disagreements to reduce and print"
    )
    parser.add_argument(
        "--reduce-seconds", type=float, default=300.0, help="time allowed for reducing"
    )
    args = parser.parse_args(argv)

    print(f"CEL differential: scorecards.cel against cel-cpp — {machine()}")
    start = time.monotonic()
    last = [start]

    def progress(differ: Differ, disagreements: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            rate = differ.cases / (now - start)
            print(
                f"  ... {differ.cases:,} cases, {disagreements:,} disagreements ({rate:,.0f} cases/s)",
                file=sys.stderr,
            )

    differ, found = run(args.cases, args.seed, progress)
    elapsed = time.monotonic() - start
    agreements = differ.cases - len(found)
    print(
        f"  cases          {differ.cases:>10,}  ({differ.cases / elapsed:,.0f}/s over {elapsed:,.0f} s)"
    )
    print(
        f"  agreements     {agreements:>10,}  (of which both erred: {differ.errors - _engine_errors_in(found):,})"
    )
    print(f"  disagreements  {len(found):>10,}")
    print(f"  unjudged       {differ.unjudged:>10,}  (results cel-cpp's binding cannot hand over)")
    if not found:
        return 0
    reports = reduced(differ, found, args.show, args.reduce_seconds)
    print(
        f"\n{len(reports)} distinct disagreement(s) among those reduced (count: reduced to the same):"
    )
    for report, count in reports.values():
        print(f"\n--- x{count}\n{report}")
    return 1


def _engine_errors_in(found: list[Disagreement]) -> int:
    return sum(1 for d in found if d.engine == ("error", None))


if __name__ == "__main__":
    sys.exit(main())
