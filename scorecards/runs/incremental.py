"""Incremental scoring: skip an entity whose stored result would come out the same.

An entity is evaluated again unless its latest stored evaluation

- has the same input hash: the same entity document, the same fact values, the
  same definitions version and the same freshness (which required sources are
  older than their maxAge), and
- is still valid at the run's `now`: it was evaluated at or before `now`, and
  `now` is at or before its `valid_until`.

`valid_until` is computed when an entity is evaluated, from what could change
its result with time alone: a rule, `applies` or message that reads `now` (valid
only at that very instant), an exemption that expires (valid through its last
day). Facts turning stale are covered by the freshness part of the hash. Past
`valid_until`, with unchanged inputs, only the time-dependent checks are evaluated
again (`refresh`), and nothing is stored when their results did not change.

A fact re-collected with the same values (catalog facts are rewritten on every
run) does not force re-scoring; the stored result keeps the fact timestamps it
was computed from. A result found unchanged is confirmed rather than stored
again: the store moves its `evaluated_at` to the run's time and adds no history
point (see scorecards/stores/base.py). Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from scorecards.cel import Expression, make_activation
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_check, score_scorecard
from scorecards.formats.json_codec import canonical
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import CheckResult, EntityEvaluation, EvaluationStamp, Status


@dataclass(frozen=True)
class Freshness:
    """Every (check, required source, maxAge) of a definitions version, computed once per run."""

    limits: tuple[tuple[str, str, timedelta], ...]

    @classmethod
    def of(cls, definitions: Definitions) -> Freshness:
        limits = []
        for check in definitions.checks.values():
            for source in check.spec.requires:
                max_age = definitions.max_age(check, source)
                if max_age is not None:
                    limits.append((check.id, source, max_age))
        return cls(tuple(limits))

    def stale(self, facts: Mapping[str, FactSnapshot], now: datetime) -> list[str]:
        """`check/source` for each required source older than that check's maxAge at `now`."""
        return [
            f"{check_id}/{source}"
            for check_id, source, max_age in self.limits
            if source in facts and now - facts[source].timestamp > max_age
        ]


def input_hash(
    definitions_version: str,
    entity: Mapping[str, object],
    facts: Mapping[str, FactSnapshot],
    freshness: Freshness,
    now: datetime,
) -> str:
    """A content hash of what an entity's results depend on, time aside but staleness at `now`."""
    stale = freshness.stale(facts, now)
    payload = canonical(
        [definitions_version, entity, {s: f.values for s, f in facts.items()}, stale]
    )
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def is_reusable(stamp: EvaluationStamp | None, digest: str, now: datetime) -> bool:
    """Whether a stored evaluation with `stamp` is what evaluating now would give."""
    return is_refreshable(stamp, digest, now) and (
        stamp is not None and (stamp.valid_until is None or now <= stamp.valid_until)
    )


def is_refreshable(stamp: EvaluationStamp | None, digest: str, now: datetime) -> bool:
    """Whether only the time-dependent part of a stored evaluation needs evaluating again."""
    return stamp is not None and stamp.input_hash == digest and stamp.evaluated_at <= now


@dataclass(frozen=True)
class TimeDependence:
    """The checks of a definitions version whose result can change with time alone."""

    check_ids: frozenset[str]  # whose applies, rule or message reads `now`
    applies_read_now: frozenset[str]  # whose applies reads `now`
    scorecards_read_now: bool
    # Where each check's result sits in an evaluation (the definitions' order), and the
    # checks exempted per entity ref: what `valid_until` looks at, and nothing else.
    positions: Mapping[str, int]
    exempted: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, definitions: Definitions) -> TimeDependence:
        def reads_now(*expressions: Expression | None) -> bool:
            return any(e is not None and e.reads_now for e in expressions)

        checks = definitions.checks.values()
        exempted: dict[str, tuple[str, ...]] = {}
        for check_id, ref in definitions.exemptions:
            exempted[ref] = (*exempted.get(ref, ()), check_id)
        return cls(
            frozenset(c.id for c in checks if reads_now(c.applies, c.rule, c.message)),
            frozenset(c.id for c in checks if reads_now(c.applies)),
            any(reads_now(s.applies) for s in definitions.scorecards.values()),
            {check_id: index for index, check_id in enumerate(definitions.checks)},
            exempted,
        )


def refresh(
    definitions: Definitions,
    stored: Mapping[str, Any],
    entity: Mapping[str, Any],
    facts: Mapping[str, FactSnapshot],
    now: datetime,
    timed: TimeDependence,
) -> EntityEvaluation | None:
    """A stored evaluation (its `to_dict` form) brought to `now`, for unchanged inputs,
    or None when that changes no status, message or score.

    Only the time-dependent checks (those reading `now`, and exempted ones) are
    evaluated again; the others cannot differ. The stored evaluation is only fully
    read when something changed.
    """
    ref = stored["entity"]
    activation = make_activation(entity, {s: f.values for s, f in facts.items()}, now)
    current: dict[int, CheckResult] = {}
    changed = False
    for index, data in enumerate(stored["checks"]):
        check_id = data["check"]
        if check_id in timed.check_ids or (check_id, ref) in definitions.exemptions:
            result = evaluate_check(
                definitions, definitions.checks[check_id], ref, activation, facts, now
            )
            current[index] = result
            changed = changed or (result.status.value, result.message) != (
                data["status"],
                data.get("message"),
            )
    if not changed and not timed.scorecards_read_now:
        return None
    previous = EntityEvaluation.from_dict(dict(stored))
    results = [current.get(index, result) for index, result in enumerate(previous.checks)]
    statuses = {r.check_id: r.status for r in results}
    scorecards = [
        scored
        for scorecard in definitions.scorecards.values()
        if (scored := score_scorecard(scorecard, activation, statuses)) is not None
    ]
    refreshed = EntityEvaluation(
        ref, now, definitions.version, results, scorecards, previous.input_hash
    )
    return refreshed if changed or not same_results(refreshed, previous) else None


def same_results(a: EntityEvaluation, b: EntityEvaluation) -> bool:
    """Same statuses, messages and scores (fact timestamps aside)."""
    return [(r.check_id, r.status, r.message) for r in a.checks] == [
        (r.check_id, r.status, r.message) for r in b.checks
    ] and [s.to_dict() for s in a.scorecards] == [s.to_dict() for s in b.scorecards]


def valid_until(
    definitions: Definitions, evaluation: EntityEvaluation, timed: TimeDependence
) -> datetime | None:
    """The last moment the evaluation's results hold without re-evaluating; None: forever."""
    now = evaluation.evaluated_at
    if timed.scorecards_read_now:
        return now
    ref = evaluation.entity_ref
    # Called for every entity a run evaluates: only the checks that read `now` or are
    # exempted for this entity can bound it, so only their results are looked at.
    results = evaluation.checks
    if len(results) != len(timed.positions):  # results of other definitions: hold only now
        return now
    looked_at = [*timed.check_ids, *timed.exempted.get(ref, ())]
    if not looked_at:
        return None
    until: datetime | None = None
    for check_id in looked_at:
        index = timed.positions.get(check_id)
        result = results[index] if index is not None and index < len(results) else None
        if result is None or result.check_id != check_id:
            result = evaluation.check(check_id)  # not in the definitions' order
        if result is None:
            continue
        if check_id in timed.applies_read_now:
            return now
        if result.status in (Status.SKIP, Status.UNKNOWN):
            continue  # applies said no (and reads no `now`), or facts are missing/stale
        exemption = definitions.exemptions.get((check_id, ref))
        if result.status is Status.EXEMPT and exemption is not None:
            last_day = datetime.combine(exemption.spec.expires, time.max, tzinfo=UTC)
            until = last_day if until is None else min(until, last_day)
            continue
        if check_id in timed.check_ids:  # its rule or message reads `now`
            return now
    return until
