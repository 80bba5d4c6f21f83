"""Runs through the API: POST /api/v1/runs starts one, GET /api/v1/runs/{id} follows it.

`start_run` is the one way the API starts a run. It gathers the run's inputs the
way `scorecards run` does (catalog, catalog facts, fact files, collected sources)
during the request, so the run's id comes back at once and an unreadable catalog
is reported to the caller. With a broker (SCORECARDS_BROKER_URL) the run is then
queued on the Celery workers; without one it is embedded: its batches are scored
in a background thread of this server, one run at a time.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from fastapi import Depends, Query
from pydantic import BaseModel

from scorecards.api.auth import require, require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.metrics import Metrics
from scorecards.api.routing import api_router
from scorecards.api.token_scopes import Action
from scorecards.definitions.compiled import Definitions
from scorecards.errors import CatalogError, ConfigurationError, FactsError
from scorecards.formats.timeutil import utcnow
from scorecards.records.runs import Run
from scorecards.runs.inputs import RunInputs, gather_run_inputs
from scorecards.runs.orchestrator import (
    Batch,
    RunPlan,
    plan_gathered_run,
    prune_missing_entities,
    score_run,
)

log = logging.getLogger("scorecards.api")
router = api_router(prefix="/api/v1", tags=["runs"])


class RunView(BaseModel):
    id: str
    state: str
    created_at: str
    evaluated_at: str
    finished_at: str | None
    definitions_version: str
    entities_total: int
    entities_done: int
    entities_failed: int
    batches_total: int
    batches_done: int
    batches_failed: int
    retries: int
    errors: list[str]
    sources: dict[str, dict[str, Any]] = {}  # source id -> what its collection did
    progress: float  # 0..1, entities done or failed over entities total

    @classmethod
    def of(cls, run: Run) -> RunView:
        data: dict[str, Any] = run.to_dict()
        finished = run.entities_done + run.entities_failed
        data["progress"] = round(finished / run.entities_total, 4) if run.entities_total else 1.0
        return cls(**data)


@router.post(
    "/runs",
    status_code=202,
    dependencies=[Depends(require(Action.START_RUNS))],
    summary="Start a scoring run (needs a bearer token); follow it at GET /api/v1/runs/{id}",
)
async def post_run(context: ApiContext = Depends(get_context)) -> RunView:
    # Gathering a run's inputs reads the whole catalog and collects its sources.
    run = await context.expensive.run(lambda: start_run(context), "a run start")
    return RunView.of(run)


@router.get("/runs", dependencies=[Depends(require_read)], summary="The newest runs first")
def list_runs(
    limit: int = Query(default=20, ge=1, le=200), context: ApiContext = Depends(get_context)
) -> list[RunView]:
    return [RunView.of(run) for run in context.store.list_runs(limit)]


@router.get("/runs/{run_id}", dependencies=[Depends(require_read)], summary="A run's progress")
def get_run(run_id: str, context: ApiContext = Depends(get_context)) -> RunView:
    run = context.store.get_run(run_id)
    if run is None:
        raise ApiError(404, f"no run '{run_id}' — GET /api/v1/runs lists the newest runs")
    return RunView.of(run)


def start_run(context: ApiContext) -> Run:
    """Start a run with the definitions in force: on workers with a broker, else embedded."""
    definitions = context.definitions.current
    if not context.settings.broker_url:
        return context.embedded_runs.start(context, definitions)
    from worker.dispatch import start_distributed_run  # Celery is imported only when needed

    now = utcnow()
    inputs = gather_inputs(context, definitions, now)
    try:
        run = start_distributed_run(context.settings, context.store, definitions, inputs, now)
    except ConfigurationError as exc:
        raise ApiError(503, f"cannot start a run: {exc}") from None
    context.metrics.runs_started.labels("distributed").inc()
    return run


def gather_inputs(context: ApiContext, definitions: Definitions, now: datetime) -> RunInputs:
    """What `scorecards run` reads; an unreadable catalog or fact file is a 503. With
    SCORECARDS_PRUNE_MISSING_ENTITIES, stored entities the catalog no longer has are
    removed, as `scorecards run --prune` does."""
    metrics = context.metrics
    try:
        inputs = gather_run_inputs(context.settings, definitions, now)
    except CatalogError as exc:
        metrics.source_errors.labels("catalog").inc()
        raise ApiError(503, f"cannot start a run: the catalog cannot be read: {exc}") from None
    except FactsError as exc:
        metrics.source_errors.labels("fact-files").inc()
        raise ApiError(503, f"cannot start a run: {exc}") from None
    count_source_errors(metrics, inputs)
    if context.settings.prune_missing_entities:
        prune_missing_entities(context.store, inputs.entities)
    return inputs


def count_source_errors(metrics: Metrics, inputs: RunInputs) -> None:
    for report in inputs.reports:
        failures = len(report.errors) + (1 if report.error else 0)
        if failures:
            metrics.source_errors.labels(report.source).inc(failures)


class EmbeddedRuns:
    """Embedded runs of one server, one at a time, each scored in a background thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._run_id: str | None = None

    def start(self, context: ApiContext, definitions: Definitions) -> Run:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise ApiError(
                    409,
                    f"run {self._run_id} is still running — follow it at GET /api/v1/runs/{self._run_id}",
                )
            now = utcnow()
            inputs = gather_inputs(context, definitions, now)
            store, settings = context.store, context.settings
            plan = plan_gathered_run(store, definitions, inputs, now, settings.batch_size)
            thread = threading.Thread(
                target=self._score,
                args=(context, definitions, plan),
                name=f"scorecards-run-{plan.run.id}",
                daemon=True,
            )
            self._thread, self._run_id = thread, plan.run.id
            context.metrics.runs_started.labels("embedded").inc()
            thread.start()
            return plan.run

    def wait(self, timeout: float) -> bool:
        """Wait (bounded) for the current run to end; True when none is running."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _score(self, context: ApiContext, definitions: Definitions, plan: RunPlan) -> None:
        metrics = context.metrics
        counted = 0

        def count_evaluations(progress: Run) -> None:
            nonlocal counted
            metrics.evaluations.inc(max(0, progress.entities_done - counted))
            counted = progress.entities_done

        def log_batch_error(batch: Batch, error: Exception) -> None:
            log.error("run %s: batch %s failed", plan.run.id, batch.id, exc_info=error)

        try:
            finished = score_run(
                context.store,
                definitions,
                plan,
                count_evaluations,
                on_batch_error=log_batch_error,
            )
            metrics.runs_finished.labels(finished.state.value).inc()
        except Exception:
            log.exception("run %s could not be finished", plan.run.id)
