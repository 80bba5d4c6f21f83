"""Prometheus metrics of one API server, in a registry of its own.

Counters count what this process did (requests, runs it started, entities it
scored, facts pushed to it, source errors its runs met); the `last_run` gauges
are read from the store at scrape time, so they also cover runs made by the
CLI or by Celery workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scorecards.records.runs import RunState
from scorecards.stores.base import Store

log = logging.getLogger("scorecards.api")
# Label values come from closed sets only: every distinct value is a new series kept
# for the life of the process, so anything a client chooses (the method, the path)
# would let anyone grow /metrics without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUSES = frozenset(str(status.value) for status in HTTPStatus)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.request_seconds = Histogram(
            "scorecards_http_request_duration_seconds",
            "Time to answer HTTP requests, by route template",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.runs_started = Counter(
            "scorecards_runs_started",
            "Runs this server started",
            ["mode"],
            registry=self.registry,
        )
        self.runs_finished = Counter(
            "scorecards_runs_finished",
            "Runs this server ran to the end, by final state",
            ["state"],
            registry=self.registry,
        )
        self.evaluations = Counter(
            "scorecards_evaluations",
            "Entities scored by runs this server ran",
            registry=self.registry,
        )
        self.source_errors = Counter(
            "scorecards_source_errors",
            "Failures to read a source during runs this server ran",
            ["source"],
            registry=self.registry,
        )
        self.facts_pushed = Counter(
            "scorecards_facts_pushed",
            "Facts pushed to POST /api/v1/facts, by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.registry.register(LastRunCollector(store))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def install(self, app: FastAPI) -> None:
        """Time every request, labelled by its method (or `other`), its route template
        (never the raw path; `unmatched` when no route matched) and its status."""

        @app.middleware("http")
        async def time_requests(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            started = time.perf_counter()
            status = 500
            try:
                response = await call_next(request)
                status = response.status_code
                return response
            finally:
                self.request_seconds.labels(*request_labels(request, status)).observe(
                    time.perf_counter() - started
                )


def request_labels(request: Request, status: int) -> tuple[str, str, str]:
    """(method, route, status) of a request, each from a closed set."""
    method = request.method if request.method in METHODS else "other"
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    status_text = str(status)
    return (
        method,
        template if isinstance(template, str) else "unmatched",
        status_text if status_text in STATUSES else "other",
    )


class LastRunCollector(Collector):
    """Gauges about the newest run in the store, whoever ran it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("scorecards_store_up", "1 when the store answered this scrape")
        try:
            runs = self.store.list_runs(limit=1)
        except Exception as exc:  # a scrape must answer; the outage shows as store_up 0
            log.warning("metrics: the store did not answer: %s: %s", type(exc).__name__, exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if not runs:
            return
        run = runs[0]
        state = GaugeMetricFamily(
            "scorecards_last_run_state", "1 for the state of the newest run", labels=["state"]
        )
        for candidate in RunState:
            state.add_metric([candidate.value], 1 if run.state is candidate else 0)
        yield state
        counts = GaugeMetricFamily(
            "scorecards_last_run_entities", "Entities of the newest run", labels=["outcome"]
        )
        counts.add_metric(["total"], run.entities_total)
        counts.add_metric(["done"], run.entities_done)
        counts.add_metric(["failed"], run.entities_failed)
        yield counts
        yield GaugeMetricFamily(
            "scorecards_last_run_errors", "Errors recorded on the newest run", len(run.errors)
        )
        yield GaugeMetricFamily(
            "scorecards_last_run_started_timestamp_seconds",
            "When the newest run started (Unix time)",
            run.created_at.timestamp(),
        )
        if run.finished_at is not None:
            yield GaugeMetricFamily(
                "scorecards_last_run_finished_timestamp_seconds",
                "When the newest run finished (Unix time)",
                run.finished_at.timestamp(),
            )
