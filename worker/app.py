"""The Celery application. Tasks stay thin: they call engine functions."""

from __future__ import annotations

from celery import Celery

app = Celery("scorecards")
