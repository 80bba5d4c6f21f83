"""A scoring run: plan batches, score each batch, finish — the same steps in-process
and on Celery workers (worker/ calls `score_batch`).

Every result of a run is evaluated at the run's `evaluated_at`, so re-scoring a
batch rewrites the same history rows instead of adding new ones. A run adds a
history point for the entities it evaluated; an unchanged result is confirmed
(its latest `evaluated_at` moves to the run's time, its history stays as is).
One run at a time scores a store (scorecards/run_leases.py), so two runs never
add two history points for one entity.

An entity whose evaluation raises is counted failed on the run with its error,
and the rest of its batch goes on. Anything that is not a fault of evaluating
it (a worker's time limit, an interrupt, the store) stops the batch instead.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.errors import ScorecardsError
from scorecards.formats.timeutil import utcnow
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, Fact, FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation, short_message
from scorecards.records.runs import BatchOutcome, Run, RunState
from scorecards.runs.incremental import (
    Freshness,
    TimeDependence,
    input_hash,
    is_refreshable,
    is_reusable,
    refresh,
    valid_until,
)
from scorecards.runs.leases import (
    RUN_LEASE_SECONDS,
    LeaseKeeper,
    RunLeaseLostError,
    current_owner,
    hold_lease,
    release_lease,
    take_lease,
)
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
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
    *,
    in_process: bool = True,
    lease_seconds: float = RUN_LEASE_SECONDS,
) -> RunPlan:
    """Take the store for a new run, store the catalog snapshot and collected facts,
    create the run, cut batches. RunInProgressError when another run holds the store.

    An `in_process` run is scored by this process, which the run records as its
    owner; a distributed one by workers. The run holds the store for `lease_seconds`
    at a time (scorecards/run_leases.py).
    """
    owner = current_owner() if in_process else None
    run_id = new_run_id(now)
    take_lease(store, run_id, lease_seconds)
    try:
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
            id=run_id,
            state=RunState.RUNNING,
            created_at=now,
            evaluated_at=now,
            definitions_version=definitions.version,
            entities_total=len(refs),
            batches_total=len(batches),
            owner=owner,
            lease_seconds=lease_seconds,
        )
        store.create_run(run)
    except BaseException:
        release_lease(store, run_id)
        raise
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
    if aged:
        timed = TimeDependence.of(definitions)
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
        evaluation.valid_until = valid_until(definitions, evaluation)
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


def finish_run(store: Store, run_id: str) -> Run:
    """Close a run: succeeded, partial (some batches or entities failed) or failed (every
    batch did), and free the store. A run already ended (e.g. abandoned) stays as it is."""
    run = store.get_run(run_id)
    assert run is not None, run_id
    if not run.state.is_finished:
        if run.batches_failed == 0 and run.entities_failed == 0:
            state = RunState.SUCCEEDED
        elif run.batches_done == 0:
            state = RunState.FAILED
        else:
            state = RunState.PARTIAL
        run = store.update_run(run_id, state=state, finished_at=utcnow())
    release_lease(store, run_id)
    return run


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


def fail_run(store: Store, run_id: str, reason: str) -> Run:
    """End a run that cannot go on (not queued, interrupted, lost the store): failed,
    with why, and the store freed."""
    run = store.get_run(run_id)
    errors = [*(run.errors if run is not None else []), reason]
    ended = store.update_run(run_id, state=RunState.FAILED, finished_at=utcnow(), errors=errors)
    release_lease(store, run_id)
    return ended


def run_in_process(
    store: Store,
    definitions: Definitions,
    entities: Sequence[Entity],
    facts: Sequence[Fact],
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[Run], None] | None = None,
    full: bool = False,
    lease_seconds: float = RUN_LEASE_SECONDS,
) -> Run:
    """The embedded run: every batch in this process, one after another.

    `full` re-evaluates entities whose inputs are unchanged (see `score_batch`).
    RunInProgressError, before anything is written, when another run holds the store.
    """
    # Scoring makes and drops millions of small objects while the catalog and the
    # definitions live on; frozen, those are not rescanned by every full collection
    # (a third of a 10,000-entity run's time otherwise). Garbage is still collected.
    gc.freeze()
    try:
        plan = plan_run(
            store,
            definitions,
            entities,
            facts,
            now,
            batch_size,
            lease_seconds=lease_seconds,
        )
        with LeaseKeeper(store, plan.run) as keeper:
            stopped = _score_batches(store, definitions, plan, keeper, on_batch, full)
    finally:
        gc.unfreeze()
    return stopped or finish_run(store, plan.run.id)


def _score_batches(
    store: Store,
    definitions: Definitions,
    plan: RunPlan,
    keeper: LeaseKeeper,
    on_batch: Callable[[Run], None] | None,
    full: bool,
) -> Run | None:
    """Score the batches in turn; the run as ended when it had to stop early, else None."""
    run_id = plan.run.id
    try:
        for batch in plan.batches:
            if keeper.lost is not None:
                return fail_run(store, run_id, keeper.lost)
            try:
                progress = score_batch(store, definitions, plan.run, batch, full)
            except RunLeaseLostError as exc:
                return fail_run(store, run_id, str(exc))
            except Exception as exc:  # recorded on the run, never silently dropped
                progress = fail_batch(store, run_id, batch, f"{type(exc).__name__}: {exc}")
            if on_batch is not None:
                on_batch(progress)
    except BaseException as exc:  # the run must not stay `running` behind a live process
        _end_stopped_run(store, run_id, exc)
        raise
    return None


def _end_stopped_run(store: Store, run_id: str, error: BaseException) -> None:
    if isinstance(error, KeyboardInterrupt):
        reason = "interrupted (Ctrl-C) before it finished"
    else:
        reason = f"stopped before it finished: {type(error).__name__}: {error}"
    try:
        fail_run(store, run_id, reason)
    except Exception as exc:  # the store may be what failed; the error being raised says more
        log.error("run %s: could not record that it stopped: %s", run_id, exc)
