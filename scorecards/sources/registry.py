"""The source types a definition can name (`type: github`), each registered once here.

A type a run collects registers the settings it takes and its `prepare`; the
others (`catalog`, `push`) register that their facts arrive by another route.
This module is the one place where sources' settings are cut from `Settings`:
each source gets a frozen slice of its own (`GitHubSettings`, `HttpSettings`,
`ListingSettings`, `CatalogSettings`), never the whole object, so a source
cannot read another's token.

To add a type: write its module (a settings slice, `prepare(source, slice, now)`
returning a `Setup`), add its name to `SourceSpec.type`, and register it below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from scorecards.definitions.compiled import Source
from scorecards.errors import ScorecardsError
from scorecards.records.entities import Entity
from scorecards.records.listings import configured_orgs
from scorecards.records.team_mapping import TeamMapping
from scorecards.settings import Settings
from scorecards.sources import http
from scorecards.sources.base import Setup
from scorecards.sources.catalog.reading import CatalogSettings
from scorecards.sources.github import repositories as github
from scorecards.sources.github.organisations import ListingSettings

Slice = TypeVar("Slice")


class UnknownSourceTypeError(ScorecardsError):
    """A source names a type no module registers."""


@dataclass(frozen=True)
class Collection(Generic[Slice]):
    """How a run collects a source type: the settings it takes, and how it is prepared."""

    settings: Callable[[Settings, Mapping[str, str]], Slice]
    prepare: Callable[[Source, Slice, datetime], Setup[Entity]]

    def setup(
        self, source: Source, settings: Settings, environ: Mapping[str, str], now: datetime
    ) -> Setup[Entity]:
        """`source` prepared with its own slice of `settings` and of the environment."""
        return self.prepare(source, self.settings(settings, environ), now)


@dataclass(frozen=True)
class SourceType:
    name: str
    collection: Collection[Any] | None = None  # None: its facts arrive by another route


def github_settings(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> github.GitHubSettings:
    """The GitHub source's slice: SCORECARDS_GITHUB_TOKEN and SCORECARDS_GITHUB_API_URL
    (from Settings; the collecting environment plays no part)."""
    return github.GitHubSettings(token=settings.github_token, api_url=settings.github_api_url)


def http_settings(settings: Settings, environ: Mapping[str, str]) -> http.HttpSettings:
    """An http source's slice: nothing from Settings; its secrets and their grants come
    from the collecting environment only."""
    return http.HttpSettings(environ)


def listing_settings(settings: Settings) -> ListingSettings:
    """The organisation listing's slice; ConfigurationError when the team mapping is invalid."""
    return ListingSettings(
        github=github_settings(settings),
        orgs=tuple(configured_orgs(settings)),
        team_mapping=TeamMapping.from_settings(settings),
    )


def catalog_settings(settings: Settings) -> CatalogSettings:
    """The catalog to read: `catalog` when the user set it, else `backstage_url` when set.

    So `SCORECARDS_BACKSTAGE_URL` alone points a run at Backstage, and an explicit
    `--catalog` (or `SCORECARDS_CATALOG`) still wins over it.
    """
    location = settings.catalog
    if "catalog" not in settings.model_fields_set and settings.backstage_url:
        location = settings.backstage_url
    return CatalogSettings(location, settings.backstage_token)


_TYPES = {
    kind.name: kind
    for kind in (
        SourceType("github", Collection(github_settings, github.prepare)),
        SourceType("http", Collection(http_settings, http.prepare)),
        SourceType("catalog"),  # derived from the catalog by every run: catalog/facts.py
        SourceType("push"),  # pushed to the API, or read from fact files: fact_files.py
    )
}


def source_type(name: str) -> SourceType:
    """The registered type `name`; UnknownSourceTypeError naming the known ones otherwise."""
    kind = _TYPES.get(name)
    if kind is None:
        raise UnknownSourceTypeError(
            f"source type '{name}' is unknown — a source's type is one of "
            f"{', '.join(source_types())}"
        )
    return kind


def source_types() -> list[str]:
    """The names of every registered type."""
    return sorted(_TYPES)
