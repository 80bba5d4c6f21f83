"""Cron schedules of sources, parsed by Celery's own crontab."""

from __future__ import annotations

from celery.schedules import crontab


def parse_cron(expression: str) -> crontab:
    """`minute hour day-of-month month day-of-week` -> crontab; ValueError when malformed."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"schedule '{expression}' has {len(fields)} fields; cron needs 5: "
            "minute hour day-of-month month day-of-week, e.g. '0 */6 * * *'"
        )
    minute, hour, day_of_month, month, day_of_week = fields
    try:
        return crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month,
            day_of_week=day_of_week,
        )
    except Exception as exc:
        raise ValueError(f"schedule '{expression}' is not valid cron: {exc}") from None
