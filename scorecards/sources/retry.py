"""When to retry a request to a remote API, and how long to wait first.

Exponential backoff with full jitter, bounded twice: by a number of attempts and
by a total time budget. A server's `Retry-After` is honoured as a floor on the
wait; a wait that would overrun the budget is not taken at all, so the caller
fails now with a clear reason instead of sleeping and failing later.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry; every bound is finite."""

    attempts: int = 5  # requests in all, the first one included
    base_delay: float = 0.5  # seconds before the first retry, doubled per retry
    max_delay: float = 30.0  # cap of one backoff wait (a longer Retry-After still counts)
    budget: float = 120.0  # seconds for the first request and all its retries

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.budget <= 0:
            raise ValueError("delays must be >= 0 and the budget > 0")

    def backoff(self, retry: int, rng: random.Random | None = None) -> float:
        """Full-jitter backoff before retry number `retry` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return (rng or random).uniform(0, ceiling)

    def delay(
        self, retry: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """The wait before retry number `retry`: backoff, but never less than Retry-After."""
        wait = self.backoff(retry, rng)
        return max(wait, retry_after) if retry_after is not None else wait


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
