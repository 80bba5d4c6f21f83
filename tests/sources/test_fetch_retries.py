"""The Fetcher retries as retry.py decides, measured and spent on its clock.

A scripted server on 127.0.0.1 (the Backstage-shaped one: any path under
/api/catalog/ answers, and faults are scripted per request) and a clock that only
pretends to wait, so retries run at once.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from scorecards.retry import Clock
from scorecards.sources.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    GaveUpError,
    Reply,
    TokenRejectedError,
)
from tests.sources.backstage_server import CatalogServer, Fault
from tests.sources.test_backstage import VirtualClock

TOKEN = "catalog-test-token"
PATH = "/api/catalog/entities/by-query"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


def fetch(
    url: str,
    clock: VirtualClock,
    policy: FetchPolicy | None = None,
    token: str = TOKEN,
    follow_redirects: bool = True,
) -> tuple[Reply, int]:
    """The reply to GET `url` and the retries it took."""

    async def get() -> tuple[Reply, int]:
        async with Fetcher.open(
            base_url=None,
            headers={"Authorization": f"Bearer {token}"},
            concurrency=1,
            policy=policy or FetchPolicy(),
        ) as fetcher:
            fetcher.clock = Clock(clock.monotonic, clock.sleep)
            reply = await fetcher.get(url, follow_redirects=follow_redirects)
            return reply, fetcher.retries

    return asyncio.run(get())


def test_a_503_is_retried_after_full_jitter_backoff_on_the_fetchers_clock(clock):
    down = Fault(503)
    policy = FetchPolicy(backoff=1.0, max_backoff=30.0)
    with CatalogServer([], TOKEN, faults={1: down, 2: down, 3: down}) as server:
        reply, retries = fetch(server.url + PATH, clock, policy)

    assert (reply.status, retries) == (200, 3)
    assert [0 <= wait <= 2 ** (n - 1) for n, wait in enumerate(clock.sleeps, 1)] == [True] * 3


def test_the_wait_a_server_asks_for_is_a_floor(clock):
    busy = Fault(429, {"Retry-After": "7"})
    with CatalogServer([], TOKEN, faults={1: busy}) as server:
        fetch(server.url + PATH, clock)

    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 7


def test_giving_up_says_how_many_attempts_and_keeps_the_last_reply(clock):
    with (
        CatalogServer([], TOKEN, fail_always=Fault(502)) as server,
        pytest.raises(GaveUpError, match=r"502 Bad Gateway — gave up after 3 attempts$") as raised,
    ):
        fetch(server.url + PATH, clock, FetchPolicy(retries=2))

    assert raised.value.stop.attempts == 3
    assert isinstance(raised.value.last, Reply)
    assert raised.value.last.status == 502
    assert len(server.query_requests()) == 3


def test_a_wait_longer_than_max_wait_fails_at_once_without_sleeping(clock):
    busy = Fault(429, {"Retry-After": "3600"})
    with (
        CatalogServer([], TOKEN, fail_always=busy) as server,
        pytest.raises(GaveUpError, match="asks to wait 3600s, longer than the 60s a run waits"),
    ):
        fetch(server.url + PATH, clock)

    assert len(server.query_requests()) == 1
    assert clock.sleeps == []


def test_the_time_budget_bounds_the_fetchers_retries_too(clock):
    busy = Fault(429, {"Retry-After": "10"})
    policy = FetchPolicy(retries=50, budget=35)
    with (
        CatalogServer([], TOKEN, fail_always=busy) as server,
        pytest.raises(GaveUpError, match="would exceed the 35s retry budget"),
    ):
        fetch(server.url + PATH, clock, policy)

    assert sum(clock.sleeps) <= 35
    assert len(server.query_requests()) == len(clock.sleeps) + 1 == 4


def test_a_transport_error_that_cannot_pass_fails_at_once(clock):
    with pytest.raises(FetchError, match=r"UnsupportedProtocol.*would fail the same way"):
        fetch("ftp://127.0.0.1/data", clock)

    assert clock.sleeps == []


def test_a_rejected_token_fails_at_once_with_the_reply(clock):
    with (
        CatalogServer([], TOKEN) as server,
        pytest.raises(TokenRejectedError, match="the token was rejected") as raised,
    ):
        fetch(server.url + PATH, clock, token="wrong-token")

    assert raised.value.reply.status == 401
    assert raised.value.reply.data["error"]["message"] == "Illegal token"
    assert len(server.requests) == 1


def test_a_redirect_not_followed_is_the_reply_and_says_where_to(origin, clock):
    origin.redirect("/start", "/data")

    reply, _ = fetch(origin.url + "/start", clock, follow_redirects=False)

    assert (reply.ok, reply.status, reply.location) == (False, 302, "/data")
    assert [seen.path for seen in origin.requests] == ["/start"]


def test_each_retry_is_logged_with_its_number(clock, caplog):
    caplog.set_level(logging.INFO, logger="scorecards.sources.fetch")
    with CatalogServer([], TOKEN, faults={1: Fault(503), 2: Fault(503)}) as server:
        fetch(server.url + PATH, clock)

    assert "503 Service Unavailable; retry 1 in" in caplog.text
    assert "; retry 2 in" in caplog.text
    assert TOKEN not in caplog.text
