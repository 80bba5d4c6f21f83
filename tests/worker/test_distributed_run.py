"""Distributed runs on real Celery workers: same scores as the embedded run, and failures survived."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import redis

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.refs import entity_ref
from scorecards.runs.inputs import RunInputs
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores import RESULTS_SOURCE, Run, RunState, Store
from scorecards.stores.redis import RedisStore
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW, RedisServer
from tests.worker.conftest import Cluster, WorkerProcess, wait_until
from tests.worker.synthetic import definitions_text, synthetic_catalog, synthetic_facts
from worker.dispatch import SCORE_BATCH, client_app, start_distributed_run


def start(cluster: Cluster, store: Store, definitions: Definitions, count: int) -> Run:
    entities = synthetic_catalog(count)
    inputs = RunInputs(entities, synthetic_facts(entities, NOW))
    return start_distributed_run(cluster.settings(), store, definitions, inputs, NOW)


def results_of_run(store: Store, refs: list[str], run: Run) -> dict[str, int]:
    """How many stored results each entity has from this run (history, not just latest)."""
    return {
        ref: sum(
            1
            for fact in store.fact_history(ref, RESULTS_SOURCE)
            if fact.timestamp == run.evaluated_at
        )
        for ref in refs
    }


def heavier_definitions(cluster: Cluster) -> Definitions:
    """Eight times the checks, so a batch lasts long enough to be caught mid-way."""
    (cluster.definitions_folder / "checks.yaml").write_text(definitions_text(copies=8))
    return load_definitions(cluster.definitions_folder, now=NOW)


def active_batch(cluster: Cluster, worker: WorkerProcess) -> list[Any] | None:
    """The [run id, batch id, refs] the worker is executing now, if any."""
    inspector = client_app(cluster.settings()).control.inspect(
        destination=[worker.hostname], timeout=1.0
    )
    active = (inspector.active() or {}).get(worker.hostname) or []
    batches = [task["args"] for task in active if task["name"] == SCORE_BATCH]
    return list(batches[0]) if batches else None


def test_a_distributed_run_stores_the_same_scores_as_the_embedded_run(
    cluster: Cluster, definitions: Definitions, tmp_path: Path
) -> None:
    entities = synthetic_catalog(2000)
    facts = synthetic_facts(entities, NOW)
    refs = [entity_ref(e) for e in entities]
    embedded_store = SQLiteStore(tmp_path / "embedded.db")
    embedded = run_in_process(embedded_store, definitions, entities, facts, NOW, batch_size=100)

    cluster.start_workers("alpha", "beta")
    store = cluster.open_store()
    queued = start_distributed_run(
        cluster.settings(), store, definitions, RunInputs(entities, facts), NOW
    )
    finished = cluster.wait_for_run(store, queued.id)

    assert finished.state is RunState.SUCCEEDED, finished.errors
    assert (finished.entities_done, finished.batches_done) == (2000, 20)
    assert embedded.entities_done == 2000
    distributed_scores = store.latest_evaluations(refs)
    embedded_scores = embedded_store.latest_evaluations(refs)
    assert len(distributed_scores) == 2000
    assert distributed_scores == embedded_scores
    assert "alpha@localhost" in cluster.logs() and "beta@localhost" in cluster.logs()
    assert all("succeeded" in w.log for w in cluster.workers), "both workers scored batches"


def pool_process(worker: WorkerProcess) -> int:
    assert worker.process is not None
    listing = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(worker.process.pid)],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    return int(listing.stdout.split()[0])


def freeze_mid_batch(
    cluster: Cluster, store: Store, worker: WorkerProcess, run: Run, pid: int, group: bool
) -> list[Any]:
    """SIGSTOP `pid` (its process group if `group`) while the worker holds a batch of `run`
    whose results are not written yet, and return that batch's [run id, batch id, refs]."""
    send = os.killpg if group else os.kill

    def caught() -> list[Any] | None:
        batch = active_batch(cluster, worker)
        if batch is None or batch[0] != run.id:
            return None
        send(pid, signal.SIGSTOP)
        if store.latest_evaluations(batch[2]):
            send(pid, signal.SIGCONT)  # it got past the write already: try the next batch
            return None
        return batch

    return wait_until(caught, timeout=30, what=f"{worker.name} in the middle of a batch")  # type: ignore[no-any-return]


def test_a_worker_killed_mid_batch_leaves_every_entity_scored_exactly_once(
    cluster: Cluster,
) -> None:
    definitions = heavier_definitions(cluster)
    cluster.batch_size = 150
    victim, _survivor = cluster.start_workers("victim", "survivor")
    store = cluster.open_store()
    run = start(cluster, store, definitions, 1200)
    assert victim.process is not None

    batch = freeze_mid_batch(cluster, store, victim, run, victim.process.pid, group=True)
    victim.kill()
    assert store.latest_evaluations(batch[2]) == {}

    finished = cluster.wait_for_run(store, run.id, timeout=90)
    assert finished.state is RunState.SUCCEEDED, finished.errors
    assert (finished.entities_done, finished.batches_done) == (1200, 8)
    refs = [entity_ref(e) for e in synthetic_catalog(1200)]
    assert set(results_of_run(store, refs, finished).values()) == {1}


def test_a_pool_process_killed_mid_batch_is_retried_and_counted(cluster: Cluster) -> None:
    definitions = heavier_definitions(cluster)
    cluster.batch_size = 150
    (worker,) = cluster.start_workers("solo")
    store = cluster.open_store()
    run = start(cluster, store, definitions, 600)
    child = pool_process(worker)

    batch = freeze_mid_batch(cluster, store, worker, run, child, group=False)
    os.kill(child, signal.SIGKILL)

    finished = cluster.wait_for_run(store, run.id, timeout=60)
    assert finished.state is RunState.SUCCEEDED, finished.errors
    assert finished.retries == 1
    assert finished.entities_done == 600
    assert "WorkerLostError" in worker.log
    assert len(store.latest_evaluations(batch[2])) == len(batch[2])


def test_a_poisoned_batch_ends_the_run_partial_with_its_error(cluster: Cluster) -> None:
    definitions = load_definitions(cluster.definitions_folder, now=NOW)
    store = cluster.open_store()
    run = start(cluster, store, definitions, 500)  # queued before any worker exists
    assert isinstance(store, RedisStore)
    poisoned = "component:default/service-00321"  # in batch 00003
    client = redis.Redis.from_url(cluster.store_url)
    client.hset(store.key("entities"), poisoned, "{truncated document")
    client.close()

    cluster.start_workers("alpha")
    finished = cluster.wait_for_run(store, run.id, timeout=60)

    assert finished.state is RunState.PARTIAL
    assert (finished.batches_done, finished.batches_failed) == (4, 1)
    assert (finished.entities_done, finished.entities_failed) == (400, 100)
    assert finished.retries == 2  # SCORECARDS_BATCH_RETRIES, each retry counted
    (error,) = finished.errors
    assert error.startswith(
        "batch 00003: StoreError: stored entity component:default/service-00321"
    )
    assert "not valid JSON" in error


def test_a_batch_slower_than_the_time_limit_is_stopped_and_recorded_with_the_fix(
    cluster: Cluster,
) -> None:
    definitions = heavier_definitions(cluster)
    cluster.batch_size = 2000
    cluster.extra_env.update(SCORECARDS_BATCH_TIME_LIMIT="0.2", SCORECARDS_VISIBILITY_TIMEOUT="5")
    store = cluster.open_store()
    run = start(cluster, store, definitions, 2000)
    cluster.start_workers("slow")

    finished = cluster.wait_for_run(store, run.id, timeout=60)

    assert finished.state is RunState.FAILED
    assert finished.retries == 0  # a retry would only be as slow
    assert finished.errors == [
        "batch 00000: the batch took longer than 0.2s and was stopped — "
        "raise SCORECARDS_BATCH_TIME_LIMIT or lower SCORECARDS_BATCH_SIZE"
    ]


def test_a_worker_with_other_definitions_refuses_to_score_the_run(
    cluster: Cluster, definitions: Definitions, tmp_path: Path
) -> None:
    other = tmp_path / "other-definitions"
    other.mkdir()
    (other / "checks.yaml").write_text(definitions_text().replace("70.0", "80.0"))
    cluster.extra_env["SCORECARDS_DEFINITIONS"] = str(other)
    store = cluster.open_store()
    run = start(cluster, store, definitions, 50)
    cluster.start_workers("stale")

    finished = cluster.wait_for_run(store, run.id, timeout=60)

    assert finished.state is RunState.FAILED
    assert finished.entities_failed == 50
    assert "deploy the same definitions to every worker" in finished.errors[0]
    assert definitions.version in finished.errors[0]
    assert store.latest_evaluations() == {}


def test_acknowledged_facts_and_scores_survive_a_redis_crash_with_aof(
    tmp_path: Path, definitions_folder: Path, definitions: Definitions
) -> None:
    server = RedisServer(tmp_path / "aof-redis", appendonly=True)
    server.start()
    cluster = Cluster(server, definitions_folder, tmp_path)
    try:
        cluster.start_workers("alpha")
        store = cluster.open_store()
        run = start(cluster, store, definitions, 500)
        finished = cluster.wait_for_run(store, run.id)
        assert finished.state is RunState.SUCCEEDED
        refs = store.list_entity_refs()
        before = (
            store.get_entities(refs),
            store.latest_facts(),
            {ref: store.fact_history(ref, RESULTS_SOURCE) for ref in refs},
            store.get_run(run.id),
        )
        store.close()
        cluster.stop()

        server.stop(kill=True)
        server.start()

        reopened = cluster.open_store()
        after = (
            reopened.get_entities(refs),
            reopened.latest_facts(),
            {ref: reopened.fact_history(ref, RESULTS_SOURCE) for ref in refs},
            reopened.get_run(run.id),
        )
        assert len(refs) == 500
        assert len(before[1]) == 500
        assert after == before
        reopened.close()
    finally:
        cluster.stop()
        server.stop()
