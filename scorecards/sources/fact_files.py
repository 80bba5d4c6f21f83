"""Pushed-style facts from YAML or JSON files (the embedded stand-in for CI pushes).

Each file: `{source: ID, facts: [{entity: REF, values: {...}, timestamp?: RFC3339}]}`.
A fact without a timestamp counts as collected when its file was last written (its
modification time), or at the run's time if that is earlier. So a fact pushed through
the API after the file was written is newer and stays the latest: the store never
lets an older fact replace a newer one. Given the sources' schemas, a file is checked
like a push (scorecards/api/native/facts.py): its source must declare a schema, and its
values must fit it (scorecards/definitions/fact_schemas.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from scorecards.definitions.fact_schemas import schema_problems
from scorecards.errors import CatalogError, FactsError
from scorecards.formats.timeutil import parse_timestamp
from scorecards.formats.yaml_fast import load_plain_all
from scorecards.formats.yamlfile import describe_yaml_error, line_of, load_located
from scorecards.records.fact_schemas import FactSchema
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.refs import normalize_ref

log = logging.getLogger(__name__)


class _PushedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str
    values: dict[str, Any]
    timestamp: datetime | None = None


class _FactFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    facts: list[_PushedFact]


SchemaOf = Callable[[str], FactSchema | None]
Pushed = tuple[str, dict[str, Any], datetime | None]  # entity, values, timestamp
_TIMESTAMP = TypeAdapter(datetime)


def _plain_fact_file(document: Any) -> tuple[str, list[Pushed]] | None:
    """The source and facts of a well-formed file of plain data, checked directly: 5x
    faster than building a model per fact; None when anything is off, and then the
    models check it, for their messages. A timestamp is read as the models read it."""
    if document.__class__ is not dict or document.keys() != {"source", "facts"}:
        return None
    source, facts = document["source"], document["facts"]
    if source.__class__ is not str or facts.__class__ is not list:
        return None
    pushed: list[Pushed] = []
    for fact in facts:
        if fact.__class__ is not dict or not _FACT_KEYS.issuperset(fact.keys()):
            return None
        entity, values, timestamp = fact.get("entity"), fact.get("values"), fact.get("timestamp")
        if entity.__class__ is not str or values.__class__ is not dict:
            return None
        if timestamp is not None:
            try:
                timestamp = _TIMESTAMP.validate_python(timestamp)
            except ValidationError:
                return None
        pushed.append((entity, values, timestamp))
    return source, pushed


_FACT_KEYS = frozenset({"entity", "values", "timestamp"})


def load_fact_files(
    folder: str | Path,
    now: datetime,
    schema_of: SchemaOf | None = None,
    read: Callable[[str], bool] | None = None,
) -> list[Fact]:
    """Every fact in `folder`'s *.yaml/*.yml/*.json files; FactsError names each bad file,
    and each value that does not fit its source's schema (`schema_of(source)`, if given).
    With `read`, files of the sources it says no definition reads are left out."""
    root = Path(folder)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise FactsError(
            f"facts folder '{folder}' {what} — give a folder of fact files "
            "(*.yaml, *.yml, *.json), e.g. --facts examples/facts"
        )
    files = sorted(p for pattern in ("*.yaml", "*.yml", "*.json") for p in root.rglob(pattern))
    facts: list[Fact] = []
    problems: list[str] = []
    for path in files:
        read_facts, file_problems = read_fact_file(path, now, schema_of, read)
        facts += read_facts
        problems += file_problems
    if problems:
        raise FactsError("bad fact files:\n" + "\n".join(f"  {p}" for p in problems))
    return facts


def read_fact_file(
    path: Path,
    now: datetime,
    schema_of: SchemaOf | None = None,
    read: Callable[[str], bool] | None = None,
) -> tuple[list[Fact], list[str]]:
    """The facts of one fact file and its problems as `file:line: ...` lines (as
    `load_fact_files`, which raises FactsError when there are any)."""
    try:
        modified = path.stat().st_mtime
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot be read: {exc}"]
    documents = load_plain_all(text)
    if documents is not None and len(documents) == 1:
        facts, problems = _read_document(path, documents[0], modified, now, schema_of, read)
        if not problems:
            return facts, problems
        # Rare: read again with the located loader, whose mappings name the lines.
    try:
        document = load_located(text)
    except yaml.YAMLError as exc:
        line, message, hint = describe_yaml_error(exc)
        return [], [f"{path}:{line}: {message} — {hint}"]
    return _read_document(path, document, modified, now, schema_of, read)


def _read_document(
    path: Path,
    document: Any,
    modified: float,
    now: datetime,
    schema_of: SchemaOf | None,
    read: Callable[[str], bool] | None,
) -> tuple[list[Fact], list[str]]:
    plain = _plain_fact_file(document)
    if plain is not None:
        source, pushed = plain
    else:
        try:
            parsed = _FactFile.model_validate(document)
        except ValidationError as exc:
            messages = []
            for error in exc.errors():
                loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
                where = ".".join(str(part) for part in loc) or "file"
                messages.append(f"{path}:{line_of(document, loc)}: {where}: {error['msg']}")
            return [], messages
        source = parsed.source
        pushed = [(fact.entity, fact.values, fact.timestamp) for fact in parsed.facts]
    if source == RESULTS_SOURCE:
        line = line_of(document, ("source",))
        return [], [f"{path}:{line}: source '{RESULTS_SOURCE}' is reserved for results"]
    if read is not None and not read(source):
        # Nothing in the definitions can read these facts (validate refuses rules on an
        # undeclared source), so leaving them out loses nothing: e.g. the bundled
        # demo's fact files beside your own definitions.
        log.info("%s: source '%s' is not in the definitions; not loaded", path, source)
        return [], []
    schema = schema_of(source) if schema_of is not None else None
    if schema_of is not None and not schema:
        line = line_of(document, ("source",))
        return [], [
            f"{path}:{line}: source '{source}' declares no fact schema, so these "
            "values cannot be checked (pushes to it are refused too) — declare it in the "
            f"definitions: sources: [{{id: {source}, type: push, schema: ...}}]"
        ]
    written = min(now, datetime.fromtimestamp(modified, UTC))
    facts: list[Fact] = []
    problems: list[str] = []
    for index, (entity, values, timestamp) in enumerate(pushed):
        try:
            ref = normalize_ref(entity)
        except CatalogError as exc:
            line = line_of(document, ("facts", index, "entity"))
            problems.append(f"{path}:{line}: facts.{index}.entity: {exc}")
            continue
        if schema is not None:
            problems += _value_problems(path, document, index, schema, values)
        moment = parse_timestamp(timestamp) if timestamp else written
        facts.append(Fact(ref, source, moment, values))
    return facts, problems


def _value_problems(
    path: Path, document: Any, index: int, schema: FactSchema | None, values: dict[str, Any]
) -> list[str]:
    """What does not fit the source's schema, each at its file:line."""
    return [
        f"{path}:{line_of(document, ('facts', index, 'values', name))}: "
        f"facts.{index}.values.{name}: {problem}"
        for name, problem in schema_problems(schema, values).items()
    ]
