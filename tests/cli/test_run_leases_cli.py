"""Real `scorecards run` processes: one killed mid-run is marked abandoned, and of two
started at once on one store (SQLite, Redis) one scores and the other is refused.

Each run scores entities whose heavy rule takes tens of milliseconds, so a run lasts
seconds: long enough to be killed mid-way, and for two runs started together to overlap.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from scorecards.runs.leases import SCORING_LEASE
from scorecards.stores import RESULTS_SOURCE, Run, RunState, open_store
from tests.conftest import REPO_ROOT, RedisServer

HEAVY_RULE = "entity.spec.numbers.all(i, entity.spec.numbers.all(j, i + j >= 0))"
DEFINITIONS = "checks:\n" + "".join(
    f"  - id: heavy-{n}\n    name: Heavy rule {n}\n    rule: {HEAVY_RULE}\n" for n in range(3)
)
ENTITIES = 120
BATCH_SIZE = 40
REFS = [f"component:default/svc-{n:03d}" for n in range(ENTITIES)]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A definitions folder, a catalog of slow-to-score entities and an empty facts folder."""
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "checks.yaml").write_text(DEFINITIONS)
    (tmp_path / "facts").mkdir()
    entities = [
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": ref.rsplit("/", 1)[1]},
            "spec": {"owner": "team", "numbers": list(range(250))},
        }
        for ref in REFS
    ]
    (tmp_path / "catalog.yaml").write_text(yaml.safe_dump_all(entities))
    return tmp_path


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, workspace: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{workspace / 'scores.db'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    return f"{server.url}?prefix=test-{uuid.uuid4().hex[:12]}"


def scorecards(workspace: Path, store_url: str, *args: str) -> subprocess.Popen[str]:
    """`scorecards ARGS --store STORE_URL` as a process of its own (this checkout's code)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env.update(SCORECARDS_CONFIG=str(workspace / "no-config-file.yaml"))
    return subprocess.Popen(
        [sys.executable, "-m", "scorecards", *args, "--store", store_url],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def start_run(workspace: Path, store_url: str) -> subprocess.Popen[str]:
    return scorecards(
        workspace,
        store_url,
        *("run", "--in-process", "--batch-size", str(BATCH_SIZE)),
        *("--catalog", str(workspace / "catalog.yaml")),
        *("--definitions", str(workspace / "definitions")),
        *("--facts", str(workspace / "facts")),
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str]:
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output


def wait_for_a_scored_batch(store_url: str, timeout: float = 60) -> Run:
    """The newest run, once it has scored one batch (and is still running)."""
    store = open_store(store_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            runs = store.list_runs(1)
            if runs and runs[0].batches_done >= 1:
                assert runs[0].state is RunState.RUNNING, "the run ended before it was killed"
                return runs[0]
            time.sleep(0.05)
    finally:
        store.close()
    raise AssertionError(f"no run scored a batch within {timeout}s")


def killed_run(workspace: Path, store_url: str) -> Run:
    """A `scorecards run` SIGKILLed after its first batch, as the store last saw it."""
    process = start_run(workspace, store_url)
    try:
        run = wait_for_a_scored_batch(store_url)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        finish(process)
    return run


def history_points(store_url: str) -> dict[str, int]:
    store = open_store(store_url)
    try:
        return {ref: len(store.fact_history(ref, RESULTS_SOURCE)) for ref in REFS}
    finally:
        store.close()


def test_a_killed_run_shows_as_abandoned_with_why_in_runs(workspace: Path, store_url: str) -> None:
    run = killed_run(workspace, store_url)

    code, shown = finish(scorecards(workspace, store_url, "runs", run.id))
    shown = " ".join(shown.split())  # as one line, however the console wrapped it
    _, listed = finish(scorecards(workspace, store_url, "runs", "--format", "json"))

    assert code == 0, shown
    assert f"Run {run.id}: abandoned" in shown
    assert "ended before the run did (killed or crashed)" in shown
    assert run.owner is not None and f"pid {run.owner.pid}" in shown
    assert [(r["id"], r["state"]) for r in json.loads(listed)] == [(run.id, "abandoned")]


def test_the_next_run_marks_a_killed_run_abandoned_and_scores(
    workspace: Path, store_url: str
) -> None:
    killed = killed_run(workspace, store_url)

    code, output = finish(start_run(workspace, store_url))

    assert code == 0, output
    assert f": succeeded, {ENTITIES} entities scored" in output
    store = open_store(store_url)
    runs = {run.id: run for run in store.list_runs()}
    store.close()
    assert runs[killed.id].state is RunState.ABANDONED
    assert runs[killed.id].finished_at is not None


def test_of_two_runs_started_at_once_on_one_store_one_scores_and_one_is_refused(
    workspace: Path, store_url: str
) -> None:
    first, second = start_run(workspace, store_url), start_run(workspace, store_url)

    outcomes = sorted([finish(first), finish(second)])

    (scored_code, scored), (refused_code, refused) = outcomes
    assert scored_code == 0, scored
    assert f": succeeded, {ENTITIES} entities scored" in scored
    assert refused_code == 2, refused
    assert "on this store, and one run at a time may score a store" in refused
    assert "follow it with `scorecards runs 20" in refused
    assert "Traceback" not in refused
    assert set(history_points(store_url).values()) == {1}


def test_an_interrupted_run_ends_failed_and_frees_the_store(
    workspace: Path, store_url: str
) -> None:
    process = start_run(workspace, store_url)
    run = wait_for_a_scored_batch(store_url)

    process.send_signal(signal.SIGINT)
    code, output = finish(process)

    assert code != 0, output
    store = open_store(store_url)
    ended = store.get_run(run.id)
    holder = store.lease_holder(SCORING_LEASE)
    store.close()
    assert ended is not None and ended.state is RunState.FAILED
    assert ended.errors == ["interrupted (Ctrl-C) before it finished"]
    assert holder is None
