"""Requests that evaluate or read everything (what-if, run start, definitions reload) run
in a small pool of their own, so they never take the threads other requests need.

A request that finds every slot busy is answered at once with 503 and Retry-After
rather than queued: a queue of costly requests would only grow while a client
retries, and `/healthz` and the read routes keep their threads either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from prometheus_client import CollectorRegistry, Counter, Gauge

from scorecards.api.errors import ApiError

T = TypeVar("T")
RETRY_AFTER_SECONDS = 5


class ExpensiveRequests:
    """At most `slots` expensive requests at once, each in a worker thread."""

    def __init__(self, slots: int, registry: CollectorRegistry) -> None:
        self.slots = slots
        self._admitted = anyio.CapacityLimiter(slots)
        # A pool of our own: anyio's default one (40 threads) serves every other route.
        self._threads = anyio.CapacityLimiter(slots)
        self.in_progress = Gauge(
            "scorecards_expensive_requests_in_progress",
            "Expensive requests (what-if, run start, definitions reload) being served",
            registry=registry,
        )
        self.refused = Counter(
            "scorecards_expensive_requests_refused",
            "Expensive requests answered 503 because every slot was busy",
            registry=registry,
        )

    async def run(self, work: Callable[[], T], what: str) -> T:
        """`work()` in a worker thread of this pool; ApiError 503 when the pool is full."""
        borrower = object()
        try:
            self._admitted.acquire_on_behalf_of_nowait(borrower)
        except anyio.WouldBlock:
            self.refused.inc()
            raise ApiError(
                503,
                f"the server is busy with {self.slots} expensive request(s) ({what} is one); "
                f"retry in {RETRY_AFTER_SECONDS}s — SCORECARDS_API_EXPENSIVE_REQUESTS sets how many",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None
        try:
            with self.in_progress.track_inprogress():
                return await anyio.to_thread.run_sync(work, limiter=self._threads)
        finally:
            self._admitted.release_on_behalf_of(borrower)
