"""The tasks. Each is a thin call into the run orchestrator (scorecards.runs.orchestrator)
or the sources; what is left here is Celery's part: retries, time limits, acknowledgements.

A batch that raises is retried with exponential backoff and jitter, up to
`SCORECARDS_BATCH_RETRIES` times, each retry counted on the run; after the last,
or at once for errors a retry cannot fix, the batch is recorded as failed with
its error, so the run still ends (`partial`) instead of waiting for it.
"""

from __future__ import annotations

import logging
from typing import Any

from billiard.exceptions import WorkerLostError
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import task_failure, worker_init

from scorecards.errors import CatalogError, DefinitionsError, FactsError
from scorecards.formats.timeutil import utcnow
from scorecards.notifications.dispatch import notify_after_run, notify_guarded
from scorecards.records.runs import Run
from scorecards.runs.leases import RunLeaseLostError
from scorecards.runs.orchestrator import Batch, batch_error, fail_run, give_up_batch, run_batch
from worker import scheduling
from worker.app import app, settings
from worker.config import retry_backoff_max
from worker.context import WorkerContext
from worker.dispatch import (
    COLLECT_SOURCE,
    NOTIFY_RUN,
    SCHEDULED_RUN,
    SCORE_BATCH,
    SEND_DIGESTS,
    START_RUN,
)

log = logging.getLogger(__name__)
context = WorkerContext(settings)

# Retrying cannot fix these: record the batch as failed at once. A batch over its soft
# time limit would only be as slow again (scorecards.runs.batches never turns the limit into an
# entity's error, and the CEL engine lets it through: it stops the batch).
PERMANENT_ERRORS = (
    DefinitionsError,
    CatalogError,
    FactsError,
    RunLeaseLostError,
    SoftTimeLimitExceeded,
)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded):
        return (
            f"the batch took longer than {settings.batch_time_limit:g}s and was stopped — "
            "raise SCORECARDS_BATCH_TIME_LIMIT or lower SCORECARDS_BATCH_SIZE"
        )
    return batch_error(exc)


def record_failure(args: Any, exc: BaseException) -> None:
    run_id, batch_id, refs = args
    error = describe_error(exc)
    log.error("run %s: batch %s failed: %s", run_id, batch_id, error)
    try:
        give_up_batch(context.store, run_id, Batch(batch_id, tuple(refs)), error)
    except Exception:  # the store is unreachable: the log line above is all we can do
        log.exception("run %s: could not record the failure of batch %s", run_id, batch_id)


class BatchTask(Task):  # type: ignore[misc]  # Celery is untyped
    """Counts retries on the run, and records a batch that gave up as failed."""

    def on_retry(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        run_id = args[0]
        try:
            context.store.record_retry(run_id)
        except Exception:  # a hook must not raise; the retry itself goes ahead
            log.exception("run %s: could not count a retry", run_id)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        record_failure(args, exc)


@task_failure.connect  # type: ignore[untyped-decorator]
def record_lost_batch(
    sender: Any = None, exception: Any = None, args: Any = None, **_: Any
) -> None:
    """A batch whose pool process died once too often fails without calling on_failure."""
    if getattr(sender, "name", None) == SCORE_BATCH and isinstance(exception, WorkerLostError):
        record_failure(args, exception)


@worker_init.connect  # type: ignore[untyped-decorator]
def load_definitions_before_forking(**_: Any) -> None:
    """Compile the definitions once in the main process; pool processes inherit them."""
    try:
        context.definitions()
    except Exception as exc:  # batches will report it, each on its run
        log.error("definitions in %s cannot be loaded: %s", settings.definitions, exc)


class StartRunTask(Task):  # type: ignore[misc]  # Celery is untyped
    """Ends the run as failed when its batches cannot be queued, rather than leave it waiting."""

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        run_id = args[0]
        log.error("run %s: batches not queued: %s", run_id, describe_error(exc))
        try:
            fail_run(context.store, run_id, f"batches not queued: {describe_error(exc)}")
        except Exception:
            log.exception("run %s: could not record that it was not queued", run_id)


@app.task(  # type: ignore[untyped-decorator]
    base=StartRunTask,
    name=START_RUN,
    autoretry_for=(Exception,),
    retry_backoff=settings.retry_backoff,
    retry_backoff_max=retry_backoff_max(settings),
    retry_jitter=True,
    max_retries=settings.batch_retries,
)
def start_run(run_id: str, batches: list[list[Any]]) -> None:
    """Fan a planned run out into one task per batch (again, harmlessly, if redelivered)."""
    for batch_id, refs in batches:
        score_batch_task.apply_async(args=[run_id, batch_id, refs])
    log.info("run %s: %d batches queued", run_id, len(batches))


@app.task(  # type: ignore[untyped-decorator]
    bind=True,
    base=BatchTask,
    name=SCORE_BATCH,
    autoretry_for=(Exception,),
    dont_autoretry_for=PERMANENT_ERRORS,
    retry_backoff=settings.retry_backoff,
    retry_backoff_max=retry_backoff_max(settings),
    retry_jitter=True,
    max_retries=settings.batch_retries,
    default_retry_delay=settings.retry_backoff,
)
def score_batch_task(self: Task, run_id: str, batch_id: str, refs: list[str]) -> None:
    """Evaluate and store one batch; the batch that completes the run finishes it."""
    batch = Batch(batch_id, tuple(refs))
    run_batch(context.store, context.run(run_id), batch, context.definitions_for, _queue_notify)


def _queue_notify(run: Run) -> None:
    notify_run_task.apply_async(args=[run.id])


@app.task(name=NOTIFY_RUN)  # type: ignore[untyped-decorator]
def notify_run_task(run_id: str) -> None:
    """Send a finished run's notifications; a failure is logged, never the run's."""
    run = context.run(run_id)
    notify_after_run(context.store, context.definitions_for(run), run)


@app.task(name=SEND_DIGESTS)  # type: ignore[untyped-decorator]
def send_digests() -> None:
    """Celery beat's digest time: send the digests that are due (and any reminder due now)."""
    notify_guarded(context.store, context.definitions(), utcnow(), "digests")


@app.task(name=SCHEDULED_RUN)  # type: ignore[untyped-decorator]
def scheduled_run() -> str | None:
    """Celery beat's scoring run; skipped while the previous scheduled run is unfinished."""
    return scheduling.start_scheduled_run(context, app)


@app.task(name=COLLECT_SOURCE)  # type: ignore[untyped-decorator]
def collect_source(source_id: str) -> None:
    """Celery beat's collection of one source on its cron; one at a time per source."""
    scheduling.collect_scheduled_source(context, source_id)
