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
"""

from __future__ import annotations

import sqlite3

from scorecards.records.facts import RESULTS_SOURCE

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
    """Create the tables that are missing, in the caller's write transaction."""
    had_results_latest = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'results_latest'"
    ).fetchone()
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    if not had_results_latest:
        db.execute(FILL_RESULTS_LATEST)
