"""Timestamps and durations: parsing, and the getters (`getFullYear`, `getHours` ...).

Timestamp getters take an optional time zone: an IANA name such as
"Europe/Paris" or a fixed offset such as "+05:30"; without one they read UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


def _zone(name: str) -> tzinfo:
    if name == "":  # as Go's LoadLocation and cel-cpp: UTC
        return UTC
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CelError(f"unknown time zone {name[:40]!r}") from None


# The zone's offset is looked up at an instant Python's datetime can convert in any
# zone; at the ends of CEL's range (years 1 and 9999) zones keep a fixed offset anyway.
_SAFE_FIRST = datetime(2, 1, 1, tzinfo=UTC)
_SAFE_LAST = datetime(9998, 12, 31, tzinfo=UTC)


def _offset_seconds(value: Timestamp, zone: tzinfo) -> int:
    moment = min(max(value.to_datetime(), _SAFE_FIRST), _SAFE_LAST)
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A timestamp's calendar fields in a zone, computed by arithmetic: the local time of
    9999-12-31T23:59:59Z in +05:30 is in year 10000, which no datetime can hold."""

    year: int
    month: int  # 1-12
    day: int  # 1-31
    day_of_year: int  # 0-365
    day_of_week: int  # 0 = Sunday
    hour: int
    minute: int
    second: int


def local_time(value: Timestamp, zone: Any) -> LocalTime:
    if zone is not None and type(zone) is not str:
        raise no_overload("time zone", zone)
    seconds = value.nanos // NANOS
    if zone is not None:
        seconds += _offset_seconds(value, _zone(zone))
    days, second_of_day = divmod(seconds, 86_400)
    year, month, day = _civil_from_days(days)
    hour, rest = divmod(second_of_day, 3_600)
    return LocalTime(
        year,
        month,
        day,
        days - _days_from_civil(year, 1, 1),
        (days + 4) % 7,  # 1970-01-01 was a Thursday
        hour,
        rest // 60,
        rest % 60,
    )


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count from 1970-01-01, proleptic Gregorian
    (Howard Hinnant's algorithm: exact for any year, no table)."""
    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    return year_of_era + era * 400 + (month <= 2), month, day


def _days_from_civil(year: int, month: int, day: int) -> int:
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def _timestamp_getter(name: str, read: Any) -> None:
    overloads = [member(TIMESTAMP, result=INT), member(TIMESTAMP, STRING, result=INT)]
    if name in _DURATION_GETTERS:
        overloads.append(member(DURATION, result=INT))

    def getter(value: Any, zone: Any = None) -> int:
        if type(value) is Timestamp:
            return int(read(value, local_time(value, zone)))
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
    "getDayOfYear": lambda t, d: d.day_of_year,
    "getDayOfMonth": lambda t, d: d.day - 1,
    "getDate": lambda t, d: d.day,
    "getDayOfWeek": lambda t, d: d.day_of_week,
    "getHours": lambda t, d: d.hour,
    "getMinutes": lambda t, d: d.minute,
    "getSeconds": lambda t, d: d.second,
    "getMilliseconds": lambda t, d: (t.nanos % NANOS) // 1_000_000,
}.items():
    _timestamp_getter(_name, _read)
