"""The Celery application: `celery -A worker worker` runs batches, `celery -A worker beat` schedules.

Configured from `Settings` (the `SCORECARDS_*` variables) by worker.config;
the tasks in worker.tasks stay thin and call engine functions.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import beat_init, celeryd_init

from scorecards.settings import load_settings
from worker.config import NO_BROKER, create_app

settings = load_settings()
if settings.broker_url:
    app = create_app(settings)
else:
    # Importing the package must work without a broker (clients import worker.dispatch);
    # starting a worker or beat without one must not quietly try amqp://localhost.
    app = Celery("scorecards")

    @celeryd_init.connect  # type: ignore[untyped-decorator]
    @beat_init.connect  # type: ignore[untyped-decorator]
    def refuse_to_start(**_: Any) -> None:
        # SystemExit, because Celery logs and swallows an Exception raised by a signal handler.
        raise SystemExit(f"error: {NO_BROKER}")
