"""The SQLite store's tables, created (and brought up to date) when a file is opened.

`entities` (ref -> document), `facts_latest` (one row per entity and source),
`facts_history` (a row per change of values, keyed by entity, source and
timestamp so a re-written fact replaces itself), `results_latest` (per entity,
the stamp of its latest result: `evaluated_at`, which is when the result was
last confirmed, its input hash and `valid_until`; a narrow table, so confirming
thousands of results rewrites a few pages instead of every result document),
`runs` (a JSON record per run), `run_batches` (which batches of a run have
been recorded), `leases` (who holds each named lease, until when: Unix seconds) and
`notifications` (the notification log, a JSON record per key).

Fact values (and results, source `scorecards`) are stored as compact JSON with
sorted keys; from `COMPRESS_FROM` bytes on, as that JSON compressed with zstd (a
BLOB). A 50-check result document is about 4 KB of JSON and 0.5 KB compressed,
and it is stored twice (latest and history). Files written before this
(`PRAGMA user_version` 0) held `json.dumps` text, and are re-encoded when opened.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

import zstandard

from scorecards.errors import StoreError
from scorecards.formats.json_codec import canonical, loads
from scorecards.records.facts import RESULTS_SOURCE

SCHEMA_VERSION = 1
COMPRESS_FROM = 512
# Level 1: result documents come out within 1% of level 3's size, faster; runs write tens
# of thousands of them.
_LEVEL = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (ref TEXT PRIMARY KEY, document TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS facts_latest (
    entity TEXT NOT NULL, source TEXT NOT NULL, timestamp TEXT NOT NULL, facts TEXT NOT NULL,
    PRIMARY KEY (entity, source));
CREATE INDEX IF NOT EXISTS facts_latest_source ON facts_latest (source);
CREATE TABLE IF NOT EXISTS facts_history (
    entity TEXT NOT NULL, source TEXT NOT NULL, timestamp TEXT NOT NULL, facts TEXT NOT NULL,
    PRIMARY KEY (entity, source, timestamp));
CREATE TABLE IF NOT EXISTS results_latest (
    entity TEXT PRIMARY KEY, evaluated_at TEXT NOT NULL, input_hash TEXT NOT NULL,
    valid_until TEXT);
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_batches (
    run_id TEXT NOT NULL, batch_id TEXT NOT NULL, PRIMARY KEY (run_id, batch_id));
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
    key TEXT PRIMARY KEY, at TEXT NOT NULL, outcome TEXT NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_at ON notifications (outcome, at);
"""

# A file written before `results_latest` existed gets it filled from the stored results.
FILL_RESULTS_LATEST = f"""
INSERT OR IGNORE INTO results_latest
SELECT entity, timestamp, COALESCE(json_extract(facts, '$.input_hash'), ''),
       json_extract(facts, '$.valid_until')
FROM facts_latest WHERE source = '{RESULTS_SOURCE}'
"""

# Each (entity, source)'s latest timestamp: a result's is its `results_latest` stamp,
# which confirmations move without touching the document.
LATEST_TIMESTAMP = "MAX(latest.timestamp, COALESCE(stamp.evaluated_at, ''))"
WITH_RESULT_STAMPS = (
    "LEFT JOIN results_latest AS stamp "
    f"ON latest.source = '{RESULTS_SOURCE}' AND stamp.entity = latest.entity"
)


def create_schema(db: sqlite3.Connection) -> None:
    """Create the tables that are missing and bring older files up to date, in the
    caller's write transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    had_results_latest = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results_latest'"
    ).fetchone()
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    if not had_results_latest:
        db.execute(FILL_RESULTS_LATEST)
    if version < SCHEMA_VERSION:
        for table in ("facts_latest", "facts_history"):
            _reencode(db, table)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _reencode(db: sqlite3.Connection, table: str) -> None:
    """Rewrite a table's values in today's encoding, so a fact collected again with the
    same values compares equal to the one stored before the upgrade."""
    last = 0
    while chunk := db.execute(
        f"SELECT rowid, facts FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1000", (last,)
    ).fetchall():
        db.executemany(
            f"UPDATE {table} SET facts = ? WHERE rowid = ?",
            [(encode_values(loads(text)), rowid) for rowid, text in chunk if isinstance(text, str)],
        )
        last = chunk[-1][0]


class _Codecs(threading.local):
    """zstd (de)compressors are not safe to share between threads: one set per thread."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


_codecs = _Codecs()


def encode_values(values: Mapping[str, Any]) -> str | bytes:
    """Fact values as this store keeps them: the same values always give the same
    text or bytes, so comparing stored values is comparing these."""
    data = canonical(values)
    if len(data) < COMPRESS_FROM:
        return data.decode()
    return _codecs.compressor.compress(data)


def decode_values(stored: str | bytes) -> Any:
    """What `encode_values` was given; StoreError when the stored value is damaged."""
    try:
        if isinstance(stored, bytes):
            return loads(_codecs.decompressor.decompress(stored).decode())
        return loads(stored)
    except (zstandard.ZstdError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise StoreError(
            f"a stored value is damaged ({exc}) — restore the store from a backup, or move "
            "it away and run `scorecards run` to start a new one"
        ) from None
