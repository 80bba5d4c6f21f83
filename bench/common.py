"""What the benches share: the machine description, bundled data, timing."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact, FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CACHE = Path(os.environ.get("SCORECARDS_BENCH_CACHE", Path.home() / ".cache" / "scorecards-bench"))


def machine() -> str:
    """One line describing where the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = node_version() or "no node"
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {node}, load {os.getloadavg()[0]:.2f}"
    )


def node_version() -> str | None:
    try:
        result = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return f"node {result.stdout.strip()}" if result.returncode == 0 else None


def best_of(repeats: int, work: Callable[[], Any]) -> float:
    """The shortest of `repeats` timed runs, in seconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


@dataclass(frozen=True)
class Bundled:
    definitions: Definitions
    entities: list[Entity]
    facts: list[Fact]


def bundled() -> Bundled:
    definitions = load_definitions(REPO / "checks", now=NOW)
    entities = load_catalog_files(REPO / "examples" / "catalog")
    facts = load_fact_files(REPO / "examples" / "facts", NOW)
    return Bundled(definitions, entities, facts)


def replicate(data: Bundled, copies: int, fresh: bool = False) -> Bundled:
    """`copies` renamed copies of every example entity, each with its original's facts.

    `fresh` dates every fact at NOW, so no check is `unknown` for stale facts.
    """
    by_ref: dict[str, list[Fact]] = {}
    for fact in data.facts:
        by_ref.setdefault(fact.entity_ref, []).append(fact)
    entities: list[Entity] = []
    facts: list[Fact] = []
    for copy in range(copies):
        for entity in data.entities:
            clone = {**entity, "metadata": {**entity["metadata"]}}
            clone["metadata"]["name"] = f"{entity['metadata']['name']}-{copy}"
            entities.append(clone)
            ref = entity_ref(clone)
            facts.extend(
                replace(f, entity_ref=ref, timestamp=NOW if fresh else f.timestamp)
                for f in by_ref.get(entity_ref(entity), [])
            )
    return Bundled(data.definitions, entities, facts)


def snapshots(facts: list[Fact]) -> dict[str, dict[str, FactSnapshot]]:
    by_ref: dict[str, dict[str, FactSnapshot]] = {}
    for fact in facts:
        by_ref.setdefault(fact.entity_ref, {})[fact.source] = fact.snapshot()
    return by_ref


def only_checks(definitions: Definitions, ids: list[str]) -> Definitions:
    """The same definitions with only these checks and no scorecards or campaigns."""
    return replace(
        definitions,
        checks={i: definitions.checks[i] for i in ids if i in definitions.checks},
        scorecards={},
        campaigns={},
    )


def libyaml_seconds(folders: list[Path]) -> float:
    """The baseline of the run benches: libyaml's CSafeLoader reading every YAML file of
    `folders`, nothing else (no checks, no line numbers, no limits)."""
    start = time.perf_counter()
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            for _ in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
                pass
    return time.perf_counter() - start
