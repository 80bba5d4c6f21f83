"""A scoring run: plan batches, score each batch, finish — the same steps in-process
and on Celery workers (worker/ calls `score_batch`).

Every result of a run is evaluated at the run's `evaluated_at`, so re-scoring a
batch rewrites the same history rows instead of adding new ones. A run adds a
history point for the entities it evaluated; an unchanged result is confirmed
(its latest `evaluated_at` moves to the run's time, its history stays as is).
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scorecards.definitions.compiled import Definitions
from scorecards.entities import Entity
from scorecards.evaluation import evaluate_entities
from scorecards.incremental import (
    Freshness,
    TimeDependence,
    input_hash,
    is_refreshable,
    is_reusable,
    refresh,
    valid_until,
)
from scorecards.refs import entity_ref
from scorecards.stores.base import RESULTS_SOURCE, BatchOutcome, Fact, Run, RunState, Store
from scorecards.timeutil import utcnow

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class Batch:
    id: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class RunPlan:
    run: Run
    batches: tuple[Batch, ...]


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def prune_missing_entities(store: Store, entities: Sequence[Entity]) -> list[str]:
    """Remove from the store the entities that are not in `entities` (the whole catalog
    a run reads), so entities deleted from the catalog leave reports and the API; the
    refs removed. Opt-in (`scorecards run --prune`, SCORECARDS_PRUNE_MISSING_ENTITIES):
    a run over part of a catalog must not erase the rest."""
    if not entities:  # an empty read is more likely a broken catalog than an empty one
        return []
    present = {entity_ref(entity) for entity in entities}
    missing = [ref for ref in store.list_entity_refs() if ref not in present]
    store.remove_entities(missing)
    return missing


def plan_run(
    store: Store,
    definitions: Definitions,
    entities: Sequence[Entity],
    facts: Sequence[Fact],
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> RunPlan:
    """Store the catalog snapshot and collected facts, create the run, cut batches."""
    store.put_entities(entities)
    if facts:
        store.write_facts(facts)
    refs = [entity_ref(e) for e in entities]
    size = max(1, batch_size)
    batches = tuple(
        Batch(f"{index:05d}", tuple(refs[start : start + size]))
        for index, start in enumerate(range(0, len(refs), size))
    )
    run = Run(
        id=new_run_id(now),
        state=RunState.RUNNING,
        created_at=now,
        evaluated_at=now,
        definitions_version=definitions.version,
        entities_total=len(refs),
        batches_total=len(batches),
    )
    store.create_run(run)
    return RunPlan(run, batches)


def score_batch(
    store: Store, definitions: Definitions, run: Run, batch: Batch, full: bool = False
) -> Run:
    """Evaluate and store one batch, then record it on the run (idempotent).

    An entity whose latest stored result is still what evaluating it would give
    (scorecards/incremental.py) is not evaluated again: its result is confirmed,
    i.e. its latest `evaluated_at` moves to the run's time, without a history
    point. One whose inputs are unchanged but whose results may depend on the
    time gets only those checks evaluated again, and is confirmed when they come
    out the same. Every entity counts as done. `full` evaluates every entity
    regardless (and each gets a history point).
    """
    now = run.evaluated_at
    entities = store.get_entities(batch.refs)
    facts = store.input_facts(list(entities))
    freshness = Freshness.of(definitions)
    hashes = {
        ref: input_hash(definitions.version, entity, facts.get(ref, {}), freshness, now)
        for ref, entity in entities.items()
    }
    stamps = {} if full else store.latest_evaluation_stamps(list(entities))
    changed: list[Entity] = []
    aged: list[str] = []  # unchanged inputs, but results that depend on the time
    unchanged: list[str] = []
    for ref, entity in entities.items():
        if is_reusable(stamps.get(ref), hashes[ref], now):
            unchanged.append(ref)
        elif is_refreshable(stamps.get(ref), hashes[ref], now):
            aged.append(ref)
        else:
            changed.append(entity)
    evaluations = evaluate_entities(definitions, changed, facts, now)
    if aged:
        timed = TimeDependence.of(definitions)
        for ref, by_source in store.latest_facts(aged, [RESULTS_SOURCE]).items():
            stored = by_source[RESULTS_SOURCE].values
            current = refresh(definitions, stored, entities[ref], facts.get(ref, {}), now, timed)
            if current is None:
                unchanged.append(ref)
            else:
                evaluations.append(current)
    for evaluation in evaluations:
        evaluation.input_hash = hashes[evaluation.entity_ref]
        evaluation.valid_until = valid_until(definitions, evaluation)
    store.write_evaluations(evaluations)
    if unchanged:
        store.confirm_evaluations(unchanged, now)
    missing = len(batch.refs) - len(entities)
    error = f"{missing} entities not in the store" if missing else None
    return store.record_batch(run.id, BatchOutcome(batch.id, len(entities), missing, error))


def finish_run(store: Store, run_id: str) -> Run:
    """Close a run: succeeded, partial (some batches failed) or failed (all did)."""
    run = store.get_run(run_id)
    assert run is not None, run_id
    if run.batches_failed == 0:
        state = RunState.SUCCEEDED
    elif run.batches_done == 0:
        state = RunState.FAILED
    else:
        state = RunState.PARTIAL
    return store.update_run(run_id, state=state, finished_at=utcnow())


def is_complete(run: Run) -> bool:
    """Whether every batch of the run has been recorded, done or failed."""
    return run.batches_done + run.batches_failed >= run.batches_total


def finish_if_complete(store: Store, run: Run) -> Run:
    """Finish `run` once its last batch is recorded; a no-op before that and after.

    Each batch's task calls this with the run `record_batch` returned. That
    record is atomic, so only the task whose batch completed the run sees it
    complete (or a redelivered copy of it, which finds the run already done).
    """
    if run.state.is_finished or not is_complete(run):
        return run
    return finish_run(store, run.id)


def fail_batch(store: Store, run_id: str, batch: Batch, error: str) -> Run:
    """Record a batch that gave up: its entities count as failed, its error goes on the run."""
    return store.record_batch(run_id, BatchOutcome(batch.id, 0, len(batch.refs), error))


def abandon_run(store: Store, run_id: str, reason: str) -> Run:
    """End a run that cannot go on (it could not be queued or fanned out): failed, with why."""
    run = store.get_run(run_id)
    errors = [*(run.errors if run is not None else []), reason]
    return store.update_run(run_id, state=RunState.FAILED, finished_at=utcnow(), errors=errors)


def run_in_process(
    store: Store,
    definitions: Definitions,
    entities: Sequence[Entity],
    facts: Sequence[Fact],
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[Run], None] | None = None,
    full: bool = False,
) -> Run:
    """The embedded run: every batch in this process, one after another.

    `full` re-evaluates entities whose inputs are unchanged (see `score_batch`).
    """
    # Scoring makes and drops millions of small objects while the catalog and the
    # definitions live on; frozen, those are not rescanned by every full collection
    # (a third of a 10,000-entity run's time otherwise). Garbage is still collected.
    gc.freeze()
    try:
        plan = plan_run(store, definitions, entities, facts, now, batch_size)
        for batch in plan.batches:
            try:
                progress = score_batch(store, definitions, plan.run, batch, full)
            except Exception as exc:  # recorded on the run, never silently dropped
                progress = store.record_batch(
                    plan.run.id,
                    BatchOutcome(batch.id, 0, len(batch.refs), f"{type(exc).__name__}: {exc}"),
                )
            if on_batch is not None:
                on_batch(progress)
    finally:
        gc.unfreeze()
    return finish_run(store, plan.run.id)
