"""What every route works with: settings, the store, the definitions, metrics.

One `ApiContext` per app, kept on `app.state` and handed to routes by the
`get_context` dependency; nothing is read from globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from scorecards.api.expensive_requests import ExpensiveRequests
from scorecards.api.metrics import Metrics
from scorecards.api.token_scopes import AcceptedTokens
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.reports.inputs import ReportInputsCache
from scorecards.settings import Settings
from scorecards.stores.base import Store

if TYPE_CHECKING:
    from scorecards.api.auth import BackstageUserTokens
    from scorecards.api.native.runs import EmbeddedRuns


class DefinitionsHolder:
    """The definitions in force; a reload replaces them only when the new ones load cleanly."""

    def __init__(
        self,
        definitions: Definitions,
        folder: str,
        load: Callable[[str], Definitions] = load_definitions,
    ) -> None:
        self._current = definitions
        self.folder = folder
        self._load = load
        self._lock = threading.Lock()

    @property
    def current(self) -> Definitions:
        return self._current

    def reload(self) -> tuple[Definitions, Definitions]:
        """(previous, current); raises DefinitionsError and keeps the old ones when invalid."""
        with self._lock:
            loaded = self._load(self.folder)
            previous, self._current = self._current, loaded
            return previous, loaded


@dataclass
class ApiContext:
    settings: Settings
    store: Store
    definitions: DefinitionsHolder
    metrics: Metrics
    embedded_runs: EmbeddedRuns
    expensive: ExpensiveRequests
    tokens: AcceptedTokens = field(default_factory=AcceptedTokens)
    backstage_users: BackstageUserTokens | None = None
    report_inputs: ReportInputsCache = field(default_factory=ReportInputsCache)


def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.context
    return context
