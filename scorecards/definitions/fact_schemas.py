"""Fact schemas of a definitions folder: each source's, and the facts of results.

A source's schema comes from its definition (`sources: [{schema: ...}]`) or, for
the built-in sources (github, catalog), from scorecards/records/fact_schemas.py. Pushed facts
are validated against it, and the Tech Insights `fact-schemas` route serves it. The results of scoring are facts
too (source `scorecards`); `evaluation_fact_values` flattens them into the value
types Tech Insights knows (integer, float, string, boolean, datetime, set).
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.formats.timeutil import format_timestamp, parse_timestamp
from scorecards.records.fact_schemas import BUILTIN_FACT_SCHEMAS, FactSchema, FactSchemaSpec
from scorecards.records.facts import RESULTS_SOURCE
from scorecards.records.results import EntityEvaluation, Status

_TIMESTAMP_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def source_fact_schema(definitions: Definitions, source: str) -> FactSchema | None:
    """The declared schema of a source: its definition's, else the built-in one, else None."""
    defined = definitions.sources.get(source)
    if defined is not None and defined.spec.fact_schema:
        return defined.spec.fact_schema
    if source == RESULTS_SOURCE:
        return results_fact_schema(definitions)
    return BUILTIN_FACT_SCHEMAS.get(source)


def known_sources(definitions: Definitions) -> set[str]:
    """Sources facts may come from: defined, built in, or read by some check."""
    sources = set(definitions.sources) | set(BUILTIN_FACT_SCHEMAS)
    for check in definitions.checks.values():
        sources |= check.fact_sources
    sources.discard(RESULTS_SOURCE)
    return sources


def declared_schemas(definitions: Definitions) -> dict[str, FactSchema]:
    """Every source with a known schema, results included, by source id."""
    schemas: dict[str, FactSchema] = {}
    for source in sorted(known_sources(definitions) | {RESULTS_SOURCE}):
        schema = source_fact_schema(definitions, source)
        if schema is not None:
            schemas[source] = schema
    return schemas


def results_fact_schema(definitions: Definitions) -> FactSchema:
    """The flattened `scorecards` fact: score, level and status counts per scorecard."""
    schema: dict[str, FactSchemaSpec] = {
        "evaluated_at": FactSchemaSpec(type="datetime", description="When the entity was scored"),
        "definitions_version": FactSchemaSpec(
            type="string", description="Hash of the definitions the scores come from"
        ),
    }
    for scorecard in definitions.scorecards.values():
        name = scorecard.spec.name
        schema[f"{scorecard.id}.score"] = FactSchemaSpec(
            type="float", description=f"{name}: score 0-100 (absent when no check counted)"
        )
        schema[f"{scorecard.id}.level"] = FactSchemaSpec(
            type="string", description=f"{name}: highest level reached (absent when none)"
        )
        for status in Status:
            schema[f"{scorecard.id}.counts.{status.value}"] = FactSchemaSpec(
                type="integer", description=f"{name}: checks with status {status.value}"
            )
    return schema


def evaluation_fact_values(evaluation: EntityEvaluation) -> dict[str, Any]:
    """An evaluation as flat fact values; a missing score or level is an absent key."""
    values: dict[str, Any] = {
        "evaluated_at": format_timestamp(evaluation.evaluated_at),
        "definitions_version": evaluation.definitions_version,
    }
    for card in evaluation.scorecards:
        if card.score is not None:
            values[f"{card.scorecard_id}.score"] = float(card.score)
        if card.level is not None:
            values[f"{card.scorecard_id}.level"] = card.level
        for status, count in card.counts.items():
            values[f"{card.scorecard_id}.counts.{status}"] = count
    return values


def flatten_values(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted names; lists stay whole (a Tech Insights `set`)."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten_values(value, f"{key}."))
        else:
            flat[key] = value
    return flat


def value_type(value: Any) -> str:
    """The Tech Insights type of a fact value that has no declared schema."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list | tuple | set):
        return "set"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, str) and _is_timestamp(value):
        return "datetime"
    return "string"


def value_problem(spec: FactSchemaSpec, value: Any) -> str | None:
    """Why `value` does not fit `spec`, or None when it does."""
    expected = spec.type
    if value is None:
        return f"is null; a {expected} is expected — omit a fact that has no value"
    fits = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "datetime": isinstance(value, str) and _is_timestamp(value),
        "set": isinstance(value, list),
        "object": isinstance(value, dict),
    }[expected]
    if fits:
        return None
    if expected == "datetime":
        return f"{value!r} is not an RFC 3339 timestamp, e.g. 2026-11-25T09:10:00Z"
    return f"{_json_type(value)} {value!r} is not a{'n' if expected[0] in 'io' else ''} {expected}"


def schema_problems(schema: FactSchema | None, values: Mapping[str, Any]) -> dict[str, str]:
    """Fact name -> what is wrong with it; without a schema only names and nulls are checked."""
    problems: dict[str, str] = {}
    for name, value in values.items():
        if not name or len(name) > 200:
            problems[name] = "a fact name must have 1 to 200 characters"
            continue
        if schema is None:
            if value is None:
                problems[name] = "is null — omit a fact that has no value"
            continue
        spec = schema.get(name)
        if spec is None:
            known = ", ".join(sorted(schema))
            problems[name] = f"is not in the source's fact schema (known facts: {known})"
            continue
        problem = value_problem(spec, value)
        if problem is not None:
            problems[name] = problem
    return problems


def _is_timestamp(text: str) -> bool:
    if not _TIMESTAMP_TEXT.match(text):
        return False
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
