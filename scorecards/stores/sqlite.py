"""The embedded store: one SQLite file (stdlib sqlite3, WAL mode); its tables are
described in scorecards/stores/sqlite_schema.py.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from scorecards.errors import StoreError
from scorecards.formats.json_codec import compact, loads
from scorecards.formats.timeutil import format_timestamp, parse_timestamp
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, Fact, FactSnapshot
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation, EvaluationStamp
from scorecards.records.runs import BatchOutcome, Run, apply_batch
from scorecards.stores.base import Retention, Store, fact_evaluation
from scorecards.stores.sqlite_schema import (
    LATEST_TIMESTAMP,
    WITH_RESULT_STAMPS,
    create_schema,
    decode_values,
    encode_values,
)

# SQLite limits host parameters per statement; stay well under it.
CHUNK = 500
WAL_SWITCH_ATTEMPTS = 50
# Primary result codes of a file that is damaged or not a database at all.
DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class SQLiteStore(Store):
    """One SQLite file. With `create=False` the file must exist already and hold a store:
    nothing is created, not even the folder."""

    def __init__(
        self, path: str | Path, retention: Retention | None = None, *, create: bool = True
    ) -> None:
        self.path = Path(path)
        self.retention = retention or Retention()
        in_memory = str(path) == ":memory:"
        if not create and not in_memory and not self.path.is_file():
            raise StoreError(
                f"there is no store at {path} — run `scorecards run` first to create one, "
                "or check the path in --store (SCORECARDS_STORE_URL; a relative path is "
                "relative to the working folder)"
            )
        try:
            if create and not in_memory:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect(create or in_memory)
            self._db.execute("PRAGMA synchronous=NORMAL")
            if not create and not in_memory:
                self._require_tables()
            self._create_schema()
        except sqlite3.Error as exc:
            raise self._failure(exc, "cannot open SQLite store") from exc
        except OSError as exc:
            raise StoreError(f"cannot open SQLite store at {path}: {exc}") from exc
        self._lock = threading.RLock()

    def _connect(self, create: bool) -> sqlite3.Connection:
        # mode=rw: SQLite itself refuses to make the file, even if it vanished since the
        # check in __init__.
        target, uri = (str(self.path), False) if create else (self._read_write_uri(), True)
        return sqlite3.connect(
            target, timeout=30, check_same_thread=False, isolation_level=None, uri=uri
        )

    def _read_write_uri(self) -> str:
        return self.path.resolve().as_uri() + "?mode=rw"

    def _require_tables(self) -> None:
        found = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entities'"
        ).fetchone()
        if found is None:
            raise StoreError(
                f"{self.path} is not a scorecards store (it has no scorecards tables) — "
                "check the path in --store (SCORECARDS_STORE_URL)"
            )

    def _failure(self, exc: sqlite3.Error, doing: str) -> StoreError:
        """A StoreError naming the file; a damaged file says how to recover."""
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code == sqlite3.SQLITE_NOTADB:
            return StoreError(
                f"{self.path} is not a SQLite database ({exc}) — check the path in --store "
                "(SCORECARDS_STORE_URL)"
            )
        if code == sqlite3.SQLITE_CORRUPT:
            return StoreError(
                f"the SQLite store at {self.path} is damaged ({exc}) — restore it from a "
                "backup, or move it away and run `scorecards run` to start a new one"
            )
        return StoreError(f"{doing} at {self.path}: {exc}")

    def _create_schema(self) -> None:
        # Several processes may open a new file at once (two CI gates, a worker pool).
        # Taking the write lock first makes them queue on the busy timeout; a plain
        # CREATE would read the schema, then fail to upgrade to writing at once
        # ("database is locked") when another process created it in between.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            create_schema(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._use_wal()

    def _use_wal(self) -> None:
        # Switching a new file to WAL needs it to itself, and SQLite answers "locked" at
        # once rather than waiting while another process is opening it too; the file
        # stays in WAL mode after the first switch, so a few short retries suffice.
        for attempt in range(WAL_SWITCH_ATTEMPTS):
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                if attempt == WAL_SWITCH_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._damage_reported():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # a damaged file may have ended it already
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock, self._damage_reported():
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        """A damaged file's errors as a StoreError naming it; other errors as they are."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF not in DAMAGED:
                raise
            raise self._failure(exc, "SQLite store failed") from exc

    # entities
    def put_entities(self, entities: Sequence[Entity]) -> None:
        rows = [(entity_ref(e), compact(e)) for e in entities]
        with self._transaction() as db:
            # Re-putting an unchanged catalog (every run does) then writes no pages.
            db.executemany(
                """INSERT INTO entities VALUES (?, ?) ON CONFLICT (ref) DO UPDATE
                   SET document = excluded.document WHERE document != excluded.document""",
                rows,
            )

    def remove_entities(self, refs: Sequence[str]) -> None:
        with self._transaction() as db:
            for chunk in _chunks(refs):
                marks = ",".join("?" * len(chunk))
                db.execute(f"DELETE FROM entities WHERE ref IN ({marks})", chunk)
                db.execute(f"DELETE FROM facts_latest WHERE entity IN ({marks})", chunk)
                db.execute(f"DELETE FROM results_latest WHERE entity IN ({marks})", chunk)

    def get_entities(self, refs: Sequence[str]) -> dict[str, Entity]:
        found: dict[str, Entity] = {}
        for chunk in _chunks(refs):
            marks = ",".join("?" * len(chunk))
            for ref, document in self._query(
                f"SELECT ref, document FROM entities WHERE ref IN ({marks})", chunk
            ):
                found[ref] = loads(document)
        return found

    def list_entity_refs(self) -> list[str]:
        return [row[0] for row in self._query("SELECT ref FROM entities ORDER BY ref")]

    # facts
    def write_facts(self, facts: Sequence[Fact]) -> None:
        stamps: dict[datetime, str] = {}  # facts of one collection share their timestamp
        rows = [
            (
                f.entity_ref,
                f.source,
                stamps.get(f.timestamp)
                or stamps.setdefault(f.timestamp, format_timestamp(f.timestamp)),
                encode_values(f.values),
            )
            for f in facts
        ]
        results = [
            (f.entity_ref, row[2], f.values.get("input_hash") or "", f.values.get("valid_until"))
            for f, row in zip(facts, rows, strict=True)
            if f.source == RESULTS_SOURCE
        ]
        with self._transaction() as db:
            points, latest = _changes(rows, self._compare_with_latest(db, rows))
            db.executemany("INSERT OR REPLACE INTO facts_history VALUES (?, ?, ?, ?)", points)
            db.executemany(
                """INSERT INTO facts_latest VALUES (?, ?, ?, ?)
                   ON CONFLICT (entity, source) DO UPDATE
                   SET timestamp = excluded.timestamp, facts = excluded.facts""",
                latest,
            )
            if results:
                db.executemany(
                    """INSERT INTO results_latest VALUES (?, ?, ?, ?)
                       ON CONFLICT (entity) DO UPDATE
                       SET evaluated_at = excluded.evaluated_at, input_hash = excluded.input_hash,
                           valid_until = excluded.valid_until
                       WHERE excluded.evaluated_at >= results_latest.evaluated_at""",
                    results,
                )
            self._apply_retention(db, {(entity, source) for entity, source, _, _ in points})

    def _compare_with_latest(
        self, db: sqlite3.Connection, rows: Sequence[Row]
    ) -> dict[int, tuple[str, bool]]:
        """Row index -> (timestamp of the stored latest fact of its pair, whether that
        fact has the row's values), for rows whose pair has one. Compared in SQL: the
        stored values (whole results, for source `scorecards`) are not read out."""
        found: dict[int, tuple[str, bool]] = {}
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ",".join(["(?, ?, ?, ?)"] * len(chunk))
            params: list[Any] = []
            for index, (entity, source, _, text) in enumerate(chunk, start):
                params += (index, entity, source, text)
            for index, timestamp, same in db.execute(
                f"WITH written (i, entity, source, facts) AS (VALUES {values}) "
                f"SELECT written.i, {LATEST_TIMESTAMP}, latest.facts = written.facts "
                "FROM written JOIN facts_latest AS latest "
                "ON latest.entity = written.entity AND latest.source = written.source "
                + WITH_RESULT_STAMPS,
                params,
            ):
                found[index] = (timestamp, bool(same))
        return found

    def _apply_retention(self, db: sqlite3.Connection, pairs: set[tuple[str, str]]) -> None:
        # A run writes history for tens of thousands of pairs, and almost none of them is
        # past a limit: one grouped query per chunk finds those that are, and only they
        # get a DELETE (one per pair and rule was most of the time of writing results).
        retention = self.retention
        if not pairs or (retention.max_items is None and retention.max_age is None):
            return
        over_count: list[tuple[str, str, str, str, int]] = []
        too_old: list[tuple[str, str, str]] = []
        for entity, source, count, oldest, newest in self._history_extents(db, pairs):
            if retention.max_items is not None and count > retention.max_items:
                over_count.append((entity, source, entity, source, retention.max_items))
            if retention.max_age is not None:
                cutoff = format_timestamp(parse_timestamp(newest) - retention.max_age)
                if oldest < cutoff:
                    too_old.append((entity, source, cutoff))
        db.executemany(
            """DELETE FROM facts_history WHERE entity = ? AND source = ? AND timestamp NOT IN
               (SELECT timestamp FROM facts_history WHERE entity = ? AND source = ?
                ORDER BY timestamp DESC LIMIT ?)""",
            over_count,
        )
        db.executemany(
            "DELETE FROM facts_history WHERE entity = ? AND source = ? AND timestamp < ?",
            too_old,
        )

    def _history_extents(
        self, db: sqlite3.Connection, pairs: set[tuple[str, str]]
    ) -> Iterator[tuple[str, str, int, str, str]]:
        """Each pair's number of history points, oldest and newest (its latest fact may be
        a later confirmation)."""
        entities = sorted({entity for entity, _ in pairs})
        for chunk in _chunks(entities):
            marks = ",".join("?" * len(chunk))
            for entity, source, count, oldest, newest in db.execute(
                "SELECT entity, source, COUNT(*), MIN(timestamp), MAX(timestamp) "
                f"FROM facts_history WHERE entity IN ({marks}) GROUP BY entity, source",
                chunk,
            ):
                if (entity, source) in pairs:
                    yield entity, source, count, oldest, newest

    def latest_facts(
        self, refs: Sequence[str] | None = None, sources: Sequence[str] | None = None
    ) -> dict[str, dict[str, Fact]]:
        clauses: list[str] = []
        params: list[Any] = []
        if sources is not None:
            clauses.append(f"latest.source IN ({','.join('?' * len(sources))})")
            params.extend(sources)
        result: dict[str, dict[str, Fact]] = {}
        ref_chunks: list[Sequence[str] | None] = list(_chunks(refs)) if refs is not None else [None]
        for chunk in ref_chunks:
            where = list(clauses)
            args = list(params)
            if chunk is not None:
                where.append(f"latest.entity IN ({','.join('?' * len(chunk))})")
                args.extend(chunk)
            sql = (
                f"SELECT latest.entity, latest.source, {LATEST_TIMESTAMP}, latest.facts "
                f"FROM facts_latest AS latest {WITH_RESULT_STAMPS}"
            )
            if where:
                sql += " WHERE " + " AND ".join(where)
            for row in self._query(sql, args):
                fact = _fact(row)
                result.setdefault(fact.entity_ref, {})[fact.source] = fact
        return result

    def input_facts(self, refs: Sequence[str]) -> dict[str, dict[str, FactSnapshot]]:
        # Not via latest_facts: that would also read (and parse) every stored result.
        found: dict[str, dict[str, FactSnapshot]] = {}
        moments = _Moments()
        for chunk in _chunks(refs):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT entity, source, timestamp, facts FROM facts_latest "
                f"WHERE source != ? AND entity IN ({marks})",
                [RESULTS_SOURCE, *chunk],
            )
            for entity, source, timestamp, values in rows:
                found.setdefault(entity, {})[source] = FactSnapshot(
                    moments.parse(timestamp), decode_values(values)
                )
        return found

    def confirm_evaluations(self, refs: Sequence[str], evaluated_at: datetime) -> None:
        # Only the narrow stamp row moves; the result document stays as it was written.
        stamp = format_timestamp(evaluated_at)
        with self._transaction() as db:
            for chunk in _chunks(refs):
                marks = ",".join("?" * len(chunk))
                db.execute(
                    "UPDATE results_latest SET evaluated_at = ? "
                    f"WHERE evaluated_at < ? AND entity IN ({marks})",
                    [stamp, stamp, *chunk],
                )

    def latest_evaluation_stamps(self, refs: Sequence[str]) -> dict[str, EvaluationStamp]:
        found: dict[str, EvaluationStamp] = {}
        moments = _Moments()
        for chunk in _chunks(refs):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT entity, input_hash, evaluated_at, valid_until FROM results_latest "
                f"WHERE entity IN ({marks})",
                chunk,
            )
            for entity, digest, evaluated_at, valid_until in rows:
                found[entity] = EvaluationStamp(
                    digest,
                    moments.parse(evaluated_at),
                    moments.parse(valid_until) if valid_until else None,
                )
        return found

    def fact_history(
        self,
        ref: str,
        source: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Fact]:
        sql = "SELECT entity, source, timestamp, facts FROM facts_history WHERE entity = ? AND source = ?"
        params: list[Any] = [ref, source]
        if since is not None:
            sql += " AND timestamp >= ?"
            params.append(format_timestamp(since))
        if until is not None:
            sql += " AND timestamp <= ?"
            params.append(format_timestamp(until))
        return [_fact(row) for row in self._query(sql + " ORDER BY timestamp", params)]

    def history_keys(self) -> list[tuple[str, str]]:
        rows = self._query(
            "SELECT DISTINCT entity, source FROM facts_history ORDER BY entity, source"
        )
        return [(entity, source) for entity, source in rows]

    def fact_histories(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Fact]]:
        wanted = set(keys)
        histories: dict[tuple[str, str], list[Fact]] = {}
        for chunk in _chunks(sorted({ref for ref, _ in wanted})):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT entity, source, timestamp, facts FROM facts_history "
                f"WHERE entity IN ({marks}) ORDER BY entity, source, timestamp",
                chunk,
            )
            for row in rows:
                if (row[0], row[1]) in wanted:
                    histories.setdefault((row[0], row[1]), []).append(_fact(row))
        return histories

    def evaluation_histories(self, refs: Sequence[str]) -> dict[str, list[EntityEvaluation]]:
        # One query per chunk of refs: reports read the history of the whole catalog.
        histories: dict[str, list[EntityEvaluation]] = {}
        for chunk in _chunks(refs):
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "SELECT entity, source, timestamp, facts FROM facts_history "
                f"WHERE source = ? AND entity IN ({marks}) ORDER BY entity, timestamp",
                [RESULTS_SOURCE, *chunk],
            )
            for row in rows:
                histories.setdefault(row[0], []).append(fact_evaluation(_fact(row)))
        return histories

    # runs
    def create_run(self, run: Run) -> None:
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO runs VALUES (?, ?, ?)",
                    (run.id, format_timestamp(run.created_at), json.dumps(run.to_dict())),
                )
        except sqlite3.IntegrityError:
            raise StoreError(f"cannot create run: run {run.id} already exists") from None

    def get_run(self, run_id: str) -> Run | None:
        rows = self._query("SELECT data FROM runs WHERE id = ?", (run_id,))
        return Run.from_dict(json.loads(rows[0][0])) if rows else None

    def list_runs(self, limit: int = 20) -> list[Run]:
        rows = self._query("SELECT data FROM runs ORDER BY created_at DESC LIMIT ?", (limit,))
        return [Run.from_dict(json.loads(row[0])) for row in rows]

    def _change_run(self, db: sqlite3.Connection, run_id: str, change: Any) -> Run:
        row = db.execute("SELECT data FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StoreError(f"no run '{run_id}'")
        run = Run.from_dict(json.loads(row[0]))
        change(run)
        db.execute("UPDATE runs SET data = ? WHERE id = ?", (json.dumps(run.to_dict()), run_id))
        return run

    def record_batch(self, run_id: str, outcome: BatchOutcome) -> Run:
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO run_batches VALUES (?, ?)", (run_id, outcome.batch_id)
            ).rowcount
            if not inserted:
                return self._change_run(db, run_id, lambda run: None)
            return self._change_run(db, run_id, lambda run: apply_batch(run, outcome))

    def record_retry(self, run_id: str) -> None:
        def add_retry(run: Run) -> None:
            run.retries += 1

        with self._transaction() as db:
            self._change_run(db, run_id, add_retry)

    def update_run(self, run_id: str, **changes: Any) -> Run:
        def set_fields(run: Run) -> None:
            for key, value in changes.items():
                if not hasattr(run, key):
                    raise StoreError(f"a run has no field '{key}'")
                setattr(run, key, value)

        with self._transaction() as db:
            return self._change_run(db, run_id, set_fields)

    # leases; expiry by this host's clock: processes sharing a SQLite file share a host
    def acquire_lease(self, name: str, holder: str, seconds: float) -> str | None:
        now = time.time()
        with self._transaction() as db:
            row = db.execute(
                "SELECT holder, expires_at FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is not None and row[0] != holder and row[1] > now:
                return str(row[0])
            db.execute(
                "INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (name, holder, now + seconds)
            )
            return None

    def release_lease(self, name: str, holder: str) -> bool:
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)
            ).rowcount
        return bool(deleted)

    def lease_holder(self, name: str) -> str | None:
        rows = self._query(
            "SELECT holder FROM leases WHERE name = ? AND expires_at > ?", (name, time.time())
        )
        return str(rows[0][0]) if rows else None

    def record_notifications(self, records: Sequence[NotificationRecord]) -> None:
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO notifications VALUES (?, ?, ?, ?)",
                [
                    (r.key, format_timestamp(r.at), r.outcome.value, json.dumps(r.to_dict()))
                    for r in records
                ],
            )

    def get_notifications(self, keys: Sequence[str]) -> dict[str, NotificationRecord]:
        found: dict[str, NotificationRecord] = {}
        for chunk in _chunks(keys):
            marks = ", ".join("?" * len(chunk))
            for (data,) in self._query(
                f"SELECT data FROM notifications WHERE key IN ({marks})", chunk
            ):
                record = NotificationRecord.from_dict(json.loads(data))
                found[record.key] = record
        return found

    def list_notifications(
        self, limit: int = 50, outcome: Outcome | None = None
    ) -> list[NotificationRecord]:
        where, params = ("WHERE outcome = ?", [outcome.value]) if outcome else ("", [])
        rows = self._query(
            f"SELECT data FROM notifications {where} ORDER BY at DESC, key LIMIT ?",
            [*params, limit],
        )
        return [NotificationRecord.from_dict(json.loads(row[0])) for row in rows]

    def ping(self) -> None:
        try:
            self._query("SELECT 1")
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store at {self.path} is not usable: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _Moments:
    """Parses stored timestamps, each distinct text once (a run's facts share a few)."""

    def __init__(self) -> None:
        self.parsed: dict[str, datetime] = {}

    def parse(self, text: str) -> datetime:
        moment = self.parsed.get(text)
        if moment is None:
            moment = self.parsed[text] = parse_timestamp(text)
        return moment


Row = tuple[str, str, str, str | bytes]  # entity, source, timestamp, values as stored


def _changes(
    rows: Sequence[Row], stored: dict[int, tuple[str, bool]]
) -> tuple[list[Row], list[Row]]:
    """The rows that are history points (all but those repeating the values of their
    pair's latest fact at or after its timestamp) and those that become the latest.
    Rows of one write are taken in order, each seeing the latest left by those before."""
    points: list[Row] = []
    latest_rows: list[Row] = []
    latest: dict[tuple[str, str], tuple[str, str | bytes | None]] = {}  # None: the stored values
    for index, row in enumerate(rows):
        entity, source, timestamp, text = row
        current = latest.get((entity, source))
        if current is None and index not in stored:
            points.append(row)
            latest_rows.append(row)
            latest[entity, source] = (timestamp, text)
            continue
        if current is None:
            current = (stored[index][0], None)
        current_stamp, current_text = current
        same = stored[index][1] if current_text is None else current_text == text
        if not (same and timestamp >= current_stamp):
            points.append(row)
        if timestamp >= current_stamp:
            latest_rows.append(row)
            latest[entity, source] = (timestamp, text)
        else:
            latest[entity, source] = current
    return points, latest_rows


def _fact(row: Sequence[Any]) -> Fact:
    entity, source, timestamp, values = row
    return Fact(entity, source, parse_timestamp(timestamp), decode_values(values))


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
