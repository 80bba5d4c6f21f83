"""Where a run's entities come from: catalog files, or a Backstage catalog by URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import SecretStr

from scorecards.records.entities import Entity
from scorecards.sources.catalog.backstage import read_backstage_entities
from scorecards.sources.catalog.files import load_catalog_files


@dataclass(frozen=True)
class CatalogSettings:
    """What reading the catalog takes from Settings (registry.py `catalog_settings`)."""

    location: str  # a Backstage backend URL, a file, a folder or a glob
    backstage_token: SecretStr | None = field(default=None, repr=False)


def is_catalog_url(location: str) -> bool:
    """Whether `location` names a Backstage backend rather than files."""
    return urlsplit(location.strip()).scheme in ("http", "https")


def read_catalog(catalog: CatalogSettings) -> list[Entity]:
    """Every entity at the catalog's location: a Backstage backend, a file, a folder or a glob."""
    if is_catalog_url(catalog.location):
        return read_backstage_entities(catalog.location, catalog.backstage_token)
    return load_catalog_files(catalog.location)
