"""Our definitions and stored results in the JSON shapes of Backstage Tech Insights.

Pure functions, no I/O. The shapes follow `@backstage-community/plugin-tech-insights-common`
(Check, CheckResult, FactResponse, FactSchema, InsightFacts) and what its backend
returns, so the stock frontend renders them:

- every check has `type: "json-rules-engine"`, the only type the stock frontend
  renders without custom code, and a boolean `result`;
- `metadata` is always an object: category, severity, weight, `rank` (a number,
  as the maturity plugin's `Rank` enum: 1 Bronze, 2 Silver, 3 Gold) with `level`
  (the name of the lowest scorecard level that names the check: over every
  scorecard in the listing, over the entity's own scorecards in its results) and
  `solution` (the remediation);
- each scorecard level is also a check "<scorecard> is at least <level>";
- a check that does not apply to the entity (status skip) is left out, as the
  Tech Insights backend leaves out checks it cannot run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scorecards.definitions.compiled import Check, Definitions, LevelRule, Scorecard
from scorecards.definitions.fact_schemas import (
    evaluation_fact_values,
    flatten_values,
    source_fact_schema,
    value_type,
)
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.fact_schemas import FactSchemaSpec
from scorecards.records.facts import RESULTS_SOURCE
from scorecards.records.refs import parse_ref
from scorecards.records.results import COUNTS_FOR, SATISFIES_LEVEL, EntityEvaluation, Status

CHECK_TYPE = "json-rules-engine"
# The maturity plugin knows ranks 0 (Stone) to 3 (Gold) and indexes arrays by them.
TOP_RANK = 3
FACT_RESPONSE_TYPES = frozenset({"integer", "float", "string", "boolean", "datetime", "set"})


class UnknownCheckError(LookupError):
    def __init__(self, check_id: str) -> None:
        self.check_id = check_id
        # The Tech Insights backend's own wording for an unregistered check id.
        super().__init__(f"Tech insight check with id '{check_id}' is not registered.")


@dataclass(frozen=True)
class LevelCheck:
    id: str
    scorecard: Scorecard
    index: int  # position in the scorecard's levels, lowest first

    @property
    def rule(self) -> LevelRule:
        return self.scorecard.levels[self.index]


@dataclass(frozen=True)
class CheckIndex:
    """Every Tech Insights check of a definitions version, in listing order."""

    definitions: Definitions
    responses: dict[str, dict[str, Any]]  # id -> CheckResponse
    levels: dict[str, LevelCheck]
    # scorecard id -> check id -> (rank, level name) of the lowest level naming it
    ranks: dict[str, dict[str, tuple[int, str]]]

    def entity_rank(self, check_id: str, scorecard_ids: Sequence[str]) -> tuple[int, str | None]:
        """A check's rank for an entity: from the entity's scorecards only, since a
        level of a scorecard that does not apply cannot hold the entity back."""
        candidates = [
            self.ranks[sid][check_id]
            for sid in scorecard_ids
            if check_id in self.ranks.get(sid, {})
        ]
        return min(candidates, key=lambda c: c[0]) if candidates else (TOP_RANK, None)

    def select(self, ids: Sequence[str] | None) -> list[str]:
        """The ids to run: all when None, else those given (UnknownCheckError for a stranger)."""
        if ids is None:
            return list(self.responses)
        for check_id in ids:
            if check_id not in self.responses:
                raise UnknownCheckError(check_id)
        return list(dict.fromkeys(ids))


def level_check_id(scorecard_id: str, level: str) -> str:
    return f"{scorecard_id}:at-least:{level}"


def build_check_index(definitions: Definitions) -> CheckIndex:
    ranks = check_ranks(definitions)
    by_scorecard = {
        scorecard.id: scorecard_ranks(scorecard) for scorecard in definitions.scorecards.values()
    }
    responses = {
        check.id: check_response(check, *ranks.get(check.id, (TOP_RANK, None)))
        for check in definitions.checks.values()
    }
    levels: dict[str, LevelCheck] = {}
    for scorecard in definitions.scorecards.values():
        for index, level in enumerate(scorecard.levels):
            level_check = LevelCheck(level_check_id(scorecard.id, level.name), scorecard, index)
            levels[level_check.id] = level_check
            responses[level_check.id] = level_check_response(level_check)
    return CheckIndex(definitions, responses, levels, by_scorecard)


def check_ranks(definitions: Definitions) -> dict[str, tuple[int, str | None]]:
    """Check id -> (rank, level name): the lowest level, over all scorecards, that names it.

    The maturity plugin ranks an entity just below its lowest-ranked failing check, so
    a check ranks at the level that needs it to pass. A level's minScore can hold while
    any one check it weighs fails, so a check no level names is needed by none: it
    ranks at the top, like a check no scorecard weighs (the README's "The maturity
    rank" says where that still differs from the level).
    """
    ranks: dict[str, tuple[int, str | None]] = {}
    for scorecard in definitions.scorecards.values():
        for check_id, candidate in scorecard_ranks(scorecard).items():
            if check_id not in ranks or candidate[0] < ranks[check_id][0]:
                ranks[check_id] = candidate
    return ranks


def scorecard_ranks(scorecard: Scorecard) -> dict[str, tuple[int, str]]:
    """Check id -> (rank, level name) of the scorecard's lowest level that names it."""
    ranks: dict[str, tuple[int, str]] = {}
    for index, level in enumerate(scorecard.levels):
        for check_id in level.checks:
            ranks.setdefault(check_id, (min(index + 1, TOP_RANK), level.name))
    return ranks


def check_response(check: Check, rank: int, level: str | None) -> dict[str, Any]:
    spec = check.spec
    return {
        "id": check.id,
        "type": CHECK_TYPE,
        "name": spec.name,
        "description": spec.description or spec.name,
        "factIds": sorted(check.fact_sources),
        "metadata": {
            "category": spec.category,
            "severity": spec.severity,
            "weight": check.weight,
            "rank": rank,
            "level": level,
            "solution": spec.remediation,
        },
        "links": [{"title": link.title, "url": link.url} for link in spec.links],
    }


def level_check_response(level_check: LevelCheck) -> dict[str, Any]:
    scorecard = level_check.scorecard
    rule = level_check.rule
    return {
        "id": level_check.id,
        "type": CHECK_TYPE,
        "name": f"{scorecard.spec.name} is at least {rule.name}",
        "description": describe_level(scorecard, level_check.index),
        "factIds": [RESULTS_SOURCE],
        "metadata": {
            "category": "scorecard",
            "severity": "medium",
            "weight": 0,
            "rank": min(level_check.index + 1, TOP_RANK),
            "level": rule.name,
            "solution": f"Pass the checks {rule.name} needs"
            + (f" and reach a score of {rule.min_score:g}" if rule.min_score is not None else "")
            + "; see the scorecard's failing checks.",
            "scorecard": scorecard.id,
        },
        "links": [],
    }


def describe_level(scorecard: Scorecard, index: int) -> str:
    rule = scorecard.levels[index]
    needs = []
    if rule.checks:
        needs.append("the checks " + ", ".join(rule.checks))
    if rule.min_score is not None:
        needs.append(f"a score of at least {rule.min_score:g}")
    below = " and every lower level" if index > 0 else ""
    what = " and ".join(needs) or "nothing beyond"
    return f"Level {rule.name} of {scorecard.spec.name} needs {what}{below}."


def entity_results(
    index: CheckIndex,
    evaluation: EntityEvaluation,
    facts_used: Mapping[str, tuple[datetime, Mapping[str, Any]]],
    ids: Sequence[str],
) -> list[dict[str, Any]]:
    """CheckResult[] of one entity for the selected ids (skipped checks left out)."""
    by_check = {result.check_id: result for result in evaluation.checks}
    by_scorecard = {card.scorecard_id: card for card in evaluation.scorecards}
    results: list[dict[str, Any]] = []
    for check_id in ids:
        level_check = index.levels.get(check_id)
        if level_check is not None:
            card = by_scorecard.get(level_check.scorecard.id)
            if card is not None:
                results.append(_level_result(index, level_check, evaluation, card.level))
            continue
        result = by_check.get(check_id)
        if result is None or result.status is Status.SKIP:
            continue
        check = index.definitions.checks[check_id]
        response = dict(index.responses[check_id])
        rank, level = index.entity_rank(check_id, list(by_scorecard))
        response["metadata"] = {
            **response["metadata"],
            "rank": rank,
            "level": level,
            "status": result.status.value,
        }
        if result.message:
            response["metadata"]["message"] = result.message
        response["description"] = explain(check, result.status, result.message)
        facts = fact_response(index.definitions, check.fact_sources, facts_used)
        results.append({"facts": facts, "result": result.status in COUNTS_FOR, "check": response})
    return results


def _level_result(
    index: CheckIndex, level_check: LevelCheck, evaluation: EntityEvaluation, reached: str | None
) -> dict[str, Any]:
    names = [level.name for level in level_check.scorecard.levels]
    passed = reached is not None and names.index(reached) >= level_check.index
    response = dict(index.responses[level_check.id])
    response["metadata"] = {
        **response["metadata"],
        "status": Status.PASS.value if passed else Status.FAIL.value,
        "reached": reached,
    }
    if not passed:
        blocking = [
            check_id
            for check_id in level_check.rule.checks
            if (r := evaluation.check(check_id)) is None or r.status not in SATISFIES_LEVEL
        ]
        note = f"Reached: {reached or 'no level'}."
        if blocking:
            note += " Not yet passing: " + ", ".join(blocking) + "."
        response["description"] = f"{response['description']}\n\n{note}"
    scorecard_id = level_check.scorecard.id
    flat = evaluation_fact_values(evaluation)
    facts = {
        name: _fact_entry(RESULTS_SOURCE, name, flat[name], None)
        for name in (f"{scorecard_id}.score", f"{scorecard_id}.level")
        if name in flat
    }
    return {"facts": facts, "result": passed, "check": response}


def explain(check: Check, status: Status, message: str | None) -> str:
    """The check's description, plus why it did not pass and how to fix it (Markdown)."""
    description = check.spec.description or check.spec.name
    if status is Status.PASS:
        return description
    lines = [description, ""]
    label = {
        Status.FAIL: "Failing",
        Status.ERROR: "Error",
        Status.UNKNOWN: "Unknown",
        Status.EXEMPT: "Exempt",
    }[status]
    lines.append(f"**{label}:** {message}" if message else f"**{label}.**")
    if status is not Status.EXEMPT and check.spec.remediation:
        lines += ["", f"**How to fix:** {check.spec.remediation}"]
    return "\n".join(lines)


def fact_response(
    definitions: Definitions,
    sources: frozenset[str],
    facts_used: Mapping[str, tuple[datetime, Mapping[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """FactResponse: the values of the check's sources, flattened, typed by their schema."""
    response: dict[str, dict[str, Any]] = {}
    for source in sorted(sources):
        if source not in facts_used:
            continue
        schema = source_fact_schema(definitions, source) or {}
        for name, value in flatten_values(facts_used[source][1]).items():
            key = f"{source}.{name}" if name in response else name
            response[key] = _fact_entry(source, name, value, schema.get(name))
    return response


def _fact_entry(source: str, name: str, value: Any, spec: FactSchemaSpec | None) -> dict[str, Any]:
    kind = spec.type if spec is not None else value_type(value)
    if kind not in FACT_RESPONSE_TYPES:
        kind = value_type(value) if value_type(value) in FACT_RESPONSE_TYPES else "string"
    return {
        "id": source,
        "type": kind,
        "description": spec.description if spec is not None and spec.description else name,
        "value": value,
    }


def fact_schema_response(
    source: str, schema: Mapping[str, FactSchemaSpec], version: str
) -> dict[str, Any]:
    """One FactSchema as the backend lists it: id and version beside the fact entries."""
    entries: dict[str, Any] = {
        name: {"type": spec.type, "description": spec.description or name}
        for name, spec in schema.items()
    }
    return {**entries, "id": source, "version": version, "entityFilter": None}


def entity_triplet(ref: str) -> dict[str, str]:
    kind, namespace, name = parse_ref(ref)
    return {"namespace": namespace, "kind": kind, "name": name}


def fact_row(
    ref: str, source: str, timestamp: datetime, version: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """A stored fact as the backend returns it from facts/latest and facts/range."""
    return {
        "id": source,
        "entity": entity_triplet(ref),
        "timestamp": format_timestamp(timestamp),
        "version": version,
        "facts": dict(values),
    }
