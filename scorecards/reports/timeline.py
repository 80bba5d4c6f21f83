"""Stored result history read as days: the results each entity had at the end of each day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from scorecards.formats.timeutil import DurationTooLongError, parse_duration, parse_timestamp
from scorecards.records.results import EntityEvaluation
from scorecards.reports.inputs import ReportError

MAX_DAYS = 3660  # ten years of daily points is more than any chart needs


def end_of_day(day: date) -> datetime:
    """The last instant of a UTC day."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def days_between(first: date, last: date) -> list[date]:
    """Every day from `first` to `last`, both included (the last MAX_DAYS at most)."""
    count = (last - first).days + 1
    if count <= 0:
        return []
    start = max(0, count - MAX_DAYS)
    return [first + timedelta(days=offset) for offset in range(start, count)]


def last_each_day_until(
    history: Sequence[EntityEvaluation], days: Sequence[date], now: datetime
) -> dict[date, EntityEvaluation]:
    """For each day, the last result at or before its end (never after `now`), carried
    forward over days without a run; days before the first result are left out."""
    points: dict[date, EntityEvaluation] = {}
    index = 0
    found: EntityEvaluation | None = None
    for day in days:
        cutoff = min(end_of_day(day), now)
        while index < len(history) and history[index].evaluated_at <= cutoff:
            found = history[index]
            index += 1
        if found is not None:
            points[day] = found
    return points


def last_point_each_day(
    history: Sequence[EntityEvaluation], since: datetime | None, now: datetime
) -> dict[date, EntityEvaluation]:
    """Each day that has results between `since` and `now`, with its last result."""
    points: dict[date, EntityEvaluation] = {}
    for evaluation in history:
        moment = evaluation.evaluated_at
        if moment > now or (since is not None and moment < since):
            continue
        points[moment.date()] = evaluation  # oldest first, so the last one wins
    return points


def parse_since(text: str, now: datetime) -> datetime:
    """`--since` as users write it: a day (its end: how things stood that day), an
    RFC 3339 time, or a duration back from `now` (`30d`, `2w`)."""
    value = text.strip()
    try:
        if value[-1:] in ("s", "m", "h", "d", "w") and value[:1].isdigit() and "-" not in value:
            return now - parse_duration(value)
        if len(value) == 10:
            return end_of_day(date.fromisoformat(value))
        return parse_timestamp(value)
    except DurationTooLongError as exc:  # as far back as `now - 9999999d`: before year 1
        raise OverflowError(str(exc)) from None
    except ValueError:
        raise ReportError(
            f"since '{text}' is not a day, a time or a duration — e.g. 2026-11-01, "
            "2026-11-01T09:00:00Z or 30d"
        ) from None
