"""What a source type (github, http) gives the collection framework.

A type's `prepare(source, settings, environ, now)` returns a `Setup`: a
`Collector` that fetches one entity's facts, and how to talk to its server. The
framework (collection.py) does the rest: `applies`, concurrency, errors, counts,
timestamps and keeping secrets out of everything it records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from scorecards.errors import ScorecardsError
from scorecards.records.entities import Entity
from scorecards.sources.fetch import Fetcher, ServerRules


class SourceSkippedError(ScorecardsError):
    """The source is not set up to run here (e.g. no token): a note, not a failure."""


class SourceConfigurationError(ScorecardsError):
    """The source cannot run as configured; the message names the setting and the fix."""


class EntityCollectionError(ScorecardsError):
    """One entity's facts could not be collected; the message says why."""


class Collector(Protocol):
    def wants(self, entity: Entity) -> bool:
        """Whether there is anything to fetch for `entity` (checked after `applies`)."""

    async def collect(self, entity: Entity, fetcher: Fetcher) -> dict[str, Any]:
        """The entity's fact values; raise EntityCollectionError or FetchError when they cannot be had."""


@dataclass(frozen=True)
class Setup:
    collector: Collector
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values never to record
    base_url: str | None = None
    rules: ServerRules | None = None
    uses_cache: bool = False
