"""PostgreSQL-only behaviour: migrations, opening, URLs and writers in several
processes; the shared behaviour is in test_store_contract.py."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import timedelta
from multiprocessing.synchronize import Barrier

import psycopg
import pytest
from psycopg import sql

from scorecards.errors import StoreError
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.facts import Fact
from scorecards.records.results import CheckResult, EntityEvaluation, Status
from scorecards.stores import open_store
from scorecards.stores.base import StoreUnreachableError
from scorecards.stores.postgresql import PostgreSQLStore
from scorecards.stores.postgresql_schema import SCHEMA_VERSION
from tests.conftest import NOW, free_port

pytestmark = pytest.mark.postgresql

REF = "component:default/payments-api"

# The tables as version 1 made them, written out: a released step never changes.
VERSION_1 = """
CREATE TABLE schema_version (version integer NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE entities (ref text COLLATE "C" PRIMARY KEY, document text NOT NULL);
CREATE TABLE facts_latest (
    entity text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL,
    timestamp timestamptz NOT NULL, facts text, input_hash text, valid_until text,
    PRIMARY KEY (entity, source));
CREATE TABLE facts_history (
    entity text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL,
    timestamp timestamptz NOT NULL, facts text NOT NULL,
    PRIMARY KEY (entity, source, timestamp));
CREATE TABLE runs (id text COLLATE "C" PRIMARY KEY, created_at timestamptz NOT NULL, data text NOT NULL);
CREATE TABLE run_batches (
    run_id text COLLATE "C" NOT NULL, batch_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, batch_id));
CREATE TABLE leases (name text COLLATE "C" PRIMARY KEY, holder text NOT NULL,
    expires_at timestamptz NOT NULL);
"""


def schema_of(url: str) -> str:
    return url.rpartition("?schema=")[2]


def run_sql(url: str, statements: str, *params: object) -> list[tuple[object, ...]]:
    """Statements run in the URL's schema (created when missing); the last one's rows."""
    database = url.partition("?")[0]
    schema = sql.Identifier(schema_of(url))
    with psycopg.connect(database, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
        connection.execute(sql.SQL("SET search_path TO {}").format(schema))
        cursor = connection.execute(statements.encode(), params or None)
        return cursor.fetchall() if cursor.description else []


def evaluation(hours: float) -> EntityEvaluation:
    return EntityEvaluation(
        REF,
        NOW + timedelta(hours=hours),
        "v1",
        [CheckResult("has-owner", Status.PASS)],
        [],
        "digest",
        NOW + timedelta(days=1),
    )


def test_a_new_schema_is_created_at_the_current_version(postgresql_url: str) -> None:
    with PostgreSQLStore(postgresql_url) as store:
        assert store.schema_version() == SCHEMA_VERSION


def test_a_version_1_database_is_upgraded_on_open_keeping_its_data(postgresql_url: str) -> None:
    stored = evaluation(0)
    document = stored.to_dict()
    run_sql(postgresql_url, VERSION_1)
    run_sql(
        postgresql_url,
        "INSERT INTO facts_latest VALUES (%s, 'scorecards', %s, %s, 'digest', %s)",
        REF,
        NOW,
        json.dumps(document),
        format_timestamp(NOW + timedelta(days=1)),
    )
    run_sql(
        postgresql_url,
        "INSERT INTO facts_history SELECT entity, source, timestamp, facts FROM facts_latest",
    )
    with PostgreSQLStore(postgresql_url) as store:
        assert store.schema_version() == SCHEMA_VERSION > 1
        assert store.evaluation_history(REF) == [stored]
        stamp = store.latest_evaluation_stamps([REF])[REF]
        assert (stamp.input_hash, stamp.evaluated_at) == ("digest", NOW)
    indexes = run_sql(
        postgresql_url,
        "SELECT indexname FROM pg_indexes WHERE schemaname = %s ORDER BY indexname",
        schema_of(postgresql_url),
    )
    assert {"facts_latest_source", "runs_created_at"} <= {row[0] for row in indexes}


def test_a_database_newer_than_the_code_is_refused_naming_both_versions(
    postgresql_url: str,
) -> None:
    PostgreSQLStore(postgresql_url).close()
    run_sql(postgresql_url, "UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match=rf"schema version 99, newer .*\({SCHEMA_VERSION}\)"):
        PostgreSQLStore(postgresql_url)


def test_opening_without_create_a_missing_schema_creates_nothing(
    postgresql_url: str,
) -> None:
    with pytest.raises(StoreError, match="there is no scorecards store in schema"):
        open_store(postgresql_url, create=False)
    with psycopg.connect(postgresql_url.partition("?")[0]) as connection:
        found = connection.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema_of(postgresql_url)]
        ).fetchone()
    assert found == (0,)


def test_opening_without_create_an_empty_schema_creates_no_table(postgresql_url: str) -> None:
    run_sql(postgresql_url, "SELECT 1")  # makes the schema
    with pytest.raises(StoreError, match="there is no scorecards store in schema"):
        open_store(postgresql_url, create=False)
    found = run_sql(
        postgresql_url,
        "SELECT count(*) FROM pg_tables WHERE schemaname = %s",
        schema_of(postgresql_url),
    )
    assert found == [(0,)]


def test_an_unreachable_server_is_reported_without_the_password() -> None:
    store = PostgreSQLStore(f"postgresql://postgres:s3cret@127.0.0.1:{free_port()}/scores")
    with pytest.raises(StoreUnreachableError) as raised:
        store.list_entity_refs()
    assert "postgres:***@127.0.0.1" in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_a_database_that_does_not_exist_is_refused_at_once_saying_what_to_create(
    postgresql_database: str,
) -> None:
    missing = postgresql_database.rpartition("/")[0] + "/no_such_database"
    with pytest.raises(StoreError, match='"no_such_database" does not exist — create') as raised:
        PostgreSQLStore(missing)
    assert not isinstance(raised.value, StoreUnreachableError)


def test_a_store_reconnects_after_its_connection_is_killed(postgresql_url: str) -> None:
    # Other libpq parameters of the URL are passed on: the name finds this store's session.
    name = f"killed-{schema_of(postgresql_url)}"
    with PostgreSQLStore(f"{postgresql_url}&application_name={name}") as store:
        store.put_entities([{"kind": "Component", "metadata": {"name": "payments-api"}}])
        killed = run_sql(
            postgresql_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            name,
        )
        assert killed == [(True,)]
        with pytest.raises(StoreUnreachableError):
            store.list_entity_refs()
        assert store.list_entity_refs() == [REF]


def read_in_child(store: PostgreSQLStore, answers: multiprocessing.Queue[list[str]]) -> None:
    answers.put(store.list_entity_refs())
    store.close()  # on the parent's connection, this would end the parent's session


def test_a_forked_child_uses_a_connection_of_its_own_leaving_the_parent_s_working(
    postgresql_url: str,
) -> None:
    with PostgreSQLStore(postgresql_url) as store:
        store.put_entities([{"kind": "Component", "metadata": {"name": "payments-api"}}])
        context = multiprocessing.get_context("fork")
        answers: multiprocessing.Queue[list[str]] = context.Queue()
        child = context.Process(target=read_in_child, args=(store, answers))
        child.start()
        child.join(timeout=60)
        assert child.exitcode == 0
        assert answers.get(timeout=10) == [REF]
        assert store.list_entity_refs() == [REF]


def open_after(barrier: Barrier, url: str, errors: multiprocessing.Queue[str]) -> None:
    barrier.wait()
    try:
        PostgreSQLStore(url).close()
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_schema_at_once_all_get_the_store(postgresql_url: str) -> None:
    context = multiprocessing.get_context("fork")
    errors: multiprocessing.Queue[str] = context.Queue()
    barrier = context.Barrier(4)
    processes = [
        context.Process(target=open_after, args=(barrier, postgresql_url, errors)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0] * 4
    assert errors.empty(), errors.get()


def write_rounds(url: str, refs: list[str], hours: range, barrier: Barrier) -> None:
    with PostgreSQLStore(url) as store:
        barrier.wait()
        for hour in hours:
            moment = NOW + timedelta(hours=hour)
            store.write_facts([Fact(ref, "github", moment, {"stars": 1}) for ref in refs])
            store.write_facts([Fact(ref, "ci", moment, {"build": hour}) for ref in reversed(refs)])


def test_writers_in_several_processes_taking_rows_in_opposite_orders_lose_nothing(
    postgresql_url: str,
) -> None:
    PostgreSQLStore(postgresql_url).close()
    refs = [f"component:default/service-{n:03d}" for n in range(200)]
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    processes = [
        context.Process(
            target=write_rounds,
            args=(postgresql_url, refs if n % 2 else refs[::-1], range(n, 40, 4), barrier),
        )
        for n in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * 4
    with PostgreSQLStore(postgresql_url) as store:
        latest = store.latest_facts(refs)
        assert {by_source["github"].timestamp for by_source in latest.values()} == {
            NOW + timedelta(hours=39)
        }
        assert {by_source["ci"].values["build"] for by_source in latest.values()} == {39}
        assert [len(store.fact_history(ref, "ci")) for ref in refs] == [40] * len(refs)
        first = {store.fact_history(ref, "github")[0].timestamp for ref in refs}
        assert first == {NOW}


def test_one_store_is_safe_to_share_between_threads(postgresql_url: str) -> None:
    with PostgreSQLStore(postgresql_url) as store:

        def confirm(hours: range) -> None:
            for hour in hours:
                store.write_evaluations([evaluation(0)])
                store.confirm_evaluations([REF], NOW + timedelta(hours=hour))

        threads = [threading.Thread(target=confirm, args=(range(n, 20, 4),)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert store.latest_evaluations([REF])[REF].evaluated_at == NOW + timedelta(hours=19)
        assert store.evaluation_history(REF) == [evaluation(0)]
