"""What a source type (github, http) gives the collection framework, and what it gets back.

A type's `prepare(source, settings, now)` gets only its own settings (a frozen
slice such as `GitHubSettings`, which registry.py builds) and returns a `Setup`:
a `Collector` that fetches one target's facts (an entity; for the GitHub
organisation listing, an organisation), and how to talk to its server. The
framework (collection.py) does the rest: `applies`, concurrency, errors, counts,
timestamps and keeping secrets out of everything it records, and returns a
`CollectionReport` per source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from scorecards.errors import ConfigurationError, ScorecardsError
from scorecards.records.facts import Fact
from scorecards.sources.fetch import Fetcher, ServerRules

Target = TypeVar("Target")
TargetIn = TypeVar("TargetIn", contravariant=True)


class SourceSkippedError(ScorecardsError):
    """The source is not set up to run here (e.g. no token): a note, not a failure."""


class SourceConfigurationError(ConfigurationError):
    """The source cannot run as configured; the message names the setting and the fix."""


class EntityCollectionError(ScorecardsError):
    """One entity's facts could not be collected; the message says why."""


class Collector(Protocol[TargetIn]):
    def wants(self, target: TargetIn) -> bool:
        """Whether there is anything to fetch for `target` (checked after `applies`)."""

    async def collect(self, target: TargetIn, fetcher: Fetcher) -> dict[str, Any]:
        """The target's fact values; raise EntityCollectionError or FetchError when they cannot be had."""


@dataclass(frozen=True)
class Setup(Generic[Target]):
    """A prepared source: the collector of its targets, and how to talk to its server."""

    collector: Collector[Target]
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values never to record
    base_url: str | None = None
    rules: ServerRules | None = None
    uses_cache: bool = False


@dataclass(frozen=True)
class EntityError:
    """Why one entity's facts from one source were not collected."""

    entity_ref: str
    source: str
    error: str

    def __str__(self) -> str:
        return f"source {self.source}: {self.entity_ref}: {self.error}"


@dataclass
class CollectionReport:
    """What one source did in one collection."""

    source: str
    facts: list[Fact] = field(default_factory=list)
    errors: list[EntityError] = field(default_factory=list)
    fetched: int = 0
    failed: int = 0
    skipped: int = 0  # `applies` false, or nothing to fetch (e.g. no project-slug)
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    note: str | None = None  # why the source did not run at all (not a failure)
    error: str | None = None  # why the source could not run (a failure)

    def summary(self) -> dict[str, Any]:
        """The counts (and note or error) recorded on a run."""
        data: dict[str, Any] = {
            "fetched": self.fetched,
            "failed": self.failed,
            "skipped": self.skipped,
            "requests": self.requests,
            "not_modified": self.not_modified,
            "retries": self.retries,
        }
        if self.note:
            data["note"] = self.note
        if self.error:
            data["error"] = self.error
        return data

    def describe(self) -> str:
        """One line for a terminal."""
        if self.note:
            return f"source {self.source}: skipped — {self.note}"
        if self.error:
            return f"source {self.source}: not collected — {self.error}"
        text = (
            f"source {self.source}: {self.fetched} fetched, {self.failed} failed, "
            f"{self.skipped} skipped; {self.requests} requests"
        )
        return text + (f" ({self.not_modified} not modified)" if self.not_modified else "")
