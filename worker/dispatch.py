"""Starting a distributed run: plan it in the store, then hand it to the workers in one message.

The planning process sends a single `start_run` message carrying every batch;
a worker fans it out into one `score_batch` task per batch. One message cannot
be half-sent, so a client that dies while starting a run loses no batch, and a
worker that dies while fanning out is redelivered the whole message (batches are
idempotent, so sending some twice is harmless).
"""

from __future__ import annotations

from datetime import datetime

from celery import Celery

from scorecards.definitions.compiled import Definitions
from scorecards.errors import ConfigurationError
from scorecards.runs.inputs import RunInputs
from scorecards.runs.orchestrator import fail_run, finish_if_complete, plan_gathered_run
from scorecards.settings import Settings
from scorecards.stores import Run, Store
from worker.config import create_app, run_lease_seconds

START_RUN = "scorecards.start_run"
SCORE_BATCH = "scorecards.score_batch"
SCHEDULED_RUN = "scorecards.scheduled_run"
COLLECT_SOURCE = "scorecards.collect_source"
NOTIFY_RUN = "scorecards.notify_run"
SEND_DIGESTS = "scorecards.send_digests"


def client_app(settings: Settings) -> Celery:
    """A Celery app that only sends tasks (no task code imported)."""
    return create_app(settings, with_tasks=False)


def start_distributed_run(
    settings: Settings,
    store: Store,
    definitions: Definitions,
    inputs: RunInputs,
    now: datetime,
    app: Celery | None = None,
) -> Run:
    """Store the inputs, create the run and queue it; returns the run as queued.
    RunInProgressError when another run holds the store."""
    client = app or client_app(settings)
    plan = plan_gathered_run(
        store,
        definitions,
        inputs,
        now,
        settings.batch_size,
        in_process=False,  # its batches keep its lease, on whichever workers take them
        lease_seconds=run_lease_seconds(settings),
    )
    if not plan.batches:
        return finish_if_complete(store, plan.run)
    batches = [[batch.id, list(batch.refs)] for batch in plan.batches]
    try:
        client.send_task(START_RUN, args=[plan.run.id, batches])
    except Exception as exc:
        reason = f"could not queue the run on the broker: {type(exc).__name__}: {exc}"
        fail_run(store, plan.run.id, reason)
        raise ConfigurationError(
            f"{reason} — check SCORECARDS_BROKER_URL and that the broker is running"
        ) from exc
    return plan.run
