"""Timestamps and durations: parsing, and the getters (`getFullYear`, `getHours` ...).

Timestamp getters take an optional time zone: an IANA name such as
"Europe/Paris" or a fixed offset such as "+05:30"; without one they read UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scorecards.cel.errors import CelError, no_overload
from scorecards.cel.library import member, register
from scorecards.cel.types import DURATION, INT, STRING, TIMESTAMP
from scorecards.cel.values import NANOS, Duration, Timestamp

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NANOS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": NANOS,
    "m": 60 * NANOS,
    "h": 3_600 * NANOS,
}
_OFFSET = re.compile(r"([+-]?)(\d{2}):(\d{2})")


def parse_timestamp(text: str) -> Timestamp:
    """An RFC 3339 timestamp with up to nanosecond precision."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise CelError(f"timestamp {text[:40]!r} is not RFC 3339, e.g. 2026-01-31T09:00:00Z")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, _zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise CelError(f"timestamp {text[:40]!r} is out of range or not a date") from None
    nanos = Timestamp.from_datetime(moment).nanos + int((fraction or "0").ljust(9, "0"))
    if sign:
        offset = (int(offset_hours) * 60 + int(offset_minutes)) * 60 * NANOS
        nanos -= offset if sign == "+" else -offset
    return Timestamp(nanos)


def parse_duration(text: str) -> Duration:
    """A duration such as 1h30m, 1.5s, -250ms or 0 (Go's time.ParseDuration syntax)."""
    body = text
    negative = body.startswith("-")
    if body[:1] in "+-" and body:
        body = body[1:]
    if body == "0":
        return Duration(0)
    total = Decimal(0)
    position = 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None or match.group(1) in ("", "."):
            raise CelError(f"duration {text[:40]!r} is not valid, e.g. 1h30m, 90s or 1.5s")
        try:
            total += Decimal(match.group(1)) * _UNIT_NANOS[match.group(2)]
        except InvalidOperation:
            raise CelError(f"duration {text[:40]!r} is not valid") from None
        position = match.end()
    if not body:
        raise CelError("duration '' is not valid, e.g. 1h30m, 90s or 1.5s")
    nanos = int(total)
    return Duration(-nanos if negative else nanos)


def _zone(name: Any) -> tzinfo:
    if type(name) is not str:
        raise no_overload("time zone", name)
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CelError(f"unknown time zone {name[:40]!r}") from None


def _local(value: Timestamp, zone: Any) -> datetime:
    moment = value.to_datetime()
    if zone is None:
        return moment
    try:
        return moment.astimezone(_zone(zone))
    except OverflowError:
        raise CelError("timestamp out of range in that time zone") from None


def _timestamp_getter(name: str, read: Any) -> None:
    overloads = [member(TIMESTAMP, result=INT), member(TIMESTAMP, STRING, result=INT)]
    if name in _DURATION_GETTERS:
        overloads.append(member(DURATION, result=INT))

    def getter(value: Any, zone: Any = None) -> int:
        if type(value) is Timestamp:
            return int(read(value, _local(value, zone)))
        if type(value) is Duration and zone is None and name in _DURATION_GETTERS:
            return _DURATION_GETTERS[name](value.nanos)
        raise no_overload(name, value) if zone is None else no_overload(name, value, zone)

    register(name, overloads)(getter)


def _truncated(nanos: int, unit: int) -> int:
    whole = abs(nanos) // unit
    return whole if nanos >= 0 else -whole


_DURATION_GETTERS = {
    "getHours": lambda n: _truncated(n, 3_600 * NANOS),
    "getMinutes": lambda n: _truncated(n, 60 * NANOS),
    "getSeconds": lambda n: _truncated(n, NANOS),
    # The milliseconds within the second, as cel-go and cel-cpp define it.
    "getMilliseconds": lambda n: _truncated(n - _truncated(n, NANOS) * NANOS, 1_000_000),
}

for _name, _read in {
    "getFullYear": lambda t, d: d.year,
    "getMonth": lambda t, d: d.month - 1,
    "getDayOfYear": lambda t, d: d.timetuple().tm_yday - 1,
    "getDayOfMonth": lambda t, d: d.day - 1,
    "getDate": lambda t, d: d.day,
    "getDayOfWeek": lambda t, d: (d.weekday() + 1) % 7,
    "getHours": lambda t, d: d.hour,
    "getMinutes": lambda t, d: d.minute,
    "getSeconds": lambda t, d: d.second,
    "getMilliseconds": lambda t, d: (t.nanos % NANOS) // 1_000_000,
}.items():
    _timestamp_getter(_name, _read)
