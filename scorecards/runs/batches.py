"""Scoring one batch of a run: evaluate its entities, store their results, record it on the run.

Every result of a run is evaluated at the run's `evaluated_at`, so re-scoring a
batch rewrites the same history rows instead of adding new ones. A run adds a
history point for the entities it evaluated; an unchanged result is confirmed
(its latest `evaluated_at` moves to the run's time, its history stays as is).

An entity whose evaluation raises is counted failed on the run with its error,
and the rest of its batch goes on. Anything that is not a fault of evaluating
it (a worker's time limit, an interrupt, the store) stops the batch instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.errors import ScorecardsError
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, FactSnapshot
from scorecards.records.results import EntityEvaluation, short_message
from scorecards.records.runs import BatchOutcome, Run
from scorecards.runs.incremental import (
    Freshness,
    TimeDependence,
    input_hash,
    is_refreshable,
    is_reusable,
    refresh,
    valid_until,
)
from scorecards.runs.leases import hold_lease
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

# What evaluating one entity raises when our code or its data is at fault: that entity
# fails, its batch goes on. Deliberately not `Exception`: Celery's SoftTimeLimitExceeded
# is one, and a batch over its time limit must stop and be recorded failed.
EVALUATION_FAULTS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    AttributeError,
    LookupError,
    RuntimeError,  # RecursionError among them
    TypeError,
    ValueError,
    MemoryError,
    ScorecardsError,
)


@dataclass(frozen=True)
class Batch:
    id: str
    refs: tuple[str, ...]


def score_batch(
    store: Store, definitions: Definitions, run: Run, batch: Batch, full: bool = False
) -> Run:
    """Evaluate and store one batch, then record it on the run (idempotent).

    An entity whose latest stored result is still what evaluating it would give
    (scorecards/runs/incremental.py) is not evaluated again: its result is confirmed,
    i.e. its latest `evaluated_at` moves to the run's time, without a history
    point. One whose inputs are unchanged but whose results may depend on the
    time gets only those checks evaluated again, and is confirmed when they come
    out the same. Every entity counts as done, but one whose evaluation raised
    (`EVALUATION_FAULTS`): it counts as failed, with its error on the run, and
    keeps its previous result. `full` evaluates every entity regardless (and each
    gets a history point). RunLeaseLostError when another run took the store.
    """
    hold_lease(store, run)
    now = run.evaluated_at
    entities = store.get_entities(batch.refs)
    facts = store.input_facts(list(entities))
    freshness = Freshness.of(definitions)
    hashes = {
        ref: input_hash(definitions.version, entity, facts.get(ref, {}), freshness, now)
        for ref, entity in entities.items()
    }
    stamps = {} if full else store.latest_evaluation_stamps(list(entities))
    changed: dict[str, Entity] = {}
    aged: list[str] = []  # unchanged inputs, but results that depend on the time
    unchanged: list[str] = []
    for ref, entity in entities.items():
        if is_reusable(stamps.get(ref), hashes[ref], now):
            unchanged.append(ref)
        elif is_refreshable(stamps.get(ref), hashes[ref], now):
            aged.append(ref)
        else:
            changed[ref] = entity
    evaluations, failures = evaluate_each(definitions, changed, facts, now)
    timed = TimeDependence.of(definitions)
    if aged:
        for ref, by_source in store.latest_facts(aged, [RESULTS_SOURCE]).items():
            stored = by_source[RESULTS_SOURCE].values
            try:
                current = refresh(
                    definitions, stored, entities[ref], facts.get(ref, {}), now, timed
                )
            except EVALUATION_FAULTS as exc:
                failures.append(_entity_failure(ref, exc))
                continue
            if current is None:
                unchanged.append(ref)
            else:
                evaluations.append(current)
    for evaluation in evaluations:
        evaluation.input_hash = hashes[evaluation.entity_ref]
        evaluation.valid_until = valid_until(definitions, evaluation, timed)
    store.write_evaluations(evaluations)
    if unchanged:
        store.confirm_evaluations(unchanged, now)
    missing = len(batch.refs) - len(entities)
    outcome = BatchOutcome(
        batch.id,
        len(entities) - len(failures),
        missing + len(failures),
        f"{missing} entities not in the store" if missing else None,
        tuple(failures),
    )
    return store.record_batch(run.id, outcome)


def evaluate_each(
    definitions: Definitions,
    entities: Mapping[str, Entity],
    facts: Mapping[str, Mapping[str, FactSnapshot]],
    now: datetime,
) -> tuple[list[EntityEvaluation], list[str]]:
    """Each entity's evaluation (`entities` by ref), and an error line for each entity
    whose evaluation raised one of `EVALUATION_FAULTS`."""
    evaluations: list[EntityEvaluation] = []
    failures: list[str] = []
    for ref, entity in entities.items():
        try:
            evaluations.append(evaluate_entity(definitions, entity, facts.get(ref, {}), now))
        except EVALUATION_FAULTS as exc:
            failures.append(_entity_failure(ref, exc))
    return evaluations, failures


def _entity_failure(ref: str, exc: BaseException) -> str:
    # At info: a worker's log shows the traceback; a CLI run prints only the run's error line.
    log.info("entity %s could not be evaluated", ref, exc_info=exc)
    reason = short_message(f"{type(exc).__name__}: {exc}")
    return (
        f"entity {ref} could not be evaluated ({reason}); it keeps its previous results — "
        "check its document and facts (`scorecards score` shows them), or report it as a bug"
    )


def fail_batch(store: Store, run_id: str, batch: Batch, error: str) -> Run:
    """Record a batch that gave up: its entities count as failed, its error goes on the run."""
    return store.record_batch(run_id, BatchOutcome(batch.id, 0, len(batch.refs), error))
