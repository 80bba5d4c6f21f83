"""P1: check-evaluation throughput against Backstage Tech Insights' json-rules-engine.

Both engines evaluate the same checks (bench/jre/rules.json holds json-rules-engine
rules equivalent to a subset of the bundled checks) over the same entities (the
bundled example catalog and facts, copied to reach a few thousand entities), in
the same run. The bench first checks that both pass exactly the same (entity,
check) pairs, then prints evaluations per second and the ratio (target: >= 2x).

json-rules-engine runs through Node when it is installed; it is installed into
~/.cache/scorecards-bench (outside the repository) on first use:
    npm install --prefix ~/.cache/scorecards-bench json-rules-engine@6

Also printed: the same checks written by hand as plain Python functions
(bench/p1_hand_written.py, the speed a rule engine aims at), our rate against the
1.5 M evaluations/s target and as a share of the hand-written rate (target: within
2.5x), the load average beside each figure; for context, the same checks on
Google's cel-cpp through cel-expr-python (a dev dependency), and all bundled
checks with scorecards.

Usage: python -m bench.p1_evaluation [--copies 30] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import (
    CACHE,
    NOW,
    Bundled,
    best_of,
    bundled,
    machine,
    only_checks,
    replicate,
    snapshots,
)
from bench.p1_hand_written import CHECKS as HAND_WRITTEN
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status

RULES = Path(__file__).parent / "jre" / "rules.json"
TARGET = 1_500_000  # evaluations per second (issue 17, item 3)
HAND_WRITTEN_RATIO = 2.5  # at most this many times slower than hand-written Python
RUNNER = Path(__file__).parent / "jre" / "run.js"


def ensure_json_rules_engine() -> Path | None:
    """The node_modules folder holding json-rules-engine, installing it if npm is there."""
    modules = CACHE / "node_modules"
    if (modules / "json-rules-engine").is_dir():
        return modules
    if shutil.which("npm") is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(CACHE),
            "--no-audit",
            "--no-fund",
            "json-rules-engine@6",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        print(f"npm install json-rules-engine failed: {result.stderr.strip()[-500:]}")
        return None
    return modules


def run_json_rules_engine(
    data: Bundled, rules: dict[str, Any], repeats: int, flat: bool
) -> dict[str, Any]:
    modules = ensure_json_rules_engine()
    if modules is None or shutil.which("node") is None:
        raise RuntimeError("node and npm are needed to run json-rules-engine")
    facts = snapshots(data.facts)
    entities = []
    for entity in data.entities:
        github = facts.get(entity_ref(entity), {}).get("github")
        entities.append(
            {
                "ref": entity_ref(entity),
                "entity": entity,
                "github": dict(github.values) if github is not None else {},
            }
        )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"rules": rules, "entities": entities, "repeats": repeats, "flat": flat}, handle)
        path = handle.name
    try:
        env = {**os.environ, "NODE_PATH": str(modules)}
        result = subprocess.run(
            ["node", str(RUNNER), path], capture_output=True, text=True, env=env, timeout=1800
        )
    finally:
        os.unlink(path)
    if result.returncode != 0:
        raise RuntimeError(f"json-rules-engine run failed: {result.stderr.strip()[-1000:]}")
    output: dict[str, Any] = json.loads(result.stdout)
    return output


def run_scorecards(
    definitions: Definitions, data: Bundled, repeats: int
) -> tuple[float, set[tuple[str, str]]]:
    facts = snapshots(data.facts)
    items = [(e, facts.get(entity_ref(e), {})) for e in data.entities]

    def work() -> list[Any]:
        return [evaluate_entity(definitions, e, f, NOW) for e, f in items]

    passes = {
        (evaluation.entity_ref, result.check_id)
        for evaluation in work()
        for result in evaluation.checks
        if result.status is Status.PASS
    }
    return best_of(repeats, work), passes


def run_hand_written(
    ids: list[str], data: Bundled, repeats: int
) -> tuple[float, set[tuple[str, str]]]:
    """The same checks as plain Python functions, over the same entities and fact values."""
    facts = snapshots(data.facts)
    inputs = [
        (entity_ref(e), e, {s: f.values for s, f in facts.get(entity_ref(e), {}).items()})
        for e in data.entities
    ]
    checks = [HAND_WRITTEN[i] for i in ids]

    def work() -> list[list[str]]:
        return [[check(entity, values) for check in checks] for _, entity, values in inputs]

    passes = {
        (ref, check_id)
        for (ref, _, _), statuses in zip(inputs, work(), strict=True)
        for check_id, status in zip(ids, statuses, strict=True)
        if status == "pass"
    }
    return best_of(repeats, work), passes


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_cel_cpp(definitions: Definitions, data: Bundled, repeats: int) -> float | None:
    """The same applies/rule expressions on Google's cel-cpp (cel-expr-python), for reference.

    None when cel-expr-python (a dev dependency) is not installed.
    """
    try:
        from cel_expr_python import cel
        from cel_expr_python.ext import ext_optional, ext_strings
    except ImportError:
        return None
    environment = cel.NewEnv(
        variables={name: cel.Type.DYN for name in ("entity", "facts", "now")},
        extensions=[ext_strings.ExtStrings(), ext_optional.ExtOptional()],
    )
    programs = [
        (
            environment.compile(check.applies.source, disable_check=True)
            if check.applies
            else None,
            environment.compile(check.rule.source, disable_check=True),
        )
        for check in definitions.checks.values()
    ]
    facts = snapshots(data.facts)
    inputs = [
        {
            "entity": entity,
            "facts": {s: dict(f.values) for s, f in facts.get(entity_ref(entity), {}).items()},
            "now": NOW,
        }
        for entity in data.entities
    ]

    def work() -> None:
        for variables in inputs:
            for applies, rule in programs:
                if applies is None or applies.eval(data=variables).plain_value() is True:
                    rule.eval(data=variables)

    return best_of(repeats, work)


def load_rules(definitions: Definitions) -> dict[str, Any]:
    rules: dict[str, Any] = {k: v for k, v in json.loads(RULES.read_text()).items() if k[0] != "_"}
    missing = [i for i in rules if i not in definitions.checks]
    if missing:
        print(f"note: bundled checks renamed or removed, left out: {', '.join(missing)}")
    return {k: v for k, v in rules.items() if k not in missing}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=30, help="copies of the example catalog")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    base = bundled()
    rules = load_rules(base.definitions)
    subset = only_checks(base.definitions, list(rules))
    data = replicate(base, args.copies, fresh=True)
    evaluations = len(data.entities) * len(subset.checks)

    print(f"P1 check evaluation throughput — {machine()}")
    print(
        f"  {len(data.entities)} entities x {len(subset.checks)} checks = {evaluations} evaluations"
    )
    ours, our_passes = run_scorecards(subset, data, args.repeats)
    ours_load = load()
    hand, hand_passes = run_hand_written(list(subset.checks), data, args.repeats)
    ours_rate, hand_rate = evaluations / ours, evaluations / hand
    print(
        f"  scorecards (compiled CEL)    {ours_rate:>12,.0f} evals/s  "
        f"({ours / evaluations * 1e6:.2f} µs each; {ours_load})"
    )
    print(
        f"  hand-written Python          {hand_rate:>12,.0f} evals/s  "
        f"({hand / evaluations * 1e6:.2f} µs each; {load()})"
    )
    slower = hand_rate / ours_rate
    print(
        f"  ours: {ours_rate / TARGET:.0%} of the {TARGET / 1e6:g} M evals/s target "
        f"({'meets' if ours_rate >= TARGET else 'MISSES'} it), {slower:.2f}x slower than "
        f"hand-written Python ({'within' if slower <= HAND_WRITTEN_RATIO else 'NOT within'} "
        f"{HAND_WRITTEN_RATIO:g}x)"
    )
    status = 0
    if hand_passes != our_passes:
        status = 1
        print(
            f"    hand-written Python and ours differ on {len(hand_passes ^ our_passes)} "
            f"(entity, check) pairs, e.g. {sorted(hand_passes ^ our_passes)[:3]}"
        )

    rates: dict[str, float] = {}
    for flat, label in ((True, "flat facts"), (False, "JSONPath facts")):
        try:
            theirs = run_json_rules_engine(data, rules, args.repeats, flat)
        except RuntimeError as exc:
            print(f"  json-rules-engine            not run: {exc}")
            status = 1
            break
        rates[label] = theirs["evaluations"] / theirs["seconds"]
        print(
            f"  json-rules-engine, {label:<15}{rates[label]:>8,.0f} evals/s  "
            f"({theirs['seconds'] / theirs['evaluations'] * 1e6:.2f} µs each)"
        )
        disagree = our_passes ^ {(ref, check) for ref, check in theirs["passes"]}
        if disagree:
            status = 1
            print(f"    {len(disagree)} (entity, check) decisions differ from ours, e.g.:")
            for ref, check in sorted(disagree)[:5]:
                print(f"      {check} on {ref}")
    if rates:
        baseline = max(rates.values())  # the faster json-rules-engine setup
        ratio = ours_rate / baseline
        verdict = "meets" if ratio >= 2 else "MISSES"
        print(
            f"  ratio to the faster json-rules-engine setup: {ratio:.2f}x ({verdict} the 2x target); "
            f"both engines pass the same {len(our_passes)} (entity, check) pairs"
            if status == 0
            else f"  ratio to the faster json-rules-engine setup: {ratio:.2f}x"
        )
        status = status or (0 if ratio >= 2 else 1)

    seconds_cpp = run_cel_cpp(subset, data, args.repeats)
    if seconds_cpp is None:
        print("  cel-cpp (cel-expr-python)    not installed (pip install cel-expr-python)")
    else:
        print(
            f"  cel-cpp (cel-expr-python)    {evaluations / seconds_cpp:>12,.0f} evals/s  "
            f"(ours is {seconds_cpp / ours:.2f}x its rate; {load()})"
        )

    everything = len(data.entities) * len(base.definitions.checks)
    seconds, _ = run_scorecards(base.definitions, data, max(1, args.repeats // 2))
    print(
        f"  all {len(base.definitions.checks)} bundled checks + {len(base.definitions.scorecards)} "
        f"scorecards: {everything / seconds:,.0f} evals/s, {len(data.entities) / seconds:,.0f} "
        f"entities/s ({load()})"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
