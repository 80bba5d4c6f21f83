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
from scorecards.formats.timeutil import parse_timestamp
from scorecards.formats.yamlfile import describe_yaml_error, line_of, load_located
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.refs import normalize_ref


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
        document: Any = None
        try:
            document = load_located(path.read_text(encoding="utf-8"))
            parsed = _FactFile.model_validate(document)
        except yaml.YAMLError as exc:
            line, message, hint = describe_yaml_error(exc)
            problems.append(f"{path}:{line}: {message} — {hint}")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot be read: {exc}")
            continue
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
                where = ".".join(str(part) for part in loc) or "file"
                problems.append(f"{path}:{line_of(document, loc)}: {where}: {error['msg']}")
            continue
        if parsed.source == RESULTS_SOURCE:
            line = line_of(document, ("source",))
            problems.append(f"{path}:{line}: source '{RESULTS_SOURCE}' is reserved for results")
            continue
        for index, pushed in enumerate(parsed.facts):
            try:
                ref = normalize_ref(pushed.entity)
            except CatalogError as exc:
                line = line_of(document, ("facts", index, "entity"))
                problems.append(f"{path}:{line}: facts.{index}.entity: {exc}")
                continue
            moment = parse_timestamp(pushed.timestamp) if pushed.timestamp else now
            facts.append(Fact(ref, parsed.source, moment, pushed.values))
    if problems:
        raise FactsError("bad fact files:\n" + "\n".join(f"  {p}" for p in problems))
    return facts
