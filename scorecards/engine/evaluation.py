"""The pure evaluator: entity + facts + definitions + now -> results and scores.

No I/O and no clock: the same inputs always give the same `EntityEvaluation`.
A Celery task, the embedded run, the API and the gate all call `evaluate_entity`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from scorecards.cel import (
    ENTITY_SECONDS,
    Activation,
    make_activation,
    run_predicate,
    to_python,
)
from scorecards.definitions.compiled import Check, Definitions, Scorecard
from scorecards.engine.scoring import compute_level, compute_score, count_statuses
from scorecards.errors import CelEvaluationError
from scorecards.formats.timeutil import describe_age, format_duration, format_timestamp, utcnow
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import (
    CheckResult,
    EntityEvaluation,
    ScorecardResult,
    Status,
    short_message,
)

OUT_OF_TIME = (
    f"not evaluated: this entity's checks took longer than the evaluation budget "
    f"({ENTITY_SECONDS:g} s per entity); simplify the slowest rule"
)


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
    values = {s: f.values for s, f in facts.items()}
    activation = make_activation(entity, values, now, seconds)
    ref = entity_ref(entity)
    stamps = _stamps(facts)
    results = []
    for check in definitions.checks.values():
        if activation.out_of_time:  # the rest of the run goes on without this entity's rest
            results.append(CheckResult(check.spec.id, Status.ERROR, OUT_OF_TIME))
        else:
            results.append(_evaluate_check(definitions, check, ref, activation, facts, stamps, now))
    by_check = {r.check_id: r.status for r in results}
    scorecards = [
        result
        for scorecard in definitions.scorecards.values()
        if (result := score_scorecard(scorecard, activation, by_check)) is not None
    ]
    return EntityEvaluation(ref, now, definitions.version, results, scorecards)


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
    return _evaluate_check(definitions, check, ref, activation, facts, _stamps(facts), now)


def _stamps(facts: Mapping[str, FactSnapshot]) -> dict[str, str]:
    """Each source's fact timestamp as results record it, formatted once per entity."""
    return {source: _format_timestamp(f.timestamp) for source, f in facts.items()}


# The facts of one collection share a timestamp: format it once, not per entity.
_format_timestamp = functools.lru_cache(maxsize=4096)(format_timestamp)


def _evaluate_check(
    definitions: Definitions,
    check: Check,
    ref: str,
    activation: Activation,
    facts: Mapping[str, FactSnapshot],
    stamps: Mapping[str, str],
    now: datetime,
) -> CheckResult:
    # The hot loop of a run: most checks end at `applies`, so that path stays short.
    check_id = check.spec.id
    if check.applies is not None:
        applies = run_predicate(check.applies, activation, "applies")
        if applies is False:
            return CheckResult(check_id, Status.SKIP)
        if applies is not True:
            return CheckResult(check_id, Status.ERROR, applies)
    timestamps = (
        {s: stamps[s] for s in check.fact_sources if s in stamps} if check.fact_sources else {}
    )
    exemption = definitions.exemptions.get((check_id, ref)) if definitions.exemptions else None
    if exemption is not None and exemption.is_active(now.date()):
        return CheckResult(
            check_id,
            Status.EXEMPT,
            f"exempt until {exemption.spec.expires.isoformat()}: {exemption.spec.reason}",
            timestamps,
        )
    if check.spec.requires:
        missing = _missing_facts(definitions, check, facts, now)
        if missing is not None:
            return CheckResult(check_id, Status.UNKNOWN, missing, timestamps)
    outcome = run_predicate(check.rule, activation, "rule")
    if outcome is True:
        return CheckResult(check_id, Status.PASS, None, timestamps)
    if outcome is False:
        return CheckResult(check_id, Status.FAIL, _failure_message(check, activation), timestamps)
    return CheckResult(check_id, Status.ERROR, outcome, timestamps)


def score_scorecard(
    scorecard: Scorecard, activation: Activation, statuses: Mapping[str, Status]
) -> ScorecardResult | None:
    """Score and level of one scorecard, or None when it does not apply."""
    if scorecard.applies is not None:
        applies = run_predicate(scorecard.applies, activation, "applies")
        if isinstance(applies, str):
            return ScorecardResult(scorecard.id, None, None, count_statuses(()), applies)
        if not applies:
            return None
    weighted = [(statuses[check_id], weight) for check_id, weight in scorecard.weights]
    score = compute_score(weighted)
    level = compute_level(scorecard.levels, statuses, score)
    return ScorecardResult(scorecard.id, score, level, count_statuses(s for s, _ in weighted))


def _missing_facts(
    definitions: Definitions, check: Check, facts: Mapping[str, FactSnapshot], now: datetime
) -> str | None:
    for source in check.spec.requires:
        snapshot = facts.get(source)
        if snapshot is None:
            return f"no facts from source '{source}'"
        max_age = definitions.max_age(check, source)
        if max_age is not None and now - snapshot.timestamp > max_age:
            age = describe_age(now - snapshot.timestamp)
            return (
                f"facts from source '{source}' are stale: collected {age} ago, "
                f"maxAge is {format_duration(max_age)}"
            )
    return None


def _failure_message(check: Check, activation: Activation) -> str | None:
    if check.message is None:
        return None
    try:
        value = check.message.evaluate(activation)
    except CelEvaluationError as exc:
        return short_message(f"{check.spec.name} (message raised: {exc})")
    return short_message(value if type(value) is str else str(to_python(value)))
