"""Celery app for distributed scoring: `celery -A worker worker`."""

from worker.app import app

__all__ = ["app"]
