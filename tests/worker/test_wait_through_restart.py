"""`scorecards run --wait` rides out a Redis (broker and store) that restarts mid-run.

A real `scorecards run --wait` process, a real worker, and a private redis-server
with an append-only file that the test kills and starts again on the same port
while the run is half done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scorecards.cli.runs import wait_for_run
from scorecards.stores import RunState
from scorecards.stores.base import StoreUnreachableError
from scorecards.stores.redis import RedisStore
from tests.conftest import REPO_ROOT, RedisServer, free_port
from tests.worker.conftest import Cluster, wait_until
from tests.worker.synthetic import definitions_text, synthetic_catalog

ENTITIES = 3000
# Longer than redis-py's own retries (about 5 s at most) ride out.
OUTAGE_SECONDS = 8.0
# The worker is suspended through the outage, and a batch's time limit counts wall time:
# a limit shorter than the outage would stop the batch it was in, and fail it, when the
# worker resumes. The limits here are long enough that only the outage is being tested.
LONG_LIMITS = {"SCORECARDS_BATCH_TIME_LIMIT": "30", "SCORECARDS_VISIBILITY_TIMEOUT": "75"}


@pytest.fixture
def durable_cluster(tmp_path: Path, definitions_folder: Path) -> Iterator[Cluster]:
    """A cluster whose Redis keeps every acknowledged write across a crash (appendonly)."""
    server = RedisServer(tmp_path / "redis", appendonly=True)
    server.start()
    cluster = Cluster(server, definitions_folder, tmp_path, extra_env=LONG_LIMITS)
    try:
        yield cluster
    finally:
        cluster.stop()
        server.stop()


def run_and_wait(cluster: Cluster, tmp_path: Path) -> subprocess.Popen[str]:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump_all(synthetic_catalog(ENTITIES)))
    (tmp_path / "no-facts").mkdir()
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "scorecards", "run", "--wait", "--batch-size", "100"),
            *("--catalog", str(catalog), "--facts", str(tmp_path / "no-facts")),
        ],
        cwd=REPO_ROOT,
        env=cluster.env(),  # broker, store and definitions of the cluster
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_run_wait_survives_a_redis_restart_mid_run_and_reports_the_real_outcome(
    durable_cluster: Cluster, tmp_path: Path
) -> None:
    cluster = durable_cluster
    (cluster.definitions_folder / "checks.yaml").write_text(definitions_text(copies=8))
    (worker,) = cluster.start_workers("alpha")
    assert worker.process is not None
    waiting = run_and_wait(cluster, tmp_path)
    store = cluster.open_store()

    def half_done() -> bool:
        runs = store.list_runs(1)
        return bool(runs) and runs[0].batches_done >= 2

    wait_until(half_done, timeout=60, what="the run to score two batches")
    os.killpg(worker.process.pid, signal.SIGSTOP)  # no progress while Redis is away
    try:
        cluster.redis.stop(kill=True)
        time.sleep(OUTAGE_SECONDS)
        cluster.redis.start()
    finally:
        os.killpg(worker.process.pid, signal.SIGCONT)
    output, _ = waiting.communicate(timeout=180)

    assert waiting.returncode == 0, output
    (run,) = store.list_runs(1)
    assert run.errors == [], cluster.logs()
    assert run.state is RunState.SUCCEEDED, cluster.logs()
    assert f"run {run.id}: the store stopped answering" in output
    assert "the workers carry on meanwhile" in output
    assert f"run {run.id}: the store answers again after" in output
    assert f"Run {run.id}: succeeded, {ENTITIES} entities scored" in output
    assert "Traceback" not in output


def test_waiting_gives_up_on_a_store_that_stays_away_saying_the_run_may_still_finish() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/1")  # nobody serves this port
    heard: list[str] = []
    started = time.monotonic()

    with pytest.raises(StoreUnreachableError) as gave_up:
        wait_for_run(store, "20261125T120000-abcd1234", timeout=2, on_outage=heard.append)

    assert time.monotonic() - started < 30
    assert str(gave_up.value).startswith(
        "gave up waiting for run 20261125T120000-abcd1234: the store has not answered for"
    )
    assert "follow it with `scorecards runs 20261125T120000-abcd1234`" in str(gave_up.value)
    assert len(heard) == 1 and heard[0].startswith("the store stopped answering")
