"""How the Celery app is configured from `Settings`: delivery guarantees, limits, beat.

Delivery is at-least-once and every task is idempotent: a batch is acknowledged
only after its results are stored (late acks), a batch whose worker dies is
handed to another one (reject on worker loss, and Redis redelivers a batch left
unacknowledged for `visibility_timeout`), and each worker takes one batch at a time.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from scorecards.errors import ConfigurationError
from scorecards.runs.schedules import parse_cron
from scorecards.settings import Settings

TASK_MODULES = ["worker.tasks"]
NO_BROKER = (
    "no broker: set SCORECARDS_BROKER_URL (e.g. redis://127.0.0.1:6379/1) "
    "for workers, beat and `scorecards run --distributed`"
)
QUEUE = "scorecards"


def hard_time_limit(settings: Settings) -> float:
    """When a batch past its soft limit (recorded failed) is killed outright."""
    return settings.batch_time_limit + min(30.0, settings.batch_time_limit / 2)


def visibility_timeout(settings: Settings) -> float:
    return settings.visibility_timeout or 2 * settings.batch_time_limit + 60


def run_lease_seconds(settings: Settings) -> float:
    """How long a distributed run holds its store without a batch starting: each batch
    renews it, so this covers a batch waiting for a worker and one redelivered after
    the visibility timeout. A run that outlives it (no worker came) no longer blocks others."""
    return 2 * visibility_timeout(settings)


def retry_backoff_max(settings: Settings) -> int:
    """The longest wait before a retry, kept under the visibility timeout: a retry waits
    unacknowledged in a worker, and one waiting past it would be delivered twice."""
    return max(1, min(settings.retry_backoff_max, int(visibility_timeout(settings) / 2)))


def celery_config(settings: Settings) -> dict[str, Any]:
    """Celery settings for these scorecards settings; ConfigurationError says what to fix."""
    if not settings.broker_url:
        raise ConfigurationError(NO_BROKER)
    visibility = visibility_timeout(settings)
    if visibility <= hard_time_limit(settings):
        raise ConfigurationError(
            f"SCORECARDS_VISIBILITY_TIMEOUT ({visibility:g}s) must be longer than the longest "
            f"batch ({hard_time_limit(settings):g}s, from SCORECARDS_BATCH_TIME_LIMIT), or Redis "
            "hands batches still running to a second worker"
        )
    if settings.score_schedule:
        try:
            parse_cron(settings.score_schedule)
        except ValueError as exc:
            raise ConfigurationError(f"SCORECARDS_SCORE_SCHEDULE: {exc}") from None
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": visibility,
            # Sweep for batches abandoned by dead workers often enough that they
            # come back soon after the visibility timeout, not minutes later.
            "unacked_restore_interval": max(1, min(10, int(visibility // 8))),
            "unacked_restore_throttle": 1,
        },
        "task_default_queue": QUEUE,
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        # Progress lives in the store, so no result backend is needed.
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A batch whose pool process dies (OOM, segfault) is retried like one that raised,
        # within the same bound, instead of being requeued forever.
        "task_retry_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_soft_time_limit": settings.batch_time_limit,
        "task_time_limit": hard_time_limit(settings),
        "timezone": "UTC",
        "enable_utc": True,
        "beat_scheduler": "worker.scheduling:DefinitionsScheduler",
        "beat_schedule_filename": ".scorecards/celerybeat-schedule",
    }


def create_app(settings: Settings, *, with_tasks: bool = True) -> Celery:
    """A Celery app for `settings`; `with_tasks=False` for a client that only sends tasks."""
    app = Celery("scorecards", include=TASK_MODULES if with_tasks else [])
    app.config_from_object(celery_config(settings))
    app.conf.scorecards_settings = settings
    return app
