"""The PostgreSQL store's tables and the ordered steps that bring a database up to date.

`schema_version` holds one row: the number of steps applied. Opening a store
applies the missing steps in one transaction, under an advisory lock so that
workers opening a new database at once queue instead of racing; a database
whose version is newer than the last step here is refused.

Tables (text keys use the "C" collation, so they sort as Python sorts strings):
`entities` (ref -> document), `facts_latest` (one row per entity and source:
the latest values and when they were last collected or, for results,
confirmed; for results also the input hash and `valid_until`, so incremental
runs read stamps without the documents), `facts_history` (a row per change of
values), `runs` (a JSON record per run), `run_batches` (which batches of a run
have been recorded), `leases` (who holds each named lease, until when, by the
database server's clock) and `notifications` (the notification log, a JSON record
per key).
"""

from __future__ import annotations

from typing import Final

# Step N (1-based) takes a database from version N-1 to N. Never edit a released
# step: add one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE entities (
            ref text COLLATE "C" PRIMARY KEY, document text NOT NULL)""",
        """CREATE TABLE facts_latest (
            entity text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL,
            timestamp timestamptz NOT NULL, facts text,
            input_hash text, valid_until text,
            PRIMARY KEY (entity, source))""",
        """CREATE TABLE facts_history (
            entity text COLLATE "C" NOT NULL, source text COLLATE "C" NOT NULL,
            timestamp timestamptz NOT NULL, facts text NOT NULL,
            PRIMARY KEY (entity, source, timestamp))""",
        """CREATE TABLE runs (
            id text COLLATE "C" PRIMARY KEY, created_at timestamptz NOT NULL, data text NOT NULL)""",
        """CREATE TABLE run_batches (
            run_id text COLLATE "C" NOT NULL, batch_id text COLLATE "C" NOT NULL,
            PRIMARY KEY (run_id, batch_id))""",
        """CREATE TABLE leases (
            name text COLLATE "C" PRIMARY KEY, holder text NOT NULL,
            expires_at timestamptz NOT NULL)""",
    ),
    (
        # Reports read one source across the catalog; `runs` lists the newest runs.
        "CREATE INDEX facts_latest_source ON facts_latest (source, entity)",
        "CREATE INDEX runs_created_at ON runs (created_at DESC)",
    ),
    (
        """CREATE TABLE notifications (
            key text COLLATE "C" PRIMARY KEY, at timestamptz NOT NULL,
            outcome text NOT NULL, data text NOT NULL)""",
        "CREATE INDEX notifications_at ON notifications (outcome, at DESC)",
    ),
)

SCHEMA_VERSION: Final = len(MIGRATIONS)

CREATE_VERSION_TABLE: Final = "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"
