"""When to retry a request to a remote API, and how long to wait first.

The one place that decides it for every HTTP call scorecards makes: the sources'
(through scorecards/sources/fetch.py's `Fetcher`: the GitHub and http sources, the
GitHub organisation listing, the Backstage catalog), the notifications'
(scorecards/notifications/delivery.py) and the remote gate's (scorecards/cli/remote.py),
which ask here.

- Worth retrying: 429 and the 5xx that mean "not now" (`StandardRules`; a server
  with rate limits of its own, like GitHub, adds `ServerRules` of its own), and
  transport failures that may pass (`is_transient`). A server may ask for a wait
  (`Retry-After`, a rate-limit reset): that is `Retry.after`.
- How long to wait: exponential backoff with full jitter, a random wait between 0
  and `backoff * 2**(n-1)` capped at `max_backoff`, which spreads many clients'
  retries the most for the least waiting; never less than the server asked for.
- When to stop: after `retries` retries; when the wait would overrun the `budget`
  of the request and its retries; when the server asks for more than `max_wait`.
  Then at once, rather than sleeping first and failing later; `Stop` says why.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# No answer in time, a connection refused or reset, a server hanging up mid-answer.
# Other transport errors (an unsupported scheme, a proxy refusing) would fail again.
TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# 2**64 times any backoff is past every cap; a larger power would overflow a float.
_MAX_DOUBLINGS = 64


@dataclass(frozen=True)
class Retry:
    """A failure worth retrying; `after` is the wait the server asked for, if any."""

    after: float | None = None


def is_transient(error: Exception) -> bool:
    """Whether a transport error may pass if the request is sent again."""
    return isinstance(error, TRANSIENT_ERRORS)


class ServerRules(Protocol):
    """What a server's responses mean for retrying and pacing."""

    def retry(self, response: httpx.Response, data: Any) -> Retry | None:
        """How to retry this (non-2xx) response, or None when retrying cannot help."""

    def exhausted_for(self, response: httpx.Response) -> float | None:
        """Seconds until the request quota resets, when this response says it is used up."""


class StandardRules:
    """Retry 429 and 5xx, honouring Retry-After; no quota headers."""

    def retry(self, response: httpx.Response, data: Any) -> Retry | None:
        if response.status_code in RETRYABLE_STATUSES:
            return Retry(retry_after_seconds(response))
        return None

    def exhausted_for(self, response: httpx.Response) -> float | None:
        return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a number or an HTTP date)."""
    return parse_retry_after(response.headers.get("retry-after"))


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How patient a client is: the number of attempts and every wait are bounded."""

    retries: int = 3  # attempts after the first one
    backoff: float = 0.5  # ceiling of the first backoff wait; doubled per retry
    max_backoff: float = 20.0  # cap of one backoff wait (a server's ask may be longer)
    max_wait: float = 60.0  # the longest wait a server may ask for (Retry-After, quota reset)
    budget: float = math.inf  # seconds for a request and its retries; inf: the bounds above do

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be at least 0")
        if min(self.backoff, self.max_backoff, self.max_wait) < 0 or self.budget <= 0:
            raise ValueError("waits must be >= 0 and the budget > 0")

    def delay(self, retry: int, asked: float | None, rng: random.Random | None = None) -> float:
        """The wait before retry number `retry` (1-based): full-jitter backoff, at least `asked`."""
        doublings = min(retry - 1, _MAX_DOUBLINGS)
        wait = (rng or random).uniform(0, min(self.max_backoff, self.backoff * 2.0**doublings))
        return wait if asked is None else max(wait, asked)

    def refuses_wait(self, seconds: float) -> str | None:
        """Why a server's ask to wait `seconds` is not honoured, or None when it is."""
        if seconds <= self.max_wait:
            return None
        return f"longer than the {self.max_wait:.0f}s a run waits; the next run tries again"


@dataclass(frozen=True)
class Stop:
    """Why a request gets no more attempts, in words an error message can end with."""

    reason: str
    attempts: int  # the attempts made, the first one included
    refused_wait: float | None = None  # the wait not taken; None when the retries ran out


@dataclass(frozen=True)
class Clock:
    """The time retries are measured and spent in; a test passes one that only pretends."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


class Attempts:
    """One request's attempts under a policy: how long to wait before the next, or why not."""

    def __init__(self, policy: RetryPolicy, clock: Clock, rng: random.Random | None = None) -> None:
        self._policy = policy
        self._clock = clock
        self._rng = rng
        self._started = clock.monotonic()
        self.made = 1  # the first attempt is under way before anything is decided

    def next_wait(self, retry: Retry) -> float | Stop:
        """Seconds to wait before the next attempt (counted as made), or why there is none."""
        policy = self._policy
        if self.made > policy.retries:
            plural = "s" if self.made > 1 else ""
            return Stop(f"gave up after {self.made} attempt{plural}", self.made)
        wait = policy.delay(self.made, retry.after, self._rng)
        if self._clock.monotonic() - self._started + wait > policy.budget:
            reason = f"waiting {wait:.1f}s more would exceed the {policy.budget:.0f}s retry budget"
            return Stop(reason, self.made, wait)
        asked = retry.after
        refusal = policy.refuses_wait(asked) if asked is not None else None
        if refusal is not None:
            return Stop(f"the server asks to wait {asked:.0f}s, {refusal}", self.made, wait)
        self.made += 1
        return wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())
