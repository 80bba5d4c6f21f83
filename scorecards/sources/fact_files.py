"""Pushed-style facts from YAML or JSON files (the embedded stand-in for CI pushes).

Each file: `{source: ID, facts: [{entity: REF, values: {...}, timestamp?: RFC3339}]}`.
A fact without a timestamp counts as collected at the time the run passes in.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from scorecards.errors import CatalogError, FactsError
from scorecards.refs import normalize_ref
from scorecards.stores.base import RESULTS_SOURCE, Fact
from scorecards.timeutil import parse_timestamp
from scorecards.yamlfile import load_located


class _PushedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str
    values: dict[str, Any]
    timestamp: datetime | None = None


class _FactFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    facts: list[_PushedFact]


def load_fact_files(folder: str | Path, now: datetime) -> list[Fact]:
    """Every fact in `folder`'s *.yaml/*.yml/*.json files; FactsError names each bad file."""
    root = Path(folder)
    if not root.exists():
        return []
    files = sorted(p for pattern in ("*.yaml", "*.yml", "*.json") for p in root.rglob(pattern))
    facts: list[Fact] = []
    problems: list[str] = []
    for path in files:
        try:
            parsed = _FactFile.model_validate(load_located(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as exc:
            problems.append(f"{path}: not valid YAML/JSON: {exc}")
            continue
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            problems.append(f"{path}: {details}")
            continue
        if parsed.source == RESULTS_SOURCE:
            problems.append(f"{path}: source '{RESULTS_SOURCE}' is reserved for results")
            continue
        for index, pushed in enumerate(parsed.facts):
            try:
                ref = normalize_ref(pushed.entity)
            except CatalogError as exc:
                problems.append(f"{path}: facts[{index}]: {exc}")
                continue
            moment = parse_timestamp(pushed.timestamp) if pushed.timestamp else now
            facts.append(Fact(ref, parsed.source, moment, pushed.values))
    if problems:
        raise FactsError("bad fact files:\n" + "\n".join(f"  {p}" for p in problems))
    return facts
