"""Entities per second: the embedded run against 1 and 2 Celery worker processes.

    python -m bench.distributed [--entities 5000] [--batch-size 250] [--seed 7] [--repeat 1]

Uses the synthetic catalog and facts of bench/evaluate.py with the bundled checks,
and measures in the same run, each time from planning (storing entities and
facts, creating the run) until the run is finished:

1. the embedded run (`run_in_process`) into SQLite, the baseline;
2. the embedded run into Redis, to separate the store's cost from distribution;
3. a distributed run on 1 worker process, then on 2 (`celery -A worker worker
   --pool prefork -c 1` each), with Redis as broker and store.

Workers start before timing (they are long-lived in production); a private
redis-server is started on a free loopback port and removed afterwards. Every
run must score every entity with the same results as the baseline, or the
figures are not printed. With fewer cores than workers, more workers cannot help.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import redis

from bench.evaluate import CHECKS, NOW, synthetic_catalog, synthetic_facts
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.entities import Entity
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation
from scorecards.runs.inputs import RunInputs
from scorecards.runs.orchestrator import run_in_process
from scorecards.settings import Settings
from scorecards.stores import Fact, Run, RunState, Store, open_store
from scorecards.stores.sqlite import SQLiteStore
from worker.dispatch import start_distributed_run

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 120.0
RUN_SECONDS = 1800.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_server(folder: Path) -> Iterator[int]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            *(binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)),
            *("--save", "", "--appendonly", "no"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


class Workers:
    """`celery -A worker worker` processes, started one at a time, stopped together."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def add(self) -> None:
        name = f"bench{len(self.processes) + 1}@localhost"
        log_path = self.folder / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "worker", "worker"),
                    *("--pool", "prefork", "--concurrency", "1", "--hostname", name),
                    *("--without-gossip", "--without-mingle", "--loglevel", "WARNING"),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        # At WARNING, "ready" is not logged: wait for the worker to answer a ping instead.
        from worker.dispatch import client_app

        app = client_app(Settings(broker_url=self.env["SCORECARDS_BROKER_URL"]))
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if app.control.ping(destination=[name], timeout=0.5):
                return
            if process.poll() is not None:
                break
        raise SystemExit(f"worker {name} did not start:\n{log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def as_facts(entities: Sequence[Entity], seed: int) -> list[Fact]:
    return [
        Fact(ref, source, snapshot.timestamp, snapshot.values)
        for ref, by_source in synthetic_facts(entities, seed).items()
        for source, snapshot in by_source.items()
    ]


def wait_for(store: Store, run_id: str) -> Run:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        run = store.get_run(run_id)
        if run is not None and run.state.is_finished:
            return run
        time.sleep(0.02)
    raise SystemExit(f"run {run_id} did not finish within {RUN_SECONDS:g}s")


Measured = tuple[float, Run, float | None]  # seconds, the run, seconds until it was queued


def best_of(repeat: int, measure: Callable[[int], Measured]) -> Measured:
    """Fastest of `repeat` runs; each run gets its own `now`, so results never collide."""
    return min((measure(attempt) for attempt in range(repeat)), key=lambda pair: pair[0])


def scores(store: Store, refs: list[str]) -> dict[str, tuple[object, ...]]:
    """What must agree across runs: every check status and every score, per entity."""

    def key(evaluation: EntityEvaluation) -> tuple[object, ...]:
        return (
            tuple((r.check_id, r.status) for r in evaluation.checks),
            tuple((s.scorecard_id, s.score, s.level) for s in evaluation.scorecards),
        )

    return {ref: key(e) for ref, e in store.latest_evaluations(refs).items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entities", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    definitions: Definitions = load_definitions(CHECKS, run_tests=False)
    entities = synthetic_catalog(args.entities, args.seed)
    facts = as_facts(entities, args.seed)
    refs = [entity_ref(e) for e in entities]
    count = len(entities)

    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as temp:
        folder = Path(temp)
        with redis_server(folder) as port:
            broker_url, store_url = f"redis://127.0.0.1:{port}/0", f"redis://127.0.0.1:{port}/1"
            flush = redis.Redis(port=port, db=1)
            settings = Settings(
                broker_url=broker_url,
                store_url=store_url,
                definitions=str(CHECKS),
                batch_size=args.batch_size,
                facts=None,
            )

            def embedded(store: Store) -> Callable[[int], Measured]:
                def measure(attempt: int) -> Measured:
                    now = NOW + timedelta(minutes=attempt)
                    started = time.perf_counter()
                    run = run_in_process(store, definitions, entities, facts, now, args.batch_size)
                    return time.perf_counter() - started, run, None

                return measure

            def distributed(attempt: int) -> Measured:
                flush.flushdb()
                now = NOW + timedelta(minutes=attempt)
                store = open_store(store_url)
                started = time.perf_counter()
                queued = start_distributed_run(
                    settings, store, definitions, RunInputs(entities, facts), now
                )
                queued_after = time.perf_counter() - started
                run = wait_for(store, queued.id)
                return time.perf_counter() - started, run, queued_after

            # Warm up this process (first evaluations fill caches) before any timing.
            warm = SQLiteStore(folder / "warm-up.db")
            run_in_process(warm, definitions, entities[:200], facts, NOW, args.batch_size)
            warm.close()
            sqlite = SQLiteStore(folder / "embedded.db")
            rows = [("embedded run, SQLite store", *best_of(args.repeat, embedded(sqlite)))]
            baseline = scores(sqlite, refs)
            flush.flushdb()
            redis_store = open_store(store_url)
            rows.append(("embedded run, Redis store", *best_of(args.repeat, embedded(redis_store))))
            checked = [scores(redis_store, refs)]

            env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
            env.update(
                SCORECARDS_CONFIG=str(folder / "no-config.yaml"),
                SCORECARDS_BROKER_URL=broker_url,
                SCORECARDS_STORE_URL=store_url,
                SCORECARDS_DEFINITIONS=str(CHECKS),
            )
            workers = Workers(env, folder)
            try:
                for size in (1, 2):
                    workers.add()
                    warm_up = RunInputs(entities[: args.batch_size * size], facts)
                    warm_store = open_store(store_url)
                    queued = start_distributed_run(settings, warm_store, definitions, warm_up, NOW)
                    wait_for(warm_store, queued.id)
                    label = f"distributed, {size} worker process{'es' if size > 1 else ''}"
                    rows.append((label, *best_of(args.repeat, distributed)))
                    checked.append(scores(open_store(store_url), refs))
            finally:
                workers.stop()

    for label, _, run, _ in rows:
        if run.state is not RunState.SUCCEEDED or run.entities_done != count:
            print(f"{label}: run {run.state.value}, {run.entities_done}/{count}", file=sys.stderr)
            return 1
    if any(other != baseline for other in checked) or len(baseline) != count:
        print("runs disagree on some entity's results", file=sys.stderr)
        return 1

    base_rate = count / rows[0][1]
    print(
        f"{count} synthetic entities (seed {args.seed}), {len(definitions.checks)} checks, "
        f"batches of {args.batch_size}, {os.cpu_count()} CPUs, best of {args.repeat}"
    )
    for label, seconds, _, queued_after in rows:
        rate = count / seconds
        note = f"   (queued after {queued_after:.2f}s)" if queued_after is not None else ""
        print(
            f"{label:<34} {rate:>9,.0f} entities/s {seconds:>8.2f}s {rate / base_rate:>6.2f}x"
            + note
        )
    print("x: entities/s relative to the embedded run into SQLite; same results in every run.")
    print("queued after: storing the entities and facts and creating the run, in this process.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
