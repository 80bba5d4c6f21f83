"""Celery beat's schedule from settings and definitions, and the locks of scheduled jobs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from celery.schedules import crontab

from scorecards.engine.loading import load_definitions
from scorecards.settings import Settings
from scorecards.stores import RunState
from tests.conftest import NOW, REPO_ROOT, RedisServer
from tests.worker.conftest import Cluster
from tests.worker.synthetic import synthetic_catalog
from worker.config import QUEUE, create_app
from worker.context import WorkerContext
from worker.dispatch import COLLECT_SOURCE, SCHEDULED_RUN, client_app
from worker.scheduling import (
    DefinitionsScheduler,
    beat_entries,
    collect_scheduled_source,
    schedule_lock,
    start_scheduled_run,
)

SOURCES = """\
sources:
  - id: coverage-api
    type: http
    schedule: "15 */6 * * *"
    url: '"{base}/coverage/" + entity.metadata.name'
    facts:
      coverage: double(response.coverage)
  - id: github
    type: github
"""


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server.url
    server.stop()


def write_sources(
    folder: Path, base: str = "http://127.0.0.1:9", cron: str = "15 */6 * * *"
) -> None:
    text = SOURCES.format(base=base).replace("15 */6 * * *", cron)
    (folder / "sources.yaml").write_text(text)


def settings_for(folder: Path, redis_url: str, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "broker_url": redis_url,
        "store_url": redis_url.replace("/0", "/1"),
        "definitions": str(folder),
        "score_schedule": "0 * * * *",
        "facts": None,
    }
    values.update(changes)
    return Settings(**values)


def test_beat_schedules_scoring_and_each_source_that_has_a_cron(
    definitions_folder: Path, redis_url: str
) -> None:
    write_sources(definitions_folder)
    settings = settings_for(definitions_folder, redis_url)

    entries = beat_entries(settings, load_definitions(definitions_folder, now=NOW))

    assert sorted(entries) == ["score", "source:coverage-api"]
    assert entries["score"]["task"] == SCHEDULED_RUN
    assert entries["score"]["schedule"] == crontab(minute="0")
    assert entries["source:coverage-api"] == {
        "task": COLLECT_SOURCE,
        "schedule": crontab(minute="15", hour="*/6"),
        "args": ["coverage-api"],
    }


def test_an_empty_score_schedule_schedules_no_scoring(
    definitions_folder: Path, redis_url: str
) -> None:
    settings = settings_for(definitions_folder, redis_url, score_schedule="")
    assert beat_entries(settings, load_definitions(definitions_folder, now=NOW)) == {}


def make_scheduler(folder: Path, redis_url: str, tmp_path: Path) -> DefinitionsScheduler:
    app = create_app(settings_for(folder, redis_url))
    return DefinitionsScheduler(app=app, schedule_filename=str(tmp_path / "beat" / "schedule"))


def test_beat_takes_new_crons_when_the_definitions_change(
    definitions_folder: Path, redis_url: str, tmp_path: Path
) -> None:
    write_sources(definitions_folder)
    scheduler = make_scheduler(definitions_folder, redis_url, tmp_path)
    assert scheduler.schedule["source:coverage-api"].schedule == crontab(minute="15", hour="*/6")

    write_sources(definitions_folder, cron="*/5 * * * *")

    assert scheduler.reload_if_changed()
    assert scheduler.schedule["source:coverage-api"].schedule == crontab(minute="*/5")
    assert not scheduler.reload_if_changed()  # nothing changed since


def test_beat_keeps_its_schedule_when_the_definitions_become_invalid(
    definitions_folder: Path, redis_url: str, tmp_path: Path
) -> None:
    write_sources(definitions_folder)
    scheduler = make_scheduler(definitions_folder, redis_url, tmp_path)

    (definitions_folder / "sources.yaml").write_text(
        SOURCES.replace("15 */6 * * *", "every six hours")
    )

    assert not scheduler.reload_if_changed()
    assert scheduler.schedule["source:coverage-api"].schedule == crontab(minute="15", hour="*/6")


def test_a_scheduled_job_is_skipped_while_another_holds_its_lock(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with schedule_lock(client, "source:github", ttl=30) as first:
        with schedule_lock(client, "source:github", ttl=30) as second:
            assert (first, second) == (True, False)
        with schedule_lock(client, "source:sonarqube", ttl=30) as other_source:
            assert other_source
    with schedule_lock(client, "source:github", ttl=30) as after_release:
        assert after_release
    client.close()


def test_a_lock_whose_holder_died_frees_itself_after_its_ttl(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    abandoned = client.lock("scorecards:lock:source:github", timeout=0.5, blocking=False)
    assert abandoned.acquire()  # and never released, as by a killed process

    with schedule_lock(client, "source:github", ttl=30) as while_held:
        assert not while_held
    time.sleep(0.7)
    with schedule_lock(client, "source:github", ttl=30) as after_expiry:
        assert after_expiry
    client.close()


class CoverageApi(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        name = self.path.rsplit("/", 1)[-1]
        body = json.dumps({"coverage": 50 + int(name[-2:])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def coverage_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CoverageApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_scheduled_source_collection_stores_the_sources_facts(
    definitions_folder: Path, redis_url: str, coverage_api: str
) -> None:
    write_sources(definitions_folder, base=coverage_api)
    context = WorkerContext(settings_for(definitions_folder, redis_url))
    context.store.put_entities(synthetic_catalog(12))

    collected = collect_scheduled_source(context, "coverage-api")

    assert collected == 12
    latest = context.store.latest_facts(sources=["coverage-api"])
    assert len(latest) == 12
    assert latest["component:default/service-00007"]["coverage-api"].values == {"coverage": 57.0}


def test_a_scheduled_source_collection_is_skipped_while_the_previous_one_runs(
    definitions_folder: Path, redis_url: str, coverage_api: str
) -> None:
    write_sources(definitions_folder, base=coverage_api)
    context = WorkerContext(settings_for(definitions_folder, redis_url))
    context.store.put_entities(synthetic_catalog(3))
    client = redis.Redis.from_url(redis_url)

    with schedule_lock(client, "source:coverage-api", ttl=30):
        skipped = collect_scheduled_source(context, "coverage-api")

    assert skipped is None
    assert context.store.latest_facts(sources=["coverage-api"]) == {}
    client.close()


def test_a_scheduled_run_is_queued_and_the_next_one_waits_until_it_ends(
    definitions_folder: Path, redis_url: str, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump_all(synthetic_catalog(30)))
    settings = settings_for(definitions_folder, redis_url, catalog=str(catalog), batch_size=10)
    context = WorkerContext(settings)
    app = client_app(settings)
    broker = redis.Redis.from_url(redis_url)

    first = start_scheduled_run(context, app)
    skipped = start_scheduled_run(context, app)
    assert first is not None
    run = context.store.get_run(first)
    assert run is not None
    assert (run.state, run.entities_total, run.batches_total) == (RunState.RUNNING, 30, 3)
    assert broker.llen(QUEUE) == 1  # one start_run message carries the three batches
    assert skipped is None

    context.store.update_run(first, state=RunState.SUCCEEDED)
    second = start_scheduled_run(context, app)
    assert second is not None and second != first
    broker.close()


def test_beat_starts_with_one_command_and_logs_its_schedule(cluster: Cluster) -> None:
    write_sources(cluster.definitions_folder)
    env = cluster.env()
    env["SCORECARDS_SCORE_SCHEDULE"] = "0 3 * * *"
    log_path = cluster.tmp_path / "beat.log"
    with log_path.open("wb") as log:
        beat = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "worker", "beat", "--loglevel", "INFO"),
                *("--schedule", str(cluster.tmp_path / "beat-schedule")),
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "beat: schedule" not in log_path.read_text():
            time.sleep(0.1)
        assert "beat: schedule score, source:coverage-api" in log_path.read_text()
    finally:
        beat.terminate()
        beat.wait(timeout=10)
