"""A scoring run from start to end: the one way the command line, the API and the workers run one.

A run is planned (`plan_run`, scorecards/runs/planning.py: the store taken, the
inputs stored, the batches cut), scored batch by batch (`score_batch`,
scorecards/runs/batches.py), each batch recorded on the run scored or failed, and
finished: succeeded, partial (some batches or entities failed) or failed.

- In this process (`scorecards run`, the API's embedded runs): `score_run` scores
  the batches one after another, telling a callback after each (the CLI's
  progress bar, the API's metrics), and finishes the run; `run_in_process` plans
  and scores in one call. `plan_gathered_run` plans what `gather_run_inputs` read.
- On Celery workers: one task per batch calls `run_batch`, and `give_up_batch`
  once it has no retries left; the batch that completes the run finishes it.

One run at a time scores a store (scorecards/runs/leases.py), so two runs never
add two history points for one entity.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from scorecards.definitions.compiled import Definitions
from scorecards.formats.timeutil import utcnow
from scorecards.notifications.dispatch import notify_after_run
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact
from scorecards.records.runs import Run, RunState
from scorecards.runs.batches import Batch, fail_batch, score_batch
from scorecards.runs.leases import RUN_LEASE_SECONDS, LeaseKeeper, RunLeaseLostError, release_lease
from scorecards.runs.planning import (
    DEFAULT_BATCH_SIZE,
    RunPlan,
    plan_gathered_run,
    plan_run,
    prune_missing_entities,
)
from scorecards.stores.base import Store

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Batch",
    "RunPlan",
    "batch_error",
    "fail_run",
    "finish_if_complete",
    "finish_run",
    "give_up_batch",
    "plan_gathered_run",
    "plan_run",
    "prune_missing_entities",
    "run_batch",
    "run_in_process",
    "score_batch",
    "score_run",
]

log = logging.getLogger(__name__)

OnBatch = Callable[[Run], None]
OnBatchError = Callable[[Batch, Exception], None]


def run_in_process(
    store: Store,
    definitions: Definitions,
    entities: Sequence[Entity],
    facts: Sequence[Fact],
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: OnBatch | None = None,
    full: bool = False,
    lease_seconds: float = RUN_LEASE_SECONDS,
) -> Run:
    """Plan a run and score it in this process (`plan_run`, then `score_run`); the run
    as it ended. RunInProgressError, before anything is written, when another run
    holds the store."""
    plan = plan_run(
        store, definitions, entities, facts, now, batch_size, lease_seconds=lease_seconds
    )
    return score_run(store, definitions, plan, on_batch, full=full)


def score_run(
    store: Store,
    definitions: Definitions,
    plan: RunPlan,
    on_batch: OnBatch | None = None,
    *,
    on_batch_error: OnBatchError | None = None,
    full: bool = False,
) -> Run:
    """Score a planned run's batches in this process, one after another, then finish it;
    the run as it ended.

    The run's lease is renewed from a background thread meanwhile, so a batch slower
    than the lease does not lose it. `on_batch` hears the run after each batch is
    recorded; a batch that raises is recorded failed with its error (`on_batch_error`
    hears it first) and the next one goes on. Once the run is finished and stored, its
    notifications are sent (scorecards/notifications), a failure to send logged only.
    `full` re-evaluates entities whose inputs are unchanged (see `score_batch`). A run that lost the store to another
    ends failed, saying why; one stopped by an exception (Ctrl-C, the store) is ended
    failed and the exception raised again.
    """
    run_id = plan.run.id
    # Scoring makes and drops millions of small objects while the catalog and the
    # definitions live on; frozen, those are not rescanned by every full collection
    # (a third of a 10,000-entity run's time otherwise). Garbage is still collected.
    gc.freeze()
    try:
        with LeaseKeeper(store, plan.run) as keeper:
            lost = _score_batches(store, definitions, plan, keeper, on_batch, on_batch_error, full)
    except BaseException as exc:  # the run must not stay `running` behind a live process
        _end_stopped_run(store, run_id, exc)
        raise
    finally:
        gc.unfreeze()
    run = finish_run(store, run_id) if lost is None else fail_run(store, run_id, lost)
    notify_after_run(store, definitions, run)
    return run


def _score_batches(
    store: Store,
    definitions: Definitions,
    plan: RunPlan,
    keeper: LeaseKeeper,
    on_batch: OnBatch | None,
    on_batch_error: OnBatchError | None,
    full: bool,
) -> str | None:
    """Score the batches in turn; why the run must stop when it lost the store, else None."""
    for batch in plan.batches:
        if keeper.lost is not None:
            return keeper.lost
        try:
            progress = score_batch(store, definitions, plan.run, batch, full)
        except RunLeaseLostError as exc:
            return str(exc)
        except Exception as exc:  # recorded on the run, never silently dropped
            if on_batch_error is not None:
                on_batch_error(batch, exc)
            progress = fail_batch(store, plan.run.id, batch, batch_error(exc))
        if on_batch is not None:
            on_batch(progress)
    return None


def run_batch(
    store: Store,
    run: Run,
    batch: Batch,
    definitions_for: Callable[[Run], Definitions],
    on_finished: Callable[[Run], None] | None = None,
) -> Run:
    """Score one batch of `run` on a worker, and finish the run when this batch completes
    it; the run as recorded. Nothing is scored when the run has already ended (a late
    copy of a batch, redelivered). `definitions_for` gives the definitions the run was
    planned with (asked only when the batch is scored); `on_finished` hears the run when
    this batch finished it (workers queue its notifications). RunLeaseLostError when
    another run took the store."""
    if run.state.is_finished:
        return run
    progress = score_batch(store, definitions_for(run), run, batch)
    ended = finish_if_complete(store, progress)
    if on_finished is not None and ended.state.is_finished and not progress.state.is_finished:
        on_finished(ended)
    return ended


def give_up_batch(store: Store, run_id: str, batch: Batch, error: str) -> Run:
    """Record a batch that will not be scored (its retries spent) as failed with `error`,
    and finish the run when it was the last; the run as recorded."""
    return finish_if_complete(store, fail_batch(store, run_id, batch, error))


def batch_error(exc: BaseException) -> str:
    """How a batch that raised `exc` is described on its run."""
    return f"{type(exc).__name__}: {exc}"


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


def fail_run(store: Store, run_id: str, reason: str) -> Run:
    """End a run that cannot go on (not queued, interrupted, lost the store): failed,
    with why, and the store freed."""
    run = store.get_run(run_id)
    errors = [*(run.errors if run is not None else []), reason]
    ended = store.update_run(run_id, state=RunState.FAILED, finished_at=utcnow(), errors=errors)
    release_lease(store, run_id)
    return ended


def _end_stopped_run(store: Store, run_id: str, error: BaseException) -> None:
    if isinstance(error, KeyboardInterrupt):
        reason = "interrupted (Ctrl-C) before it finished"
    else:
        reason = f"stopped before it finished: {batch_error(error)}"
    try:
        fail_run(store, run_id, reason)
    except Exception as exc:  # the store may be what failed; the error being raised says more
        log.error("run %s: could not record that it stopped: %s", run_id, exc)
