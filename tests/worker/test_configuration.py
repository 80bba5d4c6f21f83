"""How workers are configured from Settings, what a worker process caches, how a run is queued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.errors import ConfigurationError
from scorecards.runs.inputs import RunInputs
from scorecards.settings import Settings
from scorecards.stores import Run, RunState
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW, REPO_ROOT, free_port
from tests.worker.synthetic import synthetic_catalog
from worker.config import celery_config, hard_time_limit, retry_backoff_max
from worker.context import DefinitionsMismatchError, WorkerContext
from worker.dispatch import start_distributed_run

BROKER = "redis://127.0.0.1:6399/0"


def settings(**values: object) -> Settings:
    return Settings(**{"broker_url": BROKER, "facts": None, **values})  # type: ignore[arg-type]


def test_celery_acknowledges_a_batch_only_after_it_is_stored_and_takes_one_at_a_time() -> None:
    config = celery_config(settings())
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_url"] == BROKER


def test_celery_speaks_json_only() -> None:
    config = celery_config(settings())
    assert config["accept_content"] == ["json"]
    assert config["task_serializer"] == config["result_serializer"] == "json"


def test_the_visibility_timeout_outlasts_the_longest_batch_by_default() -> None:
    configured = settings(batch_time_limit=600)
    config = celery_config(configured)
    assert config["task_soft_time_limit"] == 600
    assert config["task_time_limit"] == hard_time_limit(configured) == 630
    assert config["broker_transport_options"]["visibility_timeout"] == 1260


def test_a_visibility_timeout_shorter_than_a_batch_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="SCORECARDS_VISIBILITY_TIMEOUT"):
        celery_config(settings(batch_time_limit=600, visibility_timeout=300))


def test_retries_never_wait_past_the_visibility_timeout() -> None:
    assert retry_backoff_max(settings(retry_backoff_max=300, visibility_timeout=100)) == 50
    assert retry_backoff_max(settings(retry_backoff_max=30)) == 30


def test_a_malformed_score_schedule_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="SCORECARDS_SCORE_SCHEDULE"):
        celery_config(settings(score_schedule="hourly"))


def test_celery_without_a_broker_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="SCORECARDS_BROKER_URL"):
        celery_config(settings(broker_url=None))


def test_a_worker_without_a_broker_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env["SCORECARDS_CONFIG"] = str(tmp_path / "none.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker", "worker", "--pool", "solo"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "no broker: set SCORECARDS_BROKER_URL" in result.stdout + result.stderr


def run_with_version(version: str) -> Run:
    return Run("run-1", RunState.RUNNING, NOW, NOW, version)


def test_a_worker_loads_definitions_once_and_again_only_when_files_change(
    definitions_folder: Path,
) -> None:
    context = WorkerContext(settings(definitions=str(definitions_folder)))
    first = context.definitions()
    assert context.definitions() is first

    checks = definitions_folder / "checks.yaml"
    checks.write_text(checks.read_text().replace("70.0", "75.0"))
    changed = context.definitions()

    assert changed is not first
    assert changed.version != first.version


def test_a_worker_gives_a_run_the_definitions_it_was_planned_with(
    definitions_folder: Path, definitions: Definitions
) -> None:
    context = WorkerContext(settings(definitions=str(definitions_folder)))
    loaded = context.definitions_for(run_with_version(definitions.version))
    assert loaded.version == definitions.version
    assert context.definitions_for(run_with_version(definitions.version)) is loaded


def test_a_worker_refuses_a_run_planned_with_other_definitions(definitions_folder: Path) -> None:
    context = WorkerContext(settings(definitions=str(definitions_folder)))
    with pytest.raises(DefinitionsMismatchError, match="deploy the same definitions"):
        context.definitions_for(run_with_version("0000000000000000"))


def test_a_run_of_an_empty_catalog_finishes_without_a_worker(
    tmp_path: Path, definitions: Definitions
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    run = start_distributed_run(settings(), store, definitions, RunInputs([], []), NOW)
    assert run.state is RunState.SUCCEEDED
    assert run.batches_total == 0


def test_a_run_that_cannot_be_queued_is_marked_failed_and_says_why(
    tmp_path: Path, definitions: Definitions
) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    nowhere = settings(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    entities = synthetic_catalog(5)

    with pytest.raises(ConfigurationError, match="check SCORECARDS_BROKER_URL"):
        start_distributed_run(nowhere, store, definitions, RunInputs(entities, []), NOW)

    (run,) = store.list_runs()
    assert run.state is RunState.FAILED
    assert run.finished_at is not None
    assert "could not queue the run on the broker" in run.errors[0]
