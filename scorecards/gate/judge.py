"""Deciding a gate: pure, fail-closed judgement of one entity against a scorecard threshold.

The results, definitions and `now` are passed in. The gate passes only when the
results are present, current and computed with the same definitions, and the
threshold holds even with every unknown check counted against. It is `fail`
when no fresh fact could change that (exit 1), and `undecidable` when it cannot
tell (exit 2).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from scorecards.definitions.compiled import Check, Definitions, Scorecard
from scorecards.engine.evaluation import evaluate_entity
from scorecards.engine.scoring import compute_level, compute_score
from scorecards.formats.timeutil import describe_age, format_duration, parse_timestamp
from scorecards.gate.decision import (
    SATISFIES_REQUIREMENT,
    Decision,
    GateCheck,
    GateDecision,
    GatePolicy,
    Threshold,
    undecidable,
)
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import EntityEvaluation, Status


def decide_gate(
    evaluation: EntityEvaluation | None,
    definitions: Definitions,
    policy: GatePolicy,
    now: datetime,
    entity_location: str | None = None,
    facts_collected: Mapping[str, datetime] | None = None,
) -> GateDecision:
    """Pass, fail or undecidable, with the reasons; never pass when in doubt.

    `facts_collected` says, per source, when the facts the results read were last
    collected with the same values (`Store.facts_last_collected`): a confirmed result
    keeps the times it read, so max-age judges freshness by these when given.
    """
    scorecard = definitions.scorecards.get(policy.scorecard_id)
    if scorecard is None:
        known = ", ".join(sorted(definitions.scorecards)) or "none"
        return undecidable(
            policy,
            f"unknown scorecard '{policy.scorecard_id}'{_did_you_mean(policy.scorecard_id, definitions.scorecards)}"
            f" — known scorecards: {known}",
        )
    details: dict[str, Any] = {
        "scorecard_name": scorecard.spec.name,
        "levels": tuple(level.name for level in scorecard.levels),
        "entity_location": entity_location,
    }
    policy, problem = _resolve_policy(policy, scorecard, definitions)
    if problem is not None:
        return undecidable(policy, problem, **details)
    if evaluation is None:
        return undecidable(
            policy,
            f"no results for {policy.entity_ref} — check the entity ref, or score it first "
            "(`scorecards run`)",
            **details,
        )
    details |= {
        "evaluated_at": evaluation.evaluated_at,
        "definitions_version": evaluation.definitions_version,
    }
    problem = _evaluation_problem(
        evaluation, scorecard, definitions, policy, now, facts_collected or {}
    )
    if problem is not None:
        return undecidable(policy, problem, **details)
    checks = _gate_checks(evaluation, scorecard, definitions, policy, now)
    return _judge(policy, scorecard, checks, details)


def decide_gate_for_entity(
    definitions: Definitions,
    entity: Mapping[str, Any],
    facts: Mapping[str, FactSnapshot],
    policy: GatePolicy,
    now: datetime,
    entity_location: str | None = None,
) -> GateDecision:
    """Evaluate an entity as described (say, in a pull request) and decide on the spot."""
    evaluation = evaluate_entity(definitions, entity, facts, now)
    return decide_gate(evaluation, definitions, policy, now, entity_location)


def _resolve_policy(
    policy: GatePolicy, scorecard: Scorecard, definitions: Definitions
) -> tuple[GatePolicy, str | None]:
    """The policy with the level name spelled as defined, or what is wrong with it."""
    threshold = policy.threshold
    names = [level.name for level in scorecard.levels]
    if threshold.is_missing:
        return policy, "no threshold — give one of --min-level LEVEL or --min-score N"
    if threshold.min_level is not None:
        match = next((n for n in names if n.lower() == threshold.min_level.lower()), None)
        if match is None:
            listed = ", ".join(names) if names else "none — gate on a minimum score instead"
            return policy, (
                f"scorecard '{scorecard.id}' has no level '{threshold.min_level}' — "
                f"its levels, lowest first: {listed}"
            )
        policy = replace(policy, threshold=Threshold(min_level=match))
    elif threshold.min_score is not None and not 0 <= threshold.min_score <= 100:
        return policy, f"minimum score {threshold.min_score:g} is outside 0-100"
    for check_id in policy.required_checks:
        if check_id not in definitions.checks:
            return policy, (
                f"required check '{check_id}' is not defined"
                f"{_did_you_mean(check_id, definitions.checks)}"
            )
    return policy, None


def _evaluation_problem(
    evaluation: EntityEvaluation,
    scorecard: Scorecard,
    definitions: Definitions,
    policy: GatePolicy,
    now: datetime,
    facts_collected: Mapping[str, datetime],
) -> str | None:
    """Why these results cannot be trusted for this gate, or None."""
    if evaluation.entity_ref != policy.entity_ref:
        return f"the results are for {evaluation.entity_ref}, not {policy.entity_ref}"
    if evaluation.definitions_version != definitions.version:
        return (
            f"the results were computed with definitions {evaluation.definitions_version}, "
            f"the current definitions are {definitions.version} — re-score the entity "
            "(`scorecards run`) so the gate judges it by the current checks"
        )
    if policy.max_age is not None:
        stale = _staleness(evaluation, scorecard, policy, now, facts_collected)
        if stale is not None:
            return stale
    result = evaluation.scorecard(scorecard.id)
    if result is None:
        return f"scorecard '{scorecard.id}' does not apply to {policy.entity_ref}"
    if result.error is not None:
        return f"scorecard '{scorecard.id}' could not be applied: {result.error}"
    return None


def _staleness(
    evaluation: EntityEvaluation,
    scorecard: Scorecard,
    policy: GatePolicy,
    now: datetime,
    facts_collected: Mapping[str, datetime],
) -> str | None:
    assert policy.max_age is not None
    limit = format_duration(policy.max_age)
    age = now - evaluation.evaluated_at
    if age > policy.max_age:
        return (
            f"the results are stale: evaluated {describe_age(age)} ago, the maximum age is {limit}"
        )
    in_scope = _scope(scorecard, policy)
    oldest: tuple[datetime, str, str] | None = None
    for result in evaluation.checks:
        if result.check_id not in in_scope:
            continue
        for source, stamp in result.fact_timestamps.items():
            moment = parse_timestamp(stamp)
            moment = max(moment, facts_collected.get(source, moment))
            if oldest is None or moment < oldest[0]:
                oldest = (moment, source, result.check_id)
    if oldest is not None and now - oldest[0] > policy.max_age:
        moment, source, check_id = oldest
        return (
            f"facts from source '{source}' (read by check '{check_id}') are stale: collected "
            f"{describe_age(now - moment)} ago, the maximum age is {limit}"
        )
    return None


def _scope(scorecard: Scorecard, policy: GatePolicy) -> dict[str, float | None]:
    """The checks the gate looks at: the scorecard's (with weights), then required ones."""
    scope: dict[str, float | None] = dict(scorecard.weights)
    for check_id in policy.required_checks:
        scope.setdefault(check_id, None)
    return scope


def _gate_checks(
    evaluation: EntityEvaluation,
    scorecard: Scorecard,
    definitions: Definitions,
    policy: GatePolicy,
    now: datetime,
) -> tuple[GateCheck, ...]:
    checks = []
    for check_id, weight in _scope(scorecard, policy).items():
        check = definitions.checks[check_id]
        result = evaluation.check(check_id)
        status: Status = Status.UNKNOWN
        message: str | None = "no result stored"
        if result is not None:
            status, message = result.status, result.message
        if status is Status.EXEMPT:
            status, message = _recheck_exemption(definitions, check_id, policy, now, message)
        checks.append(
            _gate_check(check, status, message, weight, check_id in policy.required_checks)
        )
    return tuple(checks)


def _recheck_exemption(
    definitions: Definitions, check_id: str, policy: GatePolicy, now: datetime, message: str | None
) -> tuple[Status, str | None]:
    """An exemption that expired after the results were stored no longer counts."""
    exemption = definitions.exemptions.get((check_id, policy.entity_ref))
    if exemption is not None and exemption.is_active(now.date()):
        return Status.EXEMPT, message
    expired = f" on {exemption.spec.expires.isoformat()}" if exemption else ""
    return Status.UNKNOWN, (
        f"the exemption expired{expired}, after these results were computed; "
        "re-score the entity to know whether the check passes"
    )


def _gate_check(
    check: Check, status: Status, message: str | None, weight: float | None, required: bool
) -> GateCheck:
    spec = check.spec
    return GateCheck(
        id=check.id,
        name=spec.name,
        status=status,
        message=message,
        remediation=spec.remediation,
        description=spec.description,
        category=spec.category,
        severity=spec.severity,
        weight=weight,
        required=required,
        links=tuple((link.title, link.url) for link in spec.links),
    )


def _judge(
    policy: GatePolicy,
    scorecard: Scorecard,
    checks: tuple[GateCheck, ...],
    details: dict[str, Any],
) -> GateDecision:
    statuses = {c.id: c.status for c in checks}
    weighted = [(statuses[check_id], weight) for check_id, weight in scorecard.weights]
    score = compute_score(weighted)
    level = compute_level(scorecard.levels, statuses, score)
    details |= {"score": score, "level": level, "checks": checks}
    if score is None:
        return undecidable(
            policy,
            f"no check of scorecard '{scorecard.id}' applies to {policy.entity_ref}, so it has no score",
            **details,
        )
    failures: list[str] = []
    doubts: list[str] = []
    met, shortfall = _meets(policy.threshold, scorecard, score, level)
    unknown = [c.id for c in checks if c.status is Status.UNKNOWN and c.weight is not None]
    if not met:
        # Unknown checks count against; if they could lift the entity over the bar, say so.
        hopeful = {c: Status.PASS if s is Status.UNKNOWN else s for c, s in statuses.items()}
        best_score = compute_score((hopeful[c], w) for c, w in scorecard.weights)
        best_level = compute_level(scorecard.levels, hopeful, best_score)
        if unknown and _meets(policy.threshold, scorecard, best_score, best_level)[0]:
            doubts.append(
                f"{shortfall}, but {_count(unknown, 'check')} unknown ({', '.join(unknown)}): "
                "with current facts it might reach the threshold"
            )
        else:
            failures.append(shortfall)
    for check in checks:
        if check.required:
            _judge_required(check, failures, doubts)
    if failures:
        return _decided(Decision.FAIL, policy, failures + doubts, details)
    if doubts:
        return _decided(Decision.UNDECIDABLE, policy, doubts, details)
    passed = [shortfall] + [
        f"required check '{c.id}' {'passes' if c.status is Status.PASS else 'is exempt'}"
        for c in checks
        if c.required
    ]
    return _decided(Decision.PASS, policy, passed, details)


def _judge_required(check: GateCheck, failures: list[str], doubts: list[str]) -> None:
    if check.status in SATISFIES_REQUIREMENT:
        return
    why = f": {check.message}" if check.message else ""
    if check.status is Status.FAIL:
        failures.append(f"required check '{check.id}' fails{why}")
    elif check.status is Status.ERROR:
        failures.append(f"required check '{check.id}' raised an error{why}")
    elif check.status is Status.UNKNOWN:
        doubts.append(f"required check '{check.id}' is unknown{why}")
    else:
        doubts.append(
            f"required check '{check.id}' does not apply to this entity, so it cannot be met"
        )


def _meets(
    threshold: Threshold, scorecard: Scorecard, score: float | None, level: str | None
) -> tuple[bool, str]:
    """Whether the threshold holds, and the sentence saying so either way."""
    shown = "no score" if score is None else f"score {score:g}"
    if threshold.min_score is not None:
        met = score is not None and score >= threshold.min_score
        verb = "meets" if met else "is below"
        return met, f"{shown} {verb} the minimum score {threshold.min_score:g}"
    names = [lv.name for lv in scorecard.levels]
    wanted = names.index(str(threshold.min_level))
    reached = names.index(level) if level is not None else -1
    met = reached >= wanted
    reached_text = f"level {level}" if level is not None else "no level"
    verb = "meets" if met else "is below"
    return met, f"{reached_text} ({shown}) {verb} the minimum level {threshold.min_level}"


def _decided(
    decision: Decision, policy: GatePolicy, reasons: Sequence[str], details: dict[str, Any]
) -> GateDecision:
    return GateDecision(
        decision,
        tuple(reasons),
        policy.entity_ref,
        policy.scorecard_id,
        policy.threshold,
        policy.required_checks,
        policy.max_age,
        **details,
    )


def _count(items: Sequence[str], noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}" + (
        " is" if len(items) == 1 else " are"
    )


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
