"""Stores: where facts, results and runs live. `open_store` picks one by URL."""

from __future__ import annotations

from urllib.parse import urlparse

from scorecards.errors import ConfigurationError
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.runs import BatchOutcome, Run, RunState
from scorecards.stores.base import Retention, Store

__all__ = [
    "RESULTS_SOURCE",
    "BatchOutcome",
    "Fact",
    "Retention",
    "Run",
    "RunState",
    "Store",
    "open_store",
]


def open_store(url: str, retention: Retention | None = None, *, create: bool = True) -> Store:
    """`sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, `redis://host:port/db`
    or `postgresql://user@host:port/database[?schema=NAME]`.

    With `create=False` (commands that only read) a SQLite file that does not exist, or
    a PostgreSQL schema without a store, is a StoreError saying so, and nothing is made.
    """
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        from scorecards.stores.sqlite import SQLiteStore

        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise ConfigurationError(f"store URL '{url}' names no file — e.g. sqlite:///scores.db")
        return SQLiteStore(path, retention, create=create)
    if scheme in ("redis", "rediss", "unix"):
        try:
            from scorecards.stores.redis import RedisStore
        except ImportError as exc:
            raise ConfigurationError("the Redis store is not available in this build") from exc
        return RedisStore(url, retention)
    if scheme in ("postgresql", "postgres"):
        try:
            from scorecards.stores.postgresql import PostgreSQLStore
        except ImportError as exc:
            raise ConfigurationError("the PostgreSQL store is not available in this build") from exc
        return PostgreSQLStore(url, retention, create=create)
    raise ConfigurationError(
        f"store URL '{url}' has an unknown scheme '{scheme}' — use sqlite:///path.db, "
        "redis://host:6379/0 or postgresql://user@host:5432/database"
    )
