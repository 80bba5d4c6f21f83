"""Runs through the API: a real server starts an embedded run and reports its progress."""

from __future__ import annotations

import time
from typing import Any

from tests.api.conftest import TOKEN, ApiServer

RUN_SECONDS = 120.0


def wait_for_run(server: ApiServer, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + RUN_SECONDS
    with server.client() as client:
        while time.monotonic() < deadline:
            run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
            if run["state"] in ("succeeded", "partial", "failed"):
                return run
            time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish within {RUN_SECONDS}s")


def test_a_posted_run_is_accepted_at_once_and_scores_every_entity(writable):
    with writable.client(TOKEN) as client:
        response = client.post("/api/v1/runs")
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["state"] == "running"
    finished = wait_for_run(writable, started["id"])
    assert finished["state"] == "succeeded"
    assert finished["entities_done"] == finished["entities_total"] > 0
    assert finished["progress"] == 1.0


def test_after_a_finished_run_the_entity_history_ends_with_that_run(writable):
    with writable.client(TOKEN) as client:
        run_id = client.post("/api/v1/runs").json()["id"]
    finished = wait_for_run(writable, run_id)
    with writable.client() as client:
        points = client.get("/api/v1/entities/component/default/payments-api/history").json()
    assert points["points"][-1]["evaluated_at"] == finished["evaluated_at"]
    assert len(points["points"]) >= 2


def test_runs_are_listed_newest_first(writable):
    with writable.client() as client:
        runs = client.get("/api/v1/runs").json()
    created = [run["created_at"] for run in runs]
    assert created == sorted(created, reverse=True)
    assert len(runs) >= 1


def test_runs_started_here_are_counted_in_the_metrics(writable):
    with writable.client(TOKEN) as client:
        wait_for_run(writable, client.post("/api/v1/runs").json()["id"])
        text = client.get("/metrics").text
    assert 'scorecards_runs_started_total{mode="embedded"}' in text
    assert 'scorecards_last_run_state{state="succeeded"} 1.0' in text
    evaluations = next(
        line for line in text.splitlines() if line.startswith("scorecards_evaluations_total")
    )
    assert float(evaluations.split()[-1]) > 0


def test_an_unknown_run_is_a_404(api):
    with api.client() as client:
        response = client.get("/api/v1/runs/20260101T000000-deadbeef")
    assert response.status_code == 404
    assert "20260101T000000-deadbeef" in response.json()["error"]["message"]


def test_a_run_asked_for_while_another_holds_the_store_is_a_409(server_factory):
    from scorecards.runs.leases import SCORING_LEASE
    from scorecards.stores import open_store

    server = server_factory()
    store = open_store(server.store_url)
    try:
        assert store.acquire_lease(SCORING_LEASE, "run-elsewhere", 60.0) is None  # None: acquired
        with server.client(TOKEN) as client:
            response = client.post("/api/v1/runs")
        assert response.status_code == 409, response.text
        assert "run-elsewhere" in response.json()["error"]["message"]
    finally:
        store.release_lease(SCORING_LEASE, "run-elsewhere")
        store.close()
