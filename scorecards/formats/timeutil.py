"""Timestamps and durations as users write them (RFC 3339, `7d`)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class DurationTooLongError(ValueError):
    """A well-formed duration longer than any timedelta holds."""


def parse_duration(text: str) -> timedelta:
    """`30m`, `12h`, `7d`, `2w` -> timedelta; ValueError with the accepted forms otherwise."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(
            f"'{text}' is not a duration — write a number and a unit: 30m, 12h, 7d, 2w"
        )
    try:
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    except OverflowError:
        raise DurationTooLongError(
            f"'{text}' is too long a duration: at most 999999999 days"
        ) from None


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def parse_timestamp(value: str | datetime | date) -> datetime:
    """An aware UTC datetime from RFC 3339 text, a datetime or a date (midnight UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# A run writes every result and fact of a collection with one timestamp: format each once.
# (Equal instants in other zones format the same, so sharing the cache entry is right.)
@functools.lru_cache(maxsize=4096)
def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z` and fixed-width microseconds, so text order is time order."""
    return parse_timestamp(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utcnow() -> datetime:
    """The clock, read only at the edges (CLI, API, workers) and passed inward."""
    return datetime.now(UTC)


def describe_age(age: timedelta) -> str:
    """A rounded, human reading of an age: `9d`, `5h`, `12m`."""
    seconds = int(age.total_seconds())
    if seconds >= 86400:
        return f"{seconds // 86400}d"
    if seconds >= 3600:
        return f"{seconds // 3600}h"
    return f"{max(seconds // 60, 0)}m"
