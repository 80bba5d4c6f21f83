"""Runs through the API: POST /api/v1/runs starts one, GET /api/v1/runs/{id} follows it.

`start_run` is the one way the API starts a run. Without a broker the run is
embedded: the catalog snapshot and pushed-style fact files are read and the run
planned during the request (so its id comes back at once and a bad catalog is
reported to the caller), then its batches are scored in a background thread, one
run at a time. It reads what `scorecards run` reads (catalog, catalog facts,
fact files); sources collected during a run join when the CLI and the API share
one function for a run's inputs. With a broker (SCORECARDS_BROKER_URL) the run belongs to Celery
workers.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from scorecards.api.auth import require_read, require_write
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.definitions.compiled import Definitions
from scorecards.errors import CatalogError, FactsError
from scorecards.runs import RunPlan, finish_run, plan_run, score_batch
from scorecards.sources.catalog import catalog_location, load_catalog
from scorecards.sources.catalog_facts import catalog_facts
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.base import BatchOutcome, Run
from scorecards.timeutil import utcnow

log = logging.getLogger("scorecards.api")
router = APIRouter(prefix="/api/v1", tags=["runs"])


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
    dependencies=[Depends(require_write)],
    summary="Start a scoring run (needs a bearer token); follow it at GET /api/v1/runs/{id}",
)
def post_run(context: ApiContext = Depends(get_context)) -> RunView:
    return RunView.of(start_run(context))


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
    if context.settings.broker_url:
        raise ApiError(
            503,
            "this server has a broker configured (SCORECARDS_BROKER_URL), and starting "
            "distributed runs from the API is not available in this build — start the run "
            "with `scorecards run`",
        )
    return context.embedded_runs.start(context)


class EmbeddedRuns:
    """Embedded runs of one server, one at a time, each scored in a background thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._run_id: str | None = None

    def start(self, context: ApiContext) -> Run:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise ApiError(
                    409,
                    f"run {self._run_id} is still running — follow it at GET /api/v1/runs/{self._run_id}",
                )
            plan = _plan(context)
            thread = threading.Thread(
                target=self._score,
                args=(context, context.definitions.current, plan),
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
        store, metrics = context.store, context.metrics
        done = 0
        try:
            for batch in plan.batches:
                try:
                    progress = score_batch(store, definitions, plan.run, batch)
                except Exception as exc:  # recorded on the run, like the CLI's embedded run
                    log.exception("run %s: batch %s failed", plan.run.id, batch.id)
                    outcome = BatchOutcome(
                        batch.id, 0, len(batch.refs), f"{type(exc).__name__}: {exc}"
                    )
                    progress = store.record_batch(plan.run.id, outcome)
                metrics.evaluations.inc(max(0, progress.entities_done - done))
                done = progress.entities_done
            finished = finish_run(store, plan.run.id)
            metrics.runs_finished.labels(finished.state.value).inc()
        except Exception:
            log.exception("run %s could not be finished", plan.run.id)


def _plan(context: ApiContext) -> RunPlan:
    """The same inputs `scorecards run` reads: the catalog, its own facts, fact files."""
    settings, metrics = context.settings, context.metrics
    now = utcnow()
    try:
        entities = load_catalog(catalog_location(settings), settings)
    except CatalogError as exc:
        metrics.source_errors.labels("catalog").inc()
        raise ApiError(503, f"cannot start a run: the catalog cannot be read: {exc}") from None
    try:
        pushed = load_fact_files(settings.facts, now) if settings.facts else []
    except FactsError as exc:
        metrics.source_errors.labels("fact-files").inc()
        raise ApiError(503, f"cannot start a run: {exc}") from None
    facts = [*catalog_facts(entities, now), *pushed]
    return plan_run(
        context.store, context.definitions.current, entities, facts, now, settings.batch_size
    )
