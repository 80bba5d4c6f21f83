"""`scorecards runs` lists and shows runs; `run --distributed` needs a broker."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.stores import BatchOutcome, Run, RunState, open_store
from tests.conftest import NOW

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scorecards.yaml or SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """An empty store (as `scorecards run` leaves one): `runs` only reads, it never creates."""
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    open_store(url).close()
    return url


def make_run(run_id: str, hours: int, batches: int = 4) -> Run:
    moment = NOW + timedelta(hours=hours)
    return Run(run_id, RunState.RUNNING, moment, moment, "v1", batches * 10, batches)


def test_runs_says_so_when_there_are_none(store_url: str) -> None:
    result = runner.invoke(app, ["runs", "--store", store_url])
    assert result.exit_code == 0, result.output
    assert "No runs yet" in result.output


def test_runs_lists_the_newest_first_with_progress(store_url: str) -> None:
    store = open_store(store_url)
    store.create_run(make_run("run-old", 0))
    store.create_run(make_run("run-new", 1))
    store.record_batch("run-new", BatchOutcome("00000", 10))
    store.record_batch("run-new", BatchOutcome("00001", 0, 10, "boom"))
    store.update_run("run-old", state=RunState.SUCCEEDED, finished_at=NOW + timedelta(minutes=2))

    result = runner.invoke(app, ["runs", "--store", store_url])

    assert result.exit_code == 0, result.output
    newest, oldest = [line.split() for line in result.output.splitlines() if "run-" in line]
    assert newest == ["run-new", "running", "10/40", "10", "2/4", "0", newest[-1]]
    assert oldest == ["run-old", "succeeded", "0/40", "0", "0/4", "0", "2m00s"]


def test_runs_with_an_id_shows_counts_and_errors(store_url: str) -> None:
    store = open_store(store_url)
    store.create_run(make_run("run-1", 0, batches=2))
    store.record_retry("run-1")
    store.record_batch("run-1", BatchOutcome("00000", 10))
    store.record_batch("run-1", BatchOutcome("00001", 0, 10, "StoreError: boom"))
    store.update_run("run-1", state=RunState.PARTIAL, finished_at=NOW + timedelta(seconds=42))

    result = runner.invoke(app, ["runs", "run-1", "--store", store_url])

    assert result.exit_code == 0, result.output
    assert "Run run-1: partial" in result.output
    assert "10 scored, 10 failed, of 20" in result.output
    assert "1 done, 1 failed, of 2" in result.output
    assert "retries      1" in result.output
    assert "batch 00001: StoreError: boom" in result.output
    assert "took         42s" in result.output


def test_runs_as_json_gives_the_stored_records(store_url: str) -> None:
    store = open_store(store_url)
    store.create_run(make_run("run-1", 0))
    store.create_run(make_run("run-2", 1))

    listed = runner.invoke(app, ["runs", "--store", store_url, "--format", "json"])
    one = runner.invoke(app, ["runs", "run-1", "--store", store_url, "--format", "json"])

    assert [r["id"] for r in json.loads(listed.output)] == ["run-2", "run-1"]
    assert json.loads(one.output)["batches_total"] == 4


def test_runs_limit_keeps_the_newest(store_url: str) -> None:
    store = open_store(store_url)
    for hours in range(5):
        store.create_run(make_run(f"run-{hours}", hours))

    result = runner.invoke(app, ["runs", "--store", store_url, "--limit", "2", "--format", "json"])

    assert [r["id"] for r in json.loads(result.output)] == ["run-4", "run-3"]


def test_an_unknown_run_id_is_a_clear_error(store_url: str) -> None:
    result = runner.invoke(app, ["runs", "no-such-run", "--store", store_url])
    assert result.exit_code == 2
    assert "no run 'no-such-run'" in result.output
    assert "scorecards runs" in result.output


def test_run_distributed_without_a_broker_says_how_to_configure_one(store_url: str) -> None:
    result = runner.invoke(app, ["run", "--distributed", "--store", store_url])
    assert result.exit_code == 2
    assert "--distributed needs a broker" in result.output
    assert "SCORECARDS_BROKER_URL" in result.output
    assert open_store(store_url).list_runs() == []
