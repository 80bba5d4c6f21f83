"""Where a run's entities come from: catalog files, or a Backstage catalog by URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from scorecards.records.entities import Entity
from scorecards.settings import Settings
from scorecards.sources.catalog.backstage import read_backstage_entities
from scorecards.sources.catalog.files import load_catalog_files


def is_catalog_url(location: str) -> bool:
    """Whether `location` names a Backstage backend rather than files."""
    return urlsplit(location.strip()).scheme in ("http", "https")


def catalog_location(settings: Settings) -> str:
    """The catalog to read: `catalog` when the user set it, else `backstage_url` when set.

    So `SCORECARDS_BACKSTAGE_URL` alone points a run at Backstage, and an explicit
    `--catalog` (or `SCORECARDS_CATALOG`) still wins over it.
    """
    if "catalog" not in settings.model_fields_set and settings.backstage_url:
        return settings.backstage_url
    return settings.catalog


def load_catalog(location: str, settings: Settings) -> list[Entity]:
    """Every entity at `location`: a Backstage backend URL, a file, a folder or a glob."""
    if is_catalog_url(location):
        return read_backstage_entities(location, settings.backstage_token)
    return load_catalog_files(location)
