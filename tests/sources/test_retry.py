"""retry.py: what every source's HTTP calls retry, how long they wait, and when they stop."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards.retry import (
    Attempts,
    Clock,
    Retry,
    RetryPolicy,
    StandardRules,
    Stop,
    is_transient,
    parse_retry_after,
)
from tests.sources.test_backstage import VirtualClock


def attempts(policy: RetryPolicy, clock: VirtualClock | None = None) -> Attempts:
    clock = clock or VirtualClock()
    return Attempts(policy, Clock(clock.monotonic, clock.sleep), random.Random(7))


@given(
    retry=st.integers(min_value=1, max_value=2_000),
    backoff=st.floats(min_value=0, max_value=100),
    max_backoff=st.floats(min_value=0, max_value=100),
    seed=st.integers(),
)
def test_a_backoff_wait_is_full_jitter_below_its_doubling_ceiling(
    retry, backoff, max_backoff, seed
):
    policy = RetryPolicy(backoff=backoff, max_backoff=max_backoff)

    wait = policy.delay(retry, None, random.Random(seed))

    assert 0 <= wait <= min(max_backoff, backoff * 2.0 ** min(retry - 1, 64))


@given(
    retry=st.integers(min_value=1, max_value=50),
    asked=st.floats(min_value=0, max_value=10_000),
    seed=st.integers(),
)
def test_the_wait_a_server_asks_for_is_a_floor(retry, asked, seed):
    wait = RetryPolicy().delay(retry, asked, random.Random(seed))

    assert asked <= wait <= max(asked, RetryPolicy().max_backoff)


def test_the_retries_allowed_are_taken_then_the_stop_says_how_many_attempts_were_made():
    tries = attempts(RetryPolicy(retries=2))

    waits = [tries.next_wait(Retry()) for _ in range(3)]

    assert all(isinstance(wait, float) for wait in waits[:2])
    assert waits[2] == Stop("gave up after 3 attempts", 3)


def test_a_wait_that_would_overrun_the_budget_is_refused_before_it_is_taken():
    clock = VirtualClock()
    tries = attempts(RetryPolicy(retries=10, budget=30), clock)
    clock.now = 25.0

    stop = tries.next_wait(Retry(after=10))

    assert isinstance(stop, Stop)
    assert stop.reason == "waiting 10.0s more would exceed the 30s retry budget"
    assert stop.refused_wait == 10


def test_a_server_asking_for_more_than_max_wait_is_refused_at_once():
    stop = attempts(RetryPolicy(max_wait=60)).next_wait(Retry(after=3600))

    assert isinstance(stop, Stop)
    assert stop.reason.startswith("the server asks to wait 3600s, longer than the 60s a run waits")
    assert stop.attempts == 1


def test_no_retries_means_the_first_failure_is_final():
    assert attempts(RetryPolicy(retries=0)).next_wait(Retry()) == Stop("gave up after 1 attempt", 1)


@pytest.mark.parametrize(
    "changes", [{"retries": -1}, {"backoff": -0.1}, {"max_wait": -1}, {"budget": 0}]
)
def test_a_policy_with_a_negative_bound_is_refused(changes):
    with pytest.raises(ValueError):
        RetryPolicy(**changes)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "7"}, Retry(7.0)),
        (503, {}, Retry()),
        (502, {}, Retry()),
        (404, {"Retry-After": "7"}, None),
        (403, {}, None),
        (501, {}, None),
    ],
)
def test_standard_rules_retry_429_and_the_5xx_that_mean_not_now(status, headers, expected):
    response = httpx.Response(status, headers=headers)

    assert StandardRules().retry(response, None) == expected


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("hung up"), True),
        (httpx.UnsupportedProtocol("ftp"), False),
        (httpx.ProxyError("proxy says no"), False),
    ],
)
def test_only_transport_errors_that_may_pass_are_transient(error, transient):
    assert is_transient(error) is transient


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
