"""POST /api/v1/runs on a server with a broker: the run is queued on a real Celery worker
(private redis-server: broker in db 0, shared Redis store in db 1)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import CATALOG, DEFINITIONS, FACTS, TOKEN, ApiServer, start_server
from tests.conftest import RedisServer
from tests.worker.conftest import Cluster

pytestmark = pytest.mark.redis
RUN_SECONDS = 180.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    cluster = Cluster(redis, DEFINITIONS, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
        redis.stop()


@pytest.fixture
def distributed(cluster: Cluster, tmp_path: Path) -> Iterator[ApiServer]:
    cluster.start_workers("w1")
    environment = {
        k: v
        for k, v in cluster.env().items()
        if k.startswith("SCORECARDS_") and k != "SCORECARDS_CONFIG"
    }
    environment.update(SCORECARDS_CATALOG=str(CATALOG), SCORECARDS_FACTS=str(FACTS))
    server = start_server(tmp_path / "api", cluster.store_url, **environment)
    try:
        yield server
    finally:
        server.stop()


def wait_for_run(server: ApiServer, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_SECONDS
    with server.client() as client:
        while time.monotonic() < deadline:
            run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
            if run["state"] in ("succeeded", "partial", "failed"):
                return run
            time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish within {RUN_SECONDS}s:\n{server.log()}")


def test_a_run_posted_to_a_server_with_a_broker_is_scored_by_the_workers(distributed, cluster):
    with distributed.client(TOKEN) as client:
        response = client.post("/api/v1/runs")
    assert response.status_code == 202, response.text
    finished = wait_for_run(distributed, response.json()["id"])
    assert finished["state"] == "succeeded", cluster.logs()
    assert finished["entities_done"] == finished["entities_total"] > 0
    with distributed.client() as client:
        entity = client.get("/api/v1/entities/component/default/payments-api").json()
        metrics = client.get("/metrics").text
    assert entity["evaluated_at"] == finished["evaluated_at"]
    assert 'scorecards_runs_started_total{mode="distributed"} 1.0' in metrics
    assert "scorecards.score_batch" in cluster.logs()
