"""`scorecards run` on workers, as a user types it, against one real worker for the module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.stores import RunState
from tests.conftest import RedisServer
from tests.worker.conftest import Cluster
from tests.worker.synthetic import DEFINITIONS, synthetic_catalog

runner = CliRunner()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One worker for the module's tests; each test scores its own catalog."""
    tmp_path = tmp_path_factory.mktemp("cli-cluster")
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "checks.yaml").write_text(DEFINITIONS)
    server = RedisServer(tmp_path / "redis")
    server.start()
    cluster = Cluster(server, folder, tmp_path)
    try:
        cluster.start_workers("alpha")
        yield cluster
    finally:
        cluster.stop()
        server.stop()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scorecards.yaml or SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)


def options(cluster: Cluster, tmp_path: Path, count: int, name: str) -> list[str]:
    catalog = tmp_path / f"{name}.yaml"
    entities = synthetic_catalog(count)
    for entity in entities:  # each test its own entities, in the one store
        entity["metadata"]["name"] = f"{name}-{entity['metadata']['name']}"
    catalog.write_text(yaml.safe_dump_all(entities))
    (tmp_path / "no-facts").mkdir(exist_ok=True)
    return [
        *("--catalog", str(catalog)),
        *("--definitions", str(cluster.definitions_folder)),
        *("--store", cluster.store_url),
        *("--facts", str(tmp_path / "no-facts")),
    ]


def test_run_distributed_wait_scores_on_the_workers_and_prints_the_summary(
    shared: Cluster, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        [
            *("run", "--distributed", "--wait", "--batch-size", "100"),
            *("--broker", shared.broker_url),
            *options(shared, tmp_path, 300, "waited"),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "queued: 300 entities in 3 batches" in result.output
    assert ": succeeded, 300 entities scored" in result.output
    assert "Readiness" in result.output
    run_id = result.output.split("Run ", 1)[1].split()[0]
    run = shared.open_store().get_run(run_id)
    assert run is not None and run.state is RunState.SUCCEEDED


def test_a_configured_broker_makes_run_distributed_and_runs_shows_it(
    shared: Cluster, tmp_path: Path
) -> None:
    environment = {"SCORECARDS_BROKER_URL": shared.broker_url}
    started = runner.invoke(app, ["run", *options(shared, tmp_path, 50, "auto")], env=environment)

    assert started.exit_code == 0, started.output
    assert "queued: 50 entities in 1 batches" in started.output
    run_id = started.output.split("Run ", 1)[1].split()[0]
    assert f"Follow it with: scorecards runs {run_id}" in started.output
    shared.wait_for_run(shared.open_store(), run_id)

    listed = runner.invoke(app, ["runs", "--store", shared.store_url])
    shown = runner.invoke(app, ["runs", run_id, "--store", shared.store_url])

    assert run_id in listed.output
    assert "50 scored, 0 failed, of 50" in shown.output


def test_in_process_overrides_a_configured_broker(shared: Cluster, tmp_path: Path) -> None:
    environment = {"SCORECARDS_BROKER_URL": shared.broker_url}
    result = runner.invoke(
        app, ["run", "--in-process", *options(shared, tmp_path, 20, "local")], env=environment
    )

    assert result.exit_code == 0, result.output
    assert "queued" not in result.output
    assert ": succeeded, 20 entities scored" in result.output


def test_run_wait_gives_up_after_its_timeout_when_no_worker_listens(
    shared: Cluster, tmp_path: Path
) -> None:
    no_workers = shared.broker_url.replace("/0", "/5")  # a broker database no worker reads
    # A store of its own: the stranded run holds its store until its lease lapses.
    own_store = f"{shared.store_url}?prefix=stranded"
    result = runner.invoke(
        app,
        [
            *("run", "--wait", "--timeout", "2", "--broker", no_workers),
            *options(shared, tmp_path, 20, "stranded"),
            *("--store", own_store),
        ],
    )

    assert result.exit_code == 1
    assert "is still running after 2s" in result.output
    assert "celery -A worker worker" in result.output
