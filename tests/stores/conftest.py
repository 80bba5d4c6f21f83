"""Every store implementation, behind one `store` fixture, so one suite holds them all to the contract.

SQLite stores live in a file under tmp_path. Redis stores use the session's
private redis-server (never the shared 6379), each test under its own key
prefix, and delete their keys afterwards. PostgreSQL stores use a fresh schema
of the session's test database (tests/postgresql_server.py), dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from scorecards.stores import Retention, Store
from scorecards.stores.postgresql import PostgreSQLStore
from scorecards.stores.redis import RedisStore
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import RedisServer, free_port

MakeStore = Callable[..., Store]


@pytest.fixture(
    params=["sqlite", "redis", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[MakeStore]:
    """make_store(retention=None) -> a store; every call opens the same underlying data."""
    opened: list[Store] = []
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    url = ""
    if store_kind == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        url = f"{server.url}?prefix={prefix}"
    elif store_kind == "postgresql":
        url = request.getfixturevalue("postgresql_url")

    def make(retention: Retention | None = None) -> Store:
        store: Store
        if store_kind == "sqlite":
            store = SQLiteStore(tmp_path / "store.db", retention)
        elif store_kind == "postgresql":
            store = PostgreSQLStore(url, retention)
        else:
            store = RedisStore(url, retention)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    if store_kind == "redis":
        client = redis.Redis.from_url(server.url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def store(make_store: MakeStore) -> Store:
    return make_store()


@pytest.fixture
def unreachable_store(store_kind: str, tmp_path: Path) -> Iterator[Store]:
    """A store whose backing service is gone: a closed SQLite file, a Redis or
    PostgreSQL port nobody serves."""
    store: Store
    if store_kind == "sqlite":
        store = SQLiteStore(tmp_path / "gone.db")
        store.close()
        yield store
    elif store_kind == "postgresql":
        store = PostgreSQLStore(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
        yield store
        store.close()
    else:
        store = RedisStore(f"redis://127.0.0.1:{free_port()}/0")
        yield store
        store.close()
