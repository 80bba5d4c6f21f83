"""The pure evaluator: entity + facts + definitions + now -> results and scores.

No I/O and no clock: the same inputs always give the same `EntityEvaluation`.
A Celery task, the embedded run, the API and the gate all call `evaluate_entity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from time import monotonic
from typing import Any, cast

from scorecards.cel import COST_LIMIT, ENTITY_SECONDS, Activation, now_timestamp, run_predicate
from scorecards.cel.values import Timestamp
from scorecards.definitions.compiled import Check, Definitions, Scorecard
from scorecards.engine.checks import OUT_OF_TIME, evaluate_check_precisely, format_stamp, stamps_of
from scorecards.engine.program import CheckProgram
from scorecards.engine.scoring import compute_level, compute_score, count_statuses
from scorecards.formats.timeutil import utcnow
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import CheckResult, EntityEvaluation, ScorecardResult, Status

__all__ = ["OUT_OF_TIME", "evaluate", "evaluate_check", "evaluate_entities", "evaluate_entity"]


def evaluate_entity(
    definitions: Definitions,
    entity: Mapping[str, Any],
    facts: Mapping[str, FactSnapshot],
    now: datetime,
    seconds: float = ENTITY_SECONDS,
) -> EntityEvaluation:
    """Every check and scorecard of `definitions` for one entity, within `seconds`.

    A check still to run when the time is up gets status error, and so does a rule
    cut short by it: no entity can hold up a run (the result then depends on how
    fast the machine is, which only rules far slower than any reasonable one notice).
    """
    deadline = monotonic() + seconds
    program: CheckProgram = definitions.memo.get("checks") or compiled_checks(definitions)
    values: dict[str, Any] = {}
    stamps: dict[str, str] = {}
    if facts:
        for source, snapshot in facts.items():
            fields = snapshot.values
            values[source] = fields if type(fields) is dict else dict(fields)
            stamps[source] = format_stamp(snapshot.timestamp)
    now_value = _now_value(now)
    ref = entity_ref(entity)
    results: list[CheckResult] = []
    answers: list[bool | None] = []
    if monotonic() <= deadline:
        program.run(
            entity,
            values,
            now_value,
            stamps,
            facts,
            ref,
            now,
            [COST_LIMIT, deadline],
            results,
            answers,
        )
    if len(results) < len(program.checks):  # the time is up
        results.extend(
            CheckResult(check.spec.id, Status.ERROR, OUT_OF_TIME)
            for check in program.checks[len(results) :]
        )
    if not definitions.scorecards:
        return EntityEvaluation(ref, now, definitions.version, results, [])
    statuses = {r.check_id: r.status for r in results}
    activation: Activation | None = None
    scorecards = []
    for index, scorecard in enumerate(definitions.scorecards.values()):
        applies: bool | str | None = answers[index] if index < len(answers) else None
        if applies is None and scorecard.applies is not None:
            if activation is None:
                variables = {"entity": entity, "facts": values, "now": now_value}
                activation = Activation(variables, deadline)
            applies = run_predicate(scorecard.applies, activation, "applies")
        if applies is not False:
            scorecards.append(score_with(scorecard, applies, statuses))
    return EntityEvaluation(ref, now, definitions.version, results, scorecards)


# A run evaluates every entity at one `now`: the last one's CEL value is kept (one
# tuple, so threads never see a `now` with another's value).
_last_now: tuple[datetime | None, Timestamp | None] = (None, None)


def _now_value(now: datetime) -> Timestamp:
    global _last_now
    last, value = _last_now
    if last is not now or value is None:
        value = now_timestamp(now)
        _last_now = (now, value)
    return value


def compiled_checks(definitions: Definitions) -> CheckProgram:
    """The checks of `definitions` as one function, compiled on first use."""
    program = definitions.memo.get("checks")
    if program is None:
        program = definitions.memo["checks"] = CheckProgram(definitions)
    return cast(CheckProgram, program)


def evaluate(
    definitions: Definitions,
    entity: Mapping[str, Any],
    facts: Mapping[str, Mapping[str, Any] | FactSnapshot] | None = None,
    now: datetime | None = None,
) -> EntityEvaluation:
    """Every check and scorecard of `definitions` for one entity, as a library call.

    `entity` is the entity as Backstage serves it (or as catalog-info.yaml holds it);
    it is checked and completed here as the catalog does (CatalogError when it is
    not an entity). `facts` maps a source id to that source's fact values (collected
    `now`), or to a FactSnapshot with its own time. `now` defaults to the current time.
    """
    moment = now if now is not None else utcnow()
    snapshots = {
        source: value if isinstance(value, FactSnapshot) else FactSnapshot(moment, value)
        for source, value in (facts or {}).items()
    }
    return evaluate_entity(definitions, normalize_entity(entity), snapshots, moment)


def evaluate_entities(
    definitions: Definitions,
    entities: Iterable[Mapping[str, Any]],
    facts: Mapping[str, Mapping[str, FactSnapshot]],
    now: datetime,
) -> list[EntityEvaluation]:
    """`evaluate_entity` over many entities; `facts` is keyed by entity ref."""
    return [evaluate_entity(definitions, e, facts.get(entity_ref(e), {}), now) for e in entities]


def evaluate_check(
    definitions: Definitions,
    check: Check,
    ref: str,
    activation: Activation,
    facts: Mapping[str, FactSnapshot],
    now: datetime,
) -> CheckResult:
    """One (entity, check) status, following docs/architecture.md §4 in order."""
    return evaluate_check_precisely(
        definitions, check, ref, activation, facts, stamps_of(facts), now
    )


def score_scorecard(
    scorecard: Scorecard, activation: Activation, statuses: Mapping[str, Status]
) -> ScorecardResult | None:
    """Score and level of one scorecard, or None when it does not apply."""
    applies: bool | str = True
    if scorecard.applies is not None:
        applies = run_predicate(scorecard.applies, activation, "applies")
    return None if applies is False else score_with(scorecard, applies, statuses)


def score_with(
    scorecard: Scorecard, applies: bool | str | None, statuses: Mapping[str, Status]
) -> ScorecardResult:
    """Score and level of a scorecard whose `applies` gave `applies` (true, or an error)."""
    if isinstance(applies, str):
        return ScorecardResult(scorecard.id, None, None, count_statuses(()), applies)
    weighted = [(statuses[check_id], weight) for check_id, weight in scorecard.weights]
    score = compute_score(weighted)
    level = compute_level(scorecard.levels, statuses, score)
    return ScorecardResult(scorecard.id, score, level, count_statuses(s for s, _ in weighted))
