"""A pushed fact and a fact file of the same source: the newer collection wins.

A fact file's facts without a timestamp count as collected when the file was last
written; a fact pushed through POST /api/v1/facts counts when it was pushed (or at
its own timestamp). The next run reads the file again, and the store keeps
whichever is newer, so a CI push is not undone by a stale demo file.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.formats.timeutil import format_timestamp
from scorecards.stores import open_store
from tests.api.conftest import TOKEN, ApiServer, ServerFactory

PAYMENTS = "component:default/payments-api"
LEDGER = "component:default/ledger-service"
RUN_SECONDS = 120.0
FACT_FILE = f"""
source: ci
facts:
  - entity: {PAYMENTS}
    values: {{coverage: 87.4, build_passing: true}}
  - entity: {LEDGER}
    values: {{coverage: 91.2, build_passing: true}}
"""
FILE_WRITTEN = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def server(server_factory: ServerFactory, tmp_path: Path) -> ApiServer:
    """A server of its own (no run has read the file yet) whose runs read one CI fact file,
    last written an hour ago."""
    path = tmp_path / "ci.yaml"
    path.write_text(FACT_FILE, encoding="utf-8")
    os.utime(path, (FILE_WRITTEN.timestamp(), FILE_WRITTEN.timestamp()))
    return server_factory(SCORECARDS_FACTS=str(tmp_path))


def push_coverage(server: ApiServer, ref: str, coverage: float, at: datetime | None) -> None:
    fact: dict[str, Any] = {"entity": ref, "values": {"coverage": coverage}}
    if at is not None:
        fact["timestamp"] = format_timestamp(at)
    with server.client(TOKEN) as client:
        response = client.post("/api/v1/facts", json={"source": "ci", "facts": [fact]})
    assert response.status_code == 201, response.text


def run_to_the_end(server: ApiServer) -> None:
    with server.client(TOKEN) as client:
        started = client.post("/api/v1/runs")
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + RUN_SECONDS
        while time.monotonic() < deadline:
            run = client.get(f"/api/v1/runs/{started.json()['id']}").json()
            if run["state"] in ("succeeded", "partial", "failed"):
                assert run["state"] == "succeeded", run
                return
            time.sleep(0.2)
    raise AssertionError(f"the run did not finish within {RUN_SECONDS}s:\n{server.log()}")


def stored_coverage(server: ApiServer, ref: str) -> float:
    store = open_store(server.store_url)
    try:
        fact = store.latest_facts([ref], ["ci"])[ref]["ci"]
    finally:
        store.close()
    coverage: float = fact.values["coverage"]
    return coverage


def coverage_status(server: ApiServer, ref: str) -> str:
    evaluation = server.evaluations()[ref]
    (result,) = [r for r in evaluation.checks if r.check_id == "test-coverage"]
    return result.status.value


def test_a_fact_pushed_after_the_file_was_written_survives_the_next_run(server):
    push_coverage(server, PAYMENTS, 10.0, at=None)
    run_to_the_end(server)
    assert stored_coverage(server, PAYMENTS) == 10.0
    assert coverage_status(server, PAYMENTS) == "fail"


def test_a_pushed_fact_older_than_the_file_is_replaced_by_the_next_run(server):
    push_coverage(server, LEDGER, 10.0, at=FILE_WRITTEN - timedelta(minutes=30))
    assert stored_coverage(server, LEDGER) == 10.0  # the latest until the file is read again
    run_to_the_end(server)
    assert stored_coverage(server, LEDGER) == 91.2
    assert coverage_status(server, LEDGER) == "pass"
