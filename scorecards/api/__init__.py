"""The HTTP API (`scorecards serve`): Tech Insights-compatible routes and the native API."""

from scorecards.api.app import create_app

__all__ = ["create_app"]
