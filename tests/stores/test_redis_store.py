"""What only the Redis store promises: its key prefix, its error messages, no half-done scripts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from scorecards.errors import ConfigurationError, StoreError
from scorecards.stores import BatchOutcome, Fact, Run, RunState, open_store
from scorecards.stores.redis import RedisStore
from tests.conftest import NOW, RedisServer

API = "component:default/payments-api"
LEDGER = "component:default/ledger-service"
# A database of the private server that no other test uses, so it can be inspected whole.
OWN_DB = 13


@pytest.fixture
def own_db(redis_server: RedisServer) -> Iterator[tuple[str, redis.Redis]]:
    url = f"redis://127.0.0.1:{redis_server.port}/{OWN_DB}"
    client = redis.Redis.from_url(url, decode_responses=True)
    client.flushdb()
    yield url, client
    client.flushdb()
    client.close()


def test_open_store_gives_a_redis_store_for_a_redis_url(redis_server: RedisServer) -> None:
    store = open_store(f"{redis_server.url}?prefix=open-store-test")
    assert isinstance(store, RedisStore)
    assert store.prefix == "open-store-test"
    store.ping()
    store.close()


def test_every_key_stays_under_the_prefix(own_db: tuple[str, redis.Redis]) -> None:
    url, client = own_db
    store = RedisStore(f"{url}?prefix=team-a")
    store.put_entities([{"kind": "Component", "metadata": {"name": "payments-api"}}])
    store.write_facts([Fact(API, "github", NOW, {"archived": False})])
    store.create_run(Run("r1", RunState.RUNNING, NOW, NOW, "v1", batches_total=1))
    store.record_batch("r1", BatchOutcome("00000", 0, 1, "boom"))
    keys = {str(key) for key in client.keys("*")}
    assert keys
    assert all(key.startswith("team-a:") for key in keys), keys
    store.close()


def test_two_prefixes_on_one_redis_do_not_see_each_other(
    own_db: tuple[str, redis.Redis],
) -> None:
    url, _ = own_db
    staging, production = RedisStore(f"{url}?prefix=staging"), RedisStore(f"{url}?prefix=prod")
    staging.write_facts([Fact(API, "github", NOW, {"archived": True})])
    assert production.latest_facts() == {}
    assert production.fact_history(API, "github") == []
    staging.close()
    production.close()


def test_the_default_prefix_is_scorecards(own_db: tuple[str, redis.Redis]) -> None:
    url, client = own_db
    store = RedisStore(url)
    store.write_facts([Fact(API, "github", NOW, {"archived": True})])
    assert client.exists(f"scorecards:facts:{API}")
    store.close()


def test_a_write_that_meets_a_corrupted_key_stores_nothing(
    own_db: tuple[str, redis.Redis],
) -> None:
    url, client = own_db
    store = RedisStore(url)
    client.set(store.key("history", LEDGER, "github"), "not a sorted set")
    with pytest.raises(StoreError, match="history"):
        store.write_facts(
            [Fact(API, "github", NOW, {"ok": True}), Fact(LEDGER, "github", NOW, {"ok": False})]
        )
    assert store.latest_facts() == {}
    assert store.fact_history(API, "github") == []
    store.close()


def test_a_corrupted_stored_document_is_reported_with_its_ref(
    own_db: tuple[str, redis.Redis],
) -> None:
    url, client = own_db
    store = RedisStore(url)
    client.hset(store.key("entities"), API, "{truncated")
    with pytest.raises(StoreError, match="entity component:default/payments-api"):
        store.get_entities([API])
    store.close()


def test_history_is_scored_by_timestamp_so_redis_can_trim_by_age(
    own_db: tuple[str, redis.Redis],
) -> None:
    url, client = own_db
    store = RedisStore(url)
    store.write_facts([Fact(API, "ci", NOW + timedelta(microseconds=1), {"n": 1})])
    stored: list[tuple[str, float]] = client.zrange(  # type: ignore[assignment]
        store.key("history", API, "ci"), 0, -1, withscores=True
    )
    ((member, score),) = stored
    assert member.startswith("2026-11-25T12:00:00.000001Z {")
    assert int(score) == int(NOW.timestamp()) * 1_000_000 + 1
    store.close()


def test_the_password_never_appears_in_errors() -> None:
    store = RedisStore("redis://:hunter2-secret@127.0.0.1:1/0")
    with pytest.raises(StoreError) as raised:
        store.ping()
    assert "hunter2-secret" not in str(raised.value)
    assert "***" in str(raised.value)
    store.close()


def test_an_empty_prefix_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="prefix"):
        RedisStore("redis://127.0.0.1:6379/0?prefix=")
