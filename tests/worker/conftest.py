"""Real `celery -A worker worker` subprocesses against a private redis-server per test.

Each test gets its own redis-server (broker in db 0, store in db 1), so batches
left in one test's queue can never reach another's workers. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.settings import Settings
from scorecards.stores import Run, Store, open_store
from tests.conftest import NOW, REPO_ROOT, RedisServer
from tests.worker.synthetic import DEFINITIONS

# Short limits keep failure tests quick; a synthetic batch takes well under a second.
BATCH_TIME_LIMIT = 5.0
VISIBILITY_TIMEOUT = 9.0


class WorkerProcess:
    """One `celery -A worker worker` process (prefork pool, one child) and its log."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.hostname = f"{name}@localhost"
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "worker",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    "1",
                    "--hostname",
                    self.hostname,
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel",
                    "INFO",
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the pool child too
            )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if f"{self.hostname} ready." in self.log:
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker {self.name} did not become ready:\n{self.log[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool child, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def terminate(self) -> None:
        """Ask for a warm shutdown (the current batch finishes); stop() waits for it."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGCONT)  # in case a test froze it
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        self.terminate()
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Cluster:
    """A private Redis (broker db 0, store db 1 unless `shared_store_url` names another),
    a definitions folder and the workers started."""

    redis: RedisServer
    definitions_folder: Path
    tmp_path: Path
    batch_size: int = 100
    workers: list[WorkerProcess] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    # Another store for the workers and the test than Redis db 1, e.g. PostgreSQL.
    shared_store_url: str | None = None

    @property
    def broker_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis.port}/0"

    @property
    def store_url(self) -> str:
        return self.shared_store_url or f"redis://127.0.0.1:{self.redis.port}/1"

    def settings(self) -> Settings:
        return Settings(
            broker_url=self.broker_url,
            store_url=self.store_url,
            definitions=str(self.definitions_folder),
            batch_size=self.batch_size,
            batch_time_limit=BATCH_TIME_LIMIT,
            visibility_timeout=VISIBILITY_TIMEOUT,
            batch_retries=2,
            retry_backoff=1,
            retry_backoff_max=2,
            score_schedule="",
            facts=None,
        )

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
        env.update(
            SCORECARDS_CONFIG=str(self.tmp_path / "no-config-file.yaml"),
            SCORECARDS_BROKER_URL=self.broker_url,
            SCORECARDS_STORE_URL=self.store_url,
            SCORECARDS_DEFINITIONS=str(self.definitions_folder),
            SCORECARDS_BATCH_TIME_LIMIT=str(BATCH_TIME_LIMIT),
            SCORECARDS_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
            SCORECARDS_BATCH_RETRIES="2",
            SCORECARDS_RETRY_BACKOFF="1",
            SCORECARDS_RETRY_BACKOFF_MAX="2",
            SCORECARDS_SCORE_SCHEDULE="",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start_workers(self, *names: str) -> list[WorkerProcess]:
        started = [
            WorkerProcess(name, self.env(), self.tmp_path / f"{name}.log").start() for name in names
        ]
        self.workers += started
        for worker in started:
            worker.wait_ready()
        return started

    def open_store(self) -> Store:
        return open_store(self.store_url)

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log[-4000:]}" for w in self.workers)

    def wait_for_run(self, store: Store, run_id: str, timeout: float = 60) -> Run:
        """Poll until the run is finished; fail with the workers' logs after `timeout`."""
        deadline = time.monotonic() + timeout
        run = store.get_run(run_id)
        while time.monotonic() < deadline:
            run = store.get_run(run_id)
            if run is not None and run.state.is_finished:
                return run
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} did not finish in {timeout}s: {run}\n{self.logs()}")

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.stop()


@pytest.fixture
def definitions_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "checks.yaml").write_text(DEFINITIONS)
    return folder


@pytest.fixture
def definitions(definitions_folder: Path) -> Definitions:
    return load_definitions(definitions_folder, now=NOW)


@pytest.fixture
def cluster(tmp_path: Path, definitions_folder: Path) -> Iterator[Cluster]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    cluster = Cluster(server, definitions_folder, tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()
        server.stop()


Poll = Callable[[], Any]


def wait_until(condition: Poll, timeout: float, what: str) -> Any:
    """The first truthy value of `condition()` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
