"""The production store: PostgreSQL (psycopg 3), shared by the API and every worker,
keeping years of history on disk. Its tables and migrations are in
scorecards/stores/postgresql_schema.py.

`postgresql://user[:password]@host:port/database[?schema=NAME]`: every libpq
parameter of the URL is passed on; `schema` (default `public`) is the schema the
tables live in, so several deployments or test runs can share one database.

Writers that touch the same (entity, source) queue on its `facts_latest` row, each
taking the rows of a write in one order (rows that do not exist yet are inserted
first, in that order), so concurrent workers neither lose a change nor deadlock;
a transaction the server still aborts (deadlock, serialization) is tried again.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from scorecards.errors import ConfigurationError, StoreError
from scorecards.formats.json_codec import compact, loads
from scorecards.formats.timeutil import parse_timestamp
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, Fact, FactSnapshot
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation, EvaluationStamp
from scorecards.records.runs import BatchOutcome, Run, apply_batch
from scorecards.stores.base import (
    Retention,
    Store,
    StoreUnreachableError,
    encode_fact_values,
    fact_evaluation,
)
from scorecards.stores.postgresql_schema import CREATE_VERSION_TABLE, MIGRATIONS, SCHEMA_VERSION

T = TypeVar("T")
Cursor = psycopg.Cursor[Any]
# Refs per query of bulk reads: one round trip each, without one huge reply.
CHUNK = 5000
# A transaction the server aborts to break a deadlock is tried again this often.
TRANSACTION_ATTEMPTS = 5
DEFAULT_SCHEMA = "public"
# What a server that answered says when it will never take this URL as it is.
REFUSALS = ("does not exist", "authentication failed", "no pg_hba.conf entry", "password")
ABORTED = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.TransactionRollback,
)


class PostgreSQLStore(Store):
    """`postgresql://user@host:5432/database[?schema=NAME]`. With `create=False`
    the schema must hold a store already: nothing is created."""

    def __init__(
        self, url: str, retention: Retention | None = None, *, create: bool = True
    ) -> None:
        self.retention = retention or Retention()
        self._conninfo, self.schema = _split_schema(url)
        self._where = _redacted(url)
        self._create = create
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[Any] | None = None
        self._pid = os.getpid()
        self._closed = False
        try:
            with self._lock:
                self._connect()
        except StoreUnreachableError:
            pass  # the first read or write says so; a run can wait for the server

    # connections
    def _connect(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise StoreError(f"the PostgreSQL store at {self._where} is closed")
        connection = self._connection
        if connection is not None and self._pid != os.getpid():
            # A forked child (a worker pool process) must not talk on its parent's
            # socket, nor close it: it opens its own.
            connection = self._connection = None
        if connection is not None and not connection.closed and not connection.broken:
            return connection
        try:
            connection = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.OperationalError as exc:
            reason = _one_line(exc)
            if any(refusal in reason for refusal in REFUSALS):
                # The server answered: waiting for it will not help.
                raise StoreError(
                    f"PostgreSQL at {self._where} refused the store: {reason} — create the "
                    "database or role (e.g. createdb), or fix the user or password "
                    "(PGPASSWORD, ~/.pgpass)"
                ) from None
            raise StoreUnreachableError(
                f"PostgreSQL store at {self._where} is not reachable: {reason}"
            ) from None
        except psycopg.ProgrammingError as exc:
            raise ConfigurationError(
                f"store URL '{self._where}' is not a PostgreSQL URL: {_one_line(exc)} — "
                "e.g. postgresql://postgres@127.0.0.1:5432/scorecards"
            ) from None
        try:
            self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self._pid = os.getpid()
        return connection

    def _migrate(self, connection: psycopg.Connection[Any]) -> None:
        """Enter the store's schema and apply the steps its database lacks."""
        schema = sql.Identifier(self.schema)
        with self._reported(), connection.transaction():
            connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scorecards:{self.schema}"]
            )
            if self._create:
                connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            connection.execute(sql.SQL("SET search_path TO {}").format(schema))
            # Timestamps come back in UTC, as from every store.
            connection.execute("SET TIME ZONE 'UTC'")
            found = connection.execute("SELECT to_regclass('schema_version')").fetchone()
            if (found is None or found[0] is None) and not self._create:
                raise StoreError(
                    f"there is no scorecards store in schema '{self.schema}' at {self._where} — "
                    "run `scorecards run` first to create one, or check --store "
                    "(SCORECARDS_STORE_URL)"
                )
            connection.execute(CREATE_VERSION_TABLE)
            row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
            version = int(row[0]) if row is not None and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the PostgreSQL store at {self._where} (schema '{self.schema}') is at "
                    f"schema version {version}, newer than this scorecards knows "
                    f"({SCHEMA_VERSION}) — upgrade scorecards to use it"
                )
            for step in MIGRATIONS[version:]:
                for statement in step:
                    connection.execute(statement)
            if version < SCHEMA_VERSION:
                connection.execute("DELETE FROM schema_version")
                connection.execute("INSERT INTO schema_version VALUES (%s)", [SCHEMA_VERSION])

    def schema_version(self) -> int:
        """The schema version of the store's database (SCHEMA_VERSION once opened)."""
        rows = self._query("SELECT max(version) FROM schema_version")
        return int(rows[0][0])

    @contextmanager
    def _reported(self) -> Iterator[None]:
        """The server's errors as StoreErrors naming the store: StoreUnreachableError
        when the connection is gone, so callers that can wait tell an outage from a fault."""
        try:
            yield
        except psycopg.Error as exc:
            connection = self._connection
            if isinstance(exc, psycopg.OperationalError) and (
                connection is None or connection.closed or connection.broken
            ):
                raise StoreUnreachableError(
                    f"PostgreSQL store at {self._where} is not reachable: {_one_line(exc)}"
                ) from None
            raise StoreError(f"PostgreSQL store at {self._where} failed: {_one_line(exc)}") from exc

    def _query(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, self._reported():
            return self._connect().execute(query.encode(), params).fetchall()

    def _write(self, work: Callable[[Cursor], T]) -> T:
        """`work` in one transaction, tried again when the server aborts it to break a
        deadlock or a serialization conflict (all of its writes were undone)."""
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with self._lock, self._reported():
                    connection = self._connect()
                    with connection.transaction(), connection.cursor() as cursor:
                        return work(cursor)
            except StoreError as exc:
                retry = isinstance(exc.__cause__, ABORTED)
                if not retry or attempt == TRANSACTION_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # entities
    def put_entities(self, entities: Sequence[Entity]) -> None:
        documents = {entity_ref(e): compact(e) for e in entities}
        if not documents:
            return
        refs = sorted(documents)

        def put(cursor: Cursor) -> None:
            # Re-putting an unchanged catalog (every run does) then writes no rows.
            cursor.execute(
                """INSERT INTO entities (ref, document)
                   SELECT ref, document FROM unnest(%b::text[], %b::text[]) AS p(ref, document)
                   ON CONFLICT (ref) DO UPDATE SET document = excluded.document
                   WHERE entities.document IS DISTINCT FROM excluded.document""",
                [refs, [documents[ref] for ref in refs]],
            )

        self._write(put)

    def remove_entities(self, refs: Sequence[str]) -> None:
        if not refs:
            return
        gone = sorted(set(refs))

        def remove(cursor: Cursor) -> None:
            cursor.execute("DELETE FROM entities WHERE ref = ANY(%b)", [gone])
            cursor.execute("DELETE FROM facts_latest WHERE entity = ANY(%b)", [gone])

        self._write(remove)

    def get_entities(self, refs: Sequence[str]) -> dict[str, Entity]:
        found: dict[str, Entity] = {}
        for chunk in _chunks(refs):
            for ref, document in self._query(
                "SELECT ref, document FROM entities WHERE ref = ANY(%b)", [chunk]
            ):
                found[ref] = loads(document)
        return found

    def list_entity_refs(self) -> list[str]:
        return [row[0] for row in self._query("SELECT ref FROM entities ORDER BY ref")]

    # facts
    def write_facts(self, facts: Sequence[Fact]) -> None:
        if not facts:
            return
        # Encoded before the transaction: a fact that cannot be stored writes nothing.
        rows = [
            (f.entity_ref, f.source, parse_timestamp(f.timestamp), encode_fact_values(f.values))
            for f in facts
        ]
        stamps = {
            index: (f.values.get("input_hash") or "", f.values.get("valid_until"))
            for index, f in enumerate(facts)
            if f.source == RESULTS_SOURCE
        }

        def write(cursor: Cursor) -> None:
            points, latest = _changes(rows, _lock_latest(cursor, rows))
            _insert_points(cursor, [rows[i] for i in points])
            _update_latest(cursor, [(*rows[i], *stamps.get(i, (None, None))) for i in latest])
            self._apply_retention(cursor, {rows[i][:2] for i in points})

        self._write(write)

    def _apply_retention(self, cursor: Cursor, pairs: set[tuple[str, str]]) -> None:
        retention = self.retention
        if not pairs or (retention.max_items is None and retention.max_age is None):
            return
        entities, sources = _columns(sorted(pairs), 2)
        # One pass over the pairs' history for both rules. Age counts from each pair's
        # newest change (its latest fact may be a later confirmation of it); a rule
        # that is off is NULL, which deletes nothing.
        cursor.execute(
            """DELETE FROM facts_history AS h USING (
                   SELECT entity, source, timestamp,
                          row_number() OVER (PARTITION BY entity, source
                                             ORDER BY timestamp DESC) AS n,
                          max(timestamp) OVER (PARTITION BY entity, source) AS newest
                   FROM facts_history
                   WHERE (entity, source) IN (SELECT * FROM unnest(%b::text[], %b::text[]))
               ) AS ranked
               WHERE h.entity = ranked.entity AND h.source = ranked.source
                 AND h.timestamp = ranked.timestamp
                 AND (ranked.n > %s::bigint
                      OR ranked.timestamp < ranked.newest - %s::interval)""",
            [entities, sources, retention.max_items, retention.max_age],
        )

    def latest_facts(
        self, refs: Sequence[str] | None = None, sources: Sequence[str] | None = None
    ) -> dict[str, dict[str, Fact]]:
        result: dict[str, dict[str, Fact]] = {}
        if sources is not None and not sources:
            return result
        base = "SELECT entity, source, timestamp, facts FROM facts_latest WHERE facts IS NOT NULL"
        params: list[Any] = []
        if sources is not None:
            base += " AND source = ANY(%b)"
            params.append(list(sources))
        chunks: list[list[str] | None] = list(_chunks(refs)) if refs is not None else [None]
        for chunk in chunks:
            query, args = base, list(params)
            if chunk is not None:
                query += " AND entity = ANY(%b)"
                args.append(chunk)
            for entity, source, timestamp, values in self._query(query, args):
                result.setdefault(entity, {})[source] = Fact(
                    entity, source, timestamp, loads(values)
                )
        return result

    def input_facts(self, refs: Sequence[str]) -> dict[str, dict[str, FactSnapshot]]:
        # Not via latest_facts: that would also read (and parse) every stored result.
        found: dict[str, dict[str, FactSnapshot]] = {}
        for chunk in _chunks(refs):
            rows = self._query(
                "SELECT entity, source, timestamp, facts FROM facts_latest "
                "WHERE source != %s AND entity = ANY(%b) AND facts IS NOT NULL",
                [RESULTS_SOURCE, chunk],
            )
            for entity, source, timestamp, values in rows:
                found.setdefault(entity, {})[source] = FactSnapshot(timestamp, loads(values))
        return found

    def fact_history(
        self,
        ref: str,
        source: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Fact]:
        query = "SELECT timestamp, facts FROM facts_history WHERE entity = %s AND source = %s"
        params: list[Any] = [ref, source]
        if since is not None:
            query += " AND timestamp >= %s"
            params.append(parse_timestamp(since))
        if until is not None:
            query += " AND timestamp <= %s"
            params.append(parse_timestamp(until))
        rows = self._query(query + " ORDER BY timestamp", params)
        return [Fact(ref, source, timestamp, loads(values)) for timestamp, values in rows]

    def history_keys(self) -> list[tuple[str, str]]:
        rows = self._query(
            "SELECT DISTINCT entity, source FROM facts_history ORDER BY entity, source"
        )
        return [(entity, source) for entity, source in rows]

    def fact_histories(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Fact]]:
        wanted = set(keys)
        histories: dict[tuple[str, str], list[Fact]] = {}
        for chunk in _chunks(sorted({ref for ref, _ in wanted})):
            rows = self._query(
                "SELECT entity, source, timestamp, facts FROM facts_history "
                "WHERE entity = ANY(%b) ORDER BY entity, source, timestamp",
                [chunk],
            )
            for entity, source, timestamp, values in rows:
                if (entity, source) in wanted:
                    fact = Fact(entity, source, timestamp, loads(values))
                    histories.setdefault((entity, source), []).append(fact)
        return histories

    def evaluation_histories(self, refs: Sequence[str]) -> dict[str, list[EntityEvaluation]]:
        # One query per chunk of refs: reports read the history of the whole catalog.
        histories: dict[str, list[EntityEvaluation]] = {}
        for chunk in _chunks(refs):
            rows = self._query(
                "SELECT entity, timestamp, facts FROM facts_history "
                "WHERE source = %s AND entity = ANY(%b) ORDER BY entity, timestamp",
                [RESULTS_SOURCE, chunk],
            )
            for entity, timestamp, values in rows:
                fact = Fact(entity, RESULTS_SOURCE, timestamp, loads(values))
                histories.setdefault(entity, []).append(fact_evaluation(fact))
        return histories

    def confirm_evaluations(self, refs: Sequence[str], evaluated_at: datetime) -> None:
        # Only the timestamp moves; the result document is not sent again.
        if not refs:
            return
        moment = parse_timestamp(evaluated_at)
        chosen = sorted(set(refs))

        def confirm(cursor: Cursor) -> None:
            cursor.execute(
                """UPDATE facts_latest SET timestamp = %s
                   WHERE source = %s AND entity = ANY(%b) AND timestamp < %s
                     AND facts IS NOT NULL""",
                [moment, RESULTS_SOURCE, chosen, moment],
            )

        self._write(confirm)

    def latest_evaluation_stamps(self, refs: Sequence[str]) -> dict[str, EvaluationStamp]:
        found: dict[str, EvaluationStamp] = {}
        for chunk in _chunks(refs):
            rows = self._query(
                "SELECT entity, input_hash, timestamp, valid_until FROM facts_latest "
                "WHERE source = %s AND entity = ANY(%b) AND facts IS NOT NULL",
                [RESULTS_SOURCE, chunk],
            )
            for entity, digest, evaluated_at, valid_until in rows:
                found[entity] = EvaluationStamp(
                    digest or "",
                    evaluated_at,
                    parse_timestamp(valid_until) if valid_until else None,
                )
        return found

    # runs
    def create_run(self, run: Run) -> None:
        def create(cursor: Cursor) -> None:
            cursor.execute(
                "INSERT INTO runs VALUES (%s, %s, %s)",
                [run.id, run.created_at, json.dumps(run.to_dict())],
            )

        try:
            self._write(create)
        except StoreError as exc:
            if isinstance(exc.__cause__, pg_errors.UniqueViolation):
                raise StoreError(f"cannot create run: run {run.id} already exists") from None
            raise

    def get_run(self, run_id: str) -> Run | None:
        rows = self._query("SELECT data FROM runs WHERE id = %s", [run_id])
        return Run.from_dict(json.loads(rows[0][0])) if rows else None

    def list_runs(self, limit: int = 20) -> list[Run]:
        if limit <= 0:
            return []
        rows = self._query("SELECT data FROM runs ORDER BY created_at DESC LIMIT %s", [limit])
        return [Run.from_dict(json.loads(row[0])) for row in rows]

    def _change_run(self, run_id: str, change: Callable[[Run, Cursor], bool]) -> Run:
        """Apply `change` to the run under its row lock; it says whether to write it back."""

        def work(cursor: Cursor) -> Run:
            row = cursor.execute(
                "SELECT data FROM runs WHERE id = %s FOR UPDATE", [run_id]
            ).fetchone()
            if row is None:
                raise _RunMissingError(run_id)
            run = Run.from_dict(json.loads(row[0]))
            if change(run, cursor):
                cursor.execute(
                    "UPDATE runs SET data = %s WHERE id = %s", [json.dumps(run.to_dict()), run_id]
                )
            return run

        try:
            return self._write(work)
        except _RunMissingError:
            raise StoreError(f"no run '{run_id}'") from None

    def record_batch(self, run_id: str, outcome: BatchOutcome) -> Run:
        def record(run: Run, cursor: Cursor) -> bool:
            # The run's row is locked first, so recorders of one run queue there.
            cursor.execute(
                "INSERT INTO run_batches VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [run_id, outcome.batch_id],
            )
            if not cursor.rowcount:
                return False
            apply_batch(run, outcome)
            return True

        return self._change_run(run_id, record)

    def record_retry(self, run_id: str) -> None:
        def add_retry(run: Run, cursor: Cursor) -> bool:
            run.retries += 1
            return True

        self._change_run(run_id, add_retry)

    def update_run(self, run_id: str, **changes: Any) -> Run:
        def set_fields(run: Run, cursor: Cursor) -> bool:
            for key, value in changes.items():
                if not hasattr(run, key):
                    raise StoreError(f"a run has no field '{key}'")
                setattr(run, key, value)
            return True

        return self._change_run(run_id, set_fields)

    # leases, by the database server's clock: every worker sees the same time
    def acquire_lease(self, name: str, holder: str, seconds: float) -> str | None:
        def acquire(cursor: Cursor) -> str | None:
            taken = cursor.execute(
                """INSERT INTO leases AS lease VALUES
                       (%s, %s, clock_timestamp() + %s::float8 * interval '1 second')
                   ON CONFLICT (name) DO UPDATE
                   SET holder = excluded.holder, expires_at = excluded.expires_at
                   WHERE lease.holder = excluded.holder OR lease.expires_at <= clock_timestamp()
                   RETURNING holder""",
                [name, holder, seconds],
            ).fetchone()
            if taken is not None:
                return None
            # The conflicting row stays locked by this transaction: it is still there.
            row = cursor.execute("SELECT holder FROM leases WHERE name = %s", [name]).fetchone()
            return None if row is None else str(row[0])

        return self._write(acquire)

    def release_lease(self, name: str, holder: str) -> bool:
        def release(cursor: Cursor) -> bool:
            cursor.execute("DELETE FROM leases WHERE name = %s AND holder = %s", [name, holder])
            return bool(cursor.rowcount)

        return self._write(release)

    def lease_holder(self, name: str) -> str | None:
        rows = self._query(
            "SELECT holder FROM leases WHERE name = %s AND expires_at > clock_timestamp()", [name]
        )
        return str(rows[0][0]) if rows else None

    # service
    def ping(self) -> None:
        self._query("SELECT 1")

    def record_notifications(self, records: Sequence[NotificationRecord]) -> None:
        def record(cursor: Cursor) -> None:
            cursor.executemany(
                "INSERT INTO notifications VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE "
                "SET at = excluded.at, outcome = excluded.outcome, data = excluded.data",
                [(r.key, r.at, r.outcome.value, json.dumps(r.to_dict())) for r in records],
            )

        if records:
            self._write(record)

    def get_notifications(self, keys: Sequence[str]) -> dict[str, NotificationRecord]:
        rows = self._query("SELECT data FROM notifications WHERE key = ANY(%s)", [list(keys)])
        records = [NotificationRecord.from_dict(json.loads(row[0])) for row in rows]
        return {record.key: record for record in records}

    def list_notifications(
        self, limit: int = 50, outcome: Outcome | None = None
    ) -> list[NotificationRecord]:
        where, params = ("WHERE outcome = %s", [outcome.value]) if outcome else ("", [])
        rows = self._query(
            f"SELECT data FROM notifications {where} ORDER BY at DESC, key LIMIT %s",
            [*params, limit],
        )
        return [NotificationRecord.from_dict(json.loads(row[0])) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                self._connection.close()
                self._connection = None


class _RunMissingError(Exception):
    """Inside a transaction: the run is not there (the transaction is rolled back)."""


Row = tuple[str, str, datetime, str]  # entity, source, timestamp, values as JSON


def _lock_latest(cursor: Cursor, rows: Sequence[Row]) -> dict[int, tuple[datetime, bool]]:
    """Lock the latest row of every (entity, source) of `rows`, in one order, and say
    for each row index whose pair has a stored fact: (its timestamp, whether it has
    the row's values). Pairs without a row get one to lock, written over before commit."""
    entities, sources = _columns(sorted({(e, s) for e, s, _, _ in rows}), 2)
    cursor.execute(
        """INSERT INTO facts_latest (entity, source, timestamp)
           SELECT entity, source, '-infinity' FROM unnest(%b::text[], %b::text[])
               WITH ORDINALITY AS pair(entity, source, position)
           ORDER BY position
           ON CONFLICT DO NOTHING""",
        [entities, sources],
    )
    written_entities, written_sources, _, texts = _columns(rows, 4)
    cursor.execute(
        """SELECT written.position, latest.timestamp, latest.facts = written.facts
           FROM unnest(%b::text[], %b::text[], %b::text[])
               WITH ORDINALITY AS written(entity, source, facts, position)
           JOIN facts_latest AS latest
               ON latest.entity = written.entity AND latest.source = written.source
           WHERE latest.facts IS NOT NULL
           ORDER BY latest.entity, latest.source
           FOR UPDATE OF latest""",
        [written_entities, written_sources, texts],
    )
    return {int(position) - 1: (moment, bool(same)) for position, moment, same in cursor}


def _changes(
    rows: Sequence[Row], stored: dict[int, tuple[datetime, bool]]
) -> tuple[list[int], list[int]]:
    """Indexes of the rows that are history points (all but those repeating the values
    of their pair's latest fact at or after its timestamp) and of the last row to
    become each pair's latest. Rows of one write are taken in order, each seeing the
    latest left by those before, as the SQLite store does."""
    points: dict[tuple[str, str, datetime], int] = {}
    latest: dict[tuple[str, str], int] = {}
    current: dict[tuple[str, str], tuple[datetime, str | None]] = {}  # None: the stored values
    for index, (entity, source, moment, text) in enumerate(rows):
        pair = (entity, source)
        now = current.get(pair)
        if now is None and index in stored:
            now = (stored[index][0], None)
        if now is None:
            points[entity, source, moment] = index
            latest[pair] = index
            current[pair] = (moment, text)
            continue
        stamp, known = now
        same = stored[index][1] if known is None else known == text
        if not (same and moment >= stamp):
            points[entity, source, moment] = index
        if moment >= stamp:
            latest[pair] = index
            current[pair] = (moment, text)
    # A rewrite of the same (entity, source, timestamp) replaces the earlier one.
    return sorted(points.values()), sorted(latest.values())


def _insert_points(cursor: Cursor, points: Sequence[Row]) -> None:
    if not points:
        return
    cursor.execute(
        """INSERT INTO facts_history
           SELECT * FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::text[])
           ON CONFLICT (entity, source, timestamp) DO UPDATE SET facts = excluded.facts""",
        _columns(points, 4),
    )


def _update_latest(cursor: Cursor, latest: Sequence[tuple[Any, ...]]) -> None:
    # An upsert, not an UPDATE: an entity removed since its row was looked at (the row
    # is gone) gets its latest fact back, as if the removal had come first.
    if not latest:
        return
    cursor.execute(
        """INSERT INTO facts_latest AS latest
               (entity, source, timestamp, facts, input_hash, valid_until)
           SELECT * FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::text[],
                                %b::text[], %b::text[])
           ON CONFLICT (entity, source) DO UPDATE
           SET timestamp = excluded.timestamp, facts = excluded.facts,
               input_hash = excluded.input_hash, valid_until = excluded.valid_until""",
        _columns(sorted(latest, key=lambda row: (row[0], row[1])), 6),
    )


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows as `width` column lists, one array parameter each."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _split_schema(url: str) -> tuple[str, str]:
    """The URL libpq understands, and the schema from `?schema=`."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    kept = [(name, value) for name, value in query if name != "schema"]
    if not any(name == "connect_timeout" for name, _ in kept):
        kept.append(("connect_timeout", "10"))
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not schema:
        raise ConfigurationError(f"store URL '{_redacted(url)}' has an empty ?schema=")
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit(parts._replace(scheme=scheme, query=urlencode(kept))), schema


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
