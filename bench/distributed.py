"""Entities per second: the embedded run against 1, 2 and 4 Celery worker processes,
with the Redis store and with the PostgreSQL store.

    python -m bench.distributed [--entities 5000] [--batch-size 250] [--seed 7] [--repeat 1]
        [--workers 1,2,4] [--postgresql postgresql://postgres@127.0.0.1:5432/postgres]

Uses the synthetic catalog and facts of bench/evaluate.py with the bundled checks,
and measures in the same run, each time from planning (storing entities and
facts, creating the run) until the run is finished:

1. the embedded run (`run_in_process`) into SQLite, the baseline;
2. the embedded run into Redis, then into PostgreSQL, to separate each store's
   cost from distribution (each attempt into an emptied store, so each scores
   every entity);
3. a distributed run on 1, 2 and 4 worker processes (`celery -A worker worker
   --pool prefork -c 1` each), Redis as broker, Redis as store; then the same
   with PostgreSQL as store.

Each distributed row also says how many bytes went through Redis per entity
(its `total_net_input_bytes` + `total_net_output_bytes`): with the Redis store,
broker and store traffic together; with PostgreSQL, the broker's alone (and
this process polling the run). Workers start before timing (they are long-lived
in production); a private redis-server is started on a free loopback port and a
schema of its own is made in PostgreSQL, both removed afterwards (no PostgreSQL
answering: its rows are left out, saying so). Every run must score every entity
with the same results as the baseline, or the figures are not printed. With
fewer cores than workers, more workers cannot help.
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
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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

    def __init__(self, env: dict[str, str], folder: Path, tag: str) -> None:
        self.env = env
        self.folder = folder
        self.tag = tag.lower()
        self.processes: list[subprocess.Popen[bytes]] = []

    def add(self) -> None:
        name = f"bench-{self.tag}-{len(self.processes) + 1}@localhost"
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


def scores(store: Store, refs: list[str]) -> dict[str, tuple[object, ...]]:
    """What must agree across runs: every check status and every score, per entity."""

    def key(evaluation: EntityEvaluation) -> tuple[object, ...]:
        return (
            tuple((r.check_id, r.status) for r in evaluation.checks),
            tuple((s.scorecard_id, s.score, s.level) for s in evaluation.scorecards),
        )

    return {ref: key(e) for ref, e in store.latest_evaluations(refs).items()}


@dataclass
class Row:
    label: str
    seconds: float
    run: Run
    queued_after: float | None = None
    redis_bytes: int | None = None


class Bench:
    """The workload, and the stores and broker the rows of one bench run share."""

    def __init__(self, args: argparse.Namespace, folder: Path, port: int) -> None:
        self.args = args
        self.folder = folder
        self.definitions: Definitions = load_definitions(CHECKS, run_tests=False)
        self.entities = synthetic_catalog(args.entities, args.seed)
        self.facts = as_facts(self.entities, args.seed)
        self.refs = [entity_ref(e) for e in self.entities]
        self.broker_url = f"redis://127.0.0.1:{port}/0"
        self.redis = redis.Redis(port=port)

    def settings(self, store_url: str) -> Settings:
        return Settings(
            broker_url=self.broker_url,
            store_url=store_url,
            definitions=str(CHECKS),
            batch_size=self.args.batch_size,
            facts=None,
        )

    def redis_bytes(self) -> int:
        stats = self.redis.info("stats")
        return int(stats["total_net_input_bytes"]) + int(stats["total_net_output_bytes"])

    def embedded(self, label: str, store_url: str, empty: Callable[[], None]) -> Row:
        def measure(attempt: int) -> Row:
            empty()  # else a second attempt would only confirm the first one's results
            now = NOW + timedelta(minutes=attempt)
            with open_store(store_url) as store:
                started = time.perf_counter()
                run = run_in_process(
                    store, self.definitions, self.entities, self.facts, now, self.args.batch_size
                )
                return Row(label, time.perf_counter() - started, run)

        return best_of(self.args.repeat, measure)

    def distributed(self, label: str, store_url: str, empty: Callable[[], None]) -> Row:
        settings = self.settings(store_url)

        def measure(attempt: int) -> Row:
            empty()
            now = NOW + timedelta(minutes=attempt)
            store = open_store(store_url)
            moved = self.redis_bytes()
            started = time.perf_counter()
            queued = start_distributed_run(
                settings, store, self.definitions, RunInputs(self.entities, self.facts), now
            )
            queued_after = time.perf_counter() - started
            run = wait_for(store, queued.id)
            seconds = time.perf_counter() - started
            store.close()
            return Row(label, seconds, run, queued_after, self.redis_bytes() - moved)

        return best_of(self.args.repeat, measure)

    def on_workers(self, store_name: str, store_url: str, empty: Callable[[], None]) -> list[Row]:
        """Distributed rows for each worker count, workers sharing `store_url`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
        env.update(
            SCORECARDS_CONFIG=str(self.folder / "no-config.yaml"),
            SCORECARDS_BROKER_URL=self.broker_url,
            SCORECARDS_STORE_URL=store_url,
            SCORECARDS_DEFINITIONS=str(CHECKS),
        )
        workers = Workers(env, self.folder, store_name)
        rows: list[Row] = []
        try:
            for size in self.args.workers:
                while len(workers.processes) < size:
                    workers.add()
                empty()
                warm_up = RunInputs(self.entities[: self.args.batch_size * size], self.facts)
                with open_store(store_url) as warm_store:
                    queued = start_distributed_run(
                        self.settings(store_url), warm_store, self.definitions, warm_up, NOW
                    )
                    wait_for(warm_store, queued.id)
                plural = "es" if size > 1 else ""
                label = f"{size} worker process{plural}, {store_name} store"
                rows.append(self.distributed(label, store_url, empty))
        finally:
            workers.stop()
        return rows


def best_of(repeat: int, measure: Callable[[int], Row]) -> Row:
    """Fastest of `repeat` runs; each run gets its own `now`, so results never collide."""
    return min((measure(attempt) for attempt in range(repeat)), key=lambda row: row.seconds)


@contextmanager
def postgresql_schema(url: str) -> Iterator[str | None]:
    """A store URL naming a new schema of `url`'s database, dropped afterwards; None
    when no PostgreSQL answers there."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        print(f"no PostgreSQL at {url} ({' '.join(str(exc).split())}): its rows are left out")
        yield None
        return
    try:
        yield f"{url}{'&' if '?' in url else '?'}schema={schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


def emptied_postgresql(store_url: str) -> Callable[[], None]:
    """What empties the PostgreSQL store between runs, keeping its tables (the
    workers' connections stay valid) and its schema version."""
    import psycopg
    from psycopg import sql

    database, _, schema = store_url.partition("?schema=")

    def empty() -> None:
        with psycopg.connect(database, autocommit=True) as connection:
            names = connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                "AND tablename != 'schema_version'",
                [schema],
            ).fetchall()
            tables = [sql.Identifier(schema, name) for (name,) in names]
            if tables:  # none before the store is first opened
                connection.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(tables)))

    return empty


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entities", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--workers", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2, 4]
    )
    parser.add_argument("--postgresql", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="bench-distributed-") as temp,
        redis_server(Path(temp)) as port,
        postgresql_schema(args.postgresql) as postgresql_url,
    ):
        bench = Bench(args, Path(temp), port)
        redis_url = f"redis://127.0.0.1:{port}/1"
        flush = redis.Redis(port=port, db=1)
        # Warm up this process (first evaluations fill caches) before any timing.
        warm = SQLiteStore(bench.folder / "warm-up.db")
        run_in_process(warm, bench.definitions, bench.entities[:200], bench.facts, NOW, 250)
        warm.close()
        sqlite_path = bench.folder / "embedded.db"

        def remove_sqlite() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)

        def flush_store() -> None:
            flush.flushdb()

        stores: list[tuple[str, str, Callable[[], None]]] = [
            ("SQLite", f"sqlite:///{sqlite_path}", remove_sqlite),
            ("Redis", redis_url, flush_store),
        ]
        if postgresql_url is not None:
            stores.append(("PostgreSQL", postgresql_url, emptied_postgresql(postgresql_url)))
        rows: list[Row] = []
        checked: list[dict[str, tuple[object, ...]]] = []
        for name, url, empty in stores:
            rows.append(bench.embedded(f"embedded run, {name} store", url, empty))
            with open_store(url) as store:
                checked.append(scores(store, bench.refs))
        baseline = checked[0]
        for name, url, empty in stores[1:]:
            for row in bench.on_workers(name, url, empty):
                rows.append(row)
                with open_store(url) as store:
                    checked.append(scores(store, bench.refs))
        flush.close()
        bench.redis.close()
    return report(args, bench, rows, baseline, checked)


def report(
    args: argparse.Namespace,
    bench: Bench,
    rows: list[Row],
    baseline: dict[str, tuple[object, ...]],
    checked: list[dict[str, tuple[object, ...]]],
) -> int:
    count = len(bench.entities)
    for row in rows:
        if row.run.state is not RunState.SUCCEEDED or row.run.entities_done != count:
            print(
                f"{row.label}: run {row.run.state.value}, {row.run.entities_done}/{count}",
                file=sys.stderr,
            )
            return 1
    if any(other != baseline for other in checked) or len(baseline) != count:
        print("runs disagree on some entity's results", file=sys.stderr)
        return 1

    base_rate = count / rows[0].seconds
    print(
        f"{count} synthetic entities (seed {args.seed}), {len(bench.definitions.checks)} checks, "
        f"batches of {args.batch_size}, {os.cpu_count()} CPUs, best of {args.repeat}"
    )
    for row in rows:
        rate = count / row.seconds
        line = f"{row.label:<40} {rate:>9,.0f} entities/s {row.seconds:>8.2f}s"
        line += f" {rate / base_rate:>6.2f}x"
        if row.queued_after is not None:
            line += f"   queued after {row.queued_after:.2f}s"
        if row.redis_bytes is not None:
            line += f", Redis {row.redis_bytes / count:,.0f} B/entity"
        print(line)
    print("x: entities/s relative to the embedded run into SQLite; same results in every run.")
    print("queued after: storing the entities and facts and creating the run, in this process.")
    print(
        "Redis B/entity: bytes in and out of Redis during the run (broker, and the store if Redis)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
