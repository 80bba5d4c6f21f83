"""Catalog completeness: the repositories of GitHub organisations versus the catalog.

Pure: `compute_completeness` takes the stored repository listings (one per
organisation, see scorecards/sources/github_org.py) and the catalog entities,
and says which repositories no entity references through its
`github.com/project-slug` annotation (compared case-insensitively), per team,
and which entities reference a repository the listing does not have (dangling:
deleted, renamed or misspelled). Archived repositories and forks are left out
by default.

A repository's team comes from a `TeamMapping` (scorecards/team_mapping.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scorecards.errors import ConfigurationError
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.entities import Entity, owner_ref
from scorecards.records.listings import (
    SOURCE_ID,
    OrganizationListing,
    configured_orgs,
    listing_from_fact,
    organization_ref,
)
from scorecards.records.refs import entity_ref
from scorecards.records.team_mapping import TeamMapping
from scorecards.settings import Settings
from scorecards.stores.base import Store

SLUG_ANNOTATION = "github.com/project-slug"
NO_TEAM = "(no team)"  # how reports show a repository whose team is not known


@dataclass(frozen=True)
class RepositoryRow:
    """One repository in scope, and the entities that reference it (none: uncatalogued)."""

    org: str
    name: str
    url: str
    team: str | None
    pushed_at: str | None
    entities: tuple[str, ...] = ()

    @property
    def is_catalogued(self) -> bool:
        return bool(self.entities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "name": self.name,
            "url": self.url,
            "team": self.team,
            "pushed_at": self.pushed_at,
            "entities": list(self.entities),
        }


@dataclass(frozen=True)
class DanglingEntity:
    """A catalog entity whose project-slug names a repository the listing does not have."""

    entity_ref: str
    slug: str
    owner: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity_ref, "slug": self.slug, "owner": self.owner}


@dataclass(frozen=True)
class Counts:
    repositories: int
    catalogued: int

    @property
    def uncatalogued(self) -> int:
        return self.repositories - self.catalogued

    @property
    def percentage(self) -> float | None:
        """Catalogued share, 0-100 with one decimal; None when there are no repositories."""
        if not self.repositories:
            return None
        return round(100.0 * self.catalogued / self.repositories, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repositories": self.repositories,
            "catalogued": self.catalogued,
            "uncatalogued": self.uncatalogued,
            "percentage": self.percentage,
        }


@dataclass(frozen=True)
class TeamCompleteness:
    team: str | None  # None: no team could be derived
    counts: Counts

    def to_dict(self) -> dict[str, Any]:
        return {"team": self.team, **self.counts.to_dict()}


@dataclass(frozen=True)
class OrganizationSummary:
    org: str
    collected_at: datetime | None  # None: never collected
    listed: int  # repositories in the listing, before archived/forks are left out
    is_truncated: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "collected_at": format_timestamp(self.collected_at) if self.collected_at else None,
            "listed": self.listed,
            "truncated": self.is_truncated,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CompletenessReport:
    organizations: tuple[OrganizationSummary, ...]
    totals: Counts
    teams: tuple[TeamCompleteness, ...]  # most uncatalogued first
    repositories: tuple[RepositoryRow, ...]  # in scope, sorted by org and name
    dangling: tuple[DanglingEntity, ...]
    excluded_archived: int
    excluded_forks: int

    @property
    def uncatalogued(self) -> tuple[RepositoryRow, ...]:
        return tuple(row for row in self.repositories if not row.is_catalogued)

    def to_dict(self) -> dict[str, Any]:
        return {
            "organizations": [o.to_dict() for o in self.organizations],
            "totals": self.totals.to_dict(),
            "excluded": {"archived": self.excluded_archived, "forks": self.excluded_forks},
            "teams": [t.to_dict() for t in self.teams],
            "uncatalogued": [r.to_dict() for r in self.uncatalogued],
            "dangling": [d.to_dict() for d in self.dangling],
        }


def project_slug(entity: Mapping[str, Any]) -> str | None:
    """The entity's `github.com/project-slug`, lower-cased, or None."""
    annotations = (entity.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(SLUG_ANNOTATION)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().removesuffix(".git").lower()


def compute_completeness(
    listings: Sequence[OrganizationListing],
    entities: Iterable[Entity],
    mapping: TeamMapping | None = None,
    *,
    include_archived: bool = False,
    include_forks: bool = False,
    organizations: Sequence[str] = (),
) -> CompletenessReport:
    """Compare listings with the catalog. `organizations` names orgs configured but
    perhaps never collected, so the report can say so."""
    mapping = mapping or TeamMapping()
    referencing: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        slug = project_slug(entity)
        if slug is not None:
            referencing[slug].append(entity)
    for found in referencing.values():
        found.sort(key=entity_ref)

    rows: list[RepositoryRow] = []
    listed: set[str] = set()
    archived = forks = 0
    for listing in listings:
        for repository in listing.repositories:
            listed.add(repository.slug)
            if repository.archived and not include_archived:
                archived += 1
                continue
            if repository.fork and not include_forks:
                forks += 1
                continue
            refs = referencing.get(repository.slug, [])
            owner = owner_ref(refs[0]) if refs else None
            rows.append(
                RepositoryRow(
                    org=repository.org,
                    name=repository.name,
                    url=repository.url,
                    team=mapping.team_of(repository, owner),
                    pushed_at=repository.pushed_at,
                    entities=tuple(entity_ref(e) for e in refs),
                )
            )
    rows.sort(key=lambda r: (r.org.lower(), r.name.lower()))

    listed_orgs = {listing.org.lower() for listing in listings}
    dangling = sorted(
        (
            DanglingEntity(entity_ref(entity), slug, owner_ref(entity))
            for slug, found in referencing.items()
            if slug.partition("/")[0] in listed_orgs and slug not in listed
            for entity in found
        ),
        key=lambda d: d.entity_ref,
    )
    return CompletenessReport(
        organizations=_summaries(listings, organizations),
        totals=_count(rows),
        teams=_teams(rows),
        repositories=tuple(rows),
        dangling=tuple(dangling),
        excluded_archived=archived,
        excluded_forks=forks,
    )


def _count(rows: Sequence[RepositoryRow]) -> Counts:
    return Counts(len(rows), sum(1 for row in rows if row.is_catalogued))


def _teams(rows: Sequence[RepositoryRow]) -> tuple[TeamCompleteness, ...]:
    by_team: dict[str | None, list[RepositoryRow]] = defaultdict(list)
    for row in rows:
        by_team[row.team].append(row)
    teams = [TeamCompleteness(team, _count(found)) for team, found in by_team.items()]
    teams.sort(key=lambda t: (-t.counts.uncatalogued, t.team is None, t.team or ""))
    return tuple(teams)


def _summaries(
    listings: Sequence[OrganizationListing], organizations: Sequence[str]
) -> tuple[OrganizationSummary, ...]:
    summaries = [
        OrganizationSummary(
            listing.org,
            listing.collected_at,
            len(listing.repositories),
            listing.is_truncated,
            listing.notes,
        )
        for listing in listings
    ]
    seen = {listing.org.lower() for listing in listings}
    for org in organizations:
        if org.lower() not in seen:
            seen.add(org.lower())
            summaries.append(
                OrganizationSummary(
                    org,
                    None,
                    0,
                    notes=(
                        "never collected — run `scorecards run` with SCORECARDS_GITHUB_TOKEN set",
                    ),
                )
            )
    return tuple(sorted(summaries, key=lambda s: s.org.lower()))


def read_listings(
    store: Store, orgs: Sequence[str], at: datetime | None = None
) -> list[OrganizationListing]:
    """The stored listing of each organisation: the latest, or the last one at or before `at`."""
    refs = [organization_ref(org) for org in orgs]
    if at is None:
        latest = store.latest_facts(refs, [SOURCE_ID])
        facts = [latest[ref][SOURCE_ID] for ref in refs if SOURCE_ID in latest.get(ref, {})]
    else:
        facts = []
        for ref in refs:
            history = store.fact_history(ref, SOURCE_ID, until=at)
            if history:
                facts.append(history[-1])
    return [listing_from_fact(fact.timestamp, fact.values) for fact in facts]


class NoListingsError(ConfigurationError):
    """No organisation is configured, or none has a stored listing yet."""


def report_from_store(
    store: Store,
    settings: Settings,
    at: datetime | None = None,
    entities: Iterable[Entity] | None = None,
) -> CompletenessReport:
    """The completeness report of the configured organisations, from the store alone:
    their stored listings (latest, or as of `at`) against the catalog entities (the
    stored ones unless a caller already holds them)."""
    orgs = configured_orgs(settings)
    if not orgs:
        raise NoListingsError(
            "no GitHub organisation is configured — set SCORECARDS_GITHUB_ORGS "
            "(comma-separated, e.g. acme,acme-labs), then run `scorecards run`"
        )
    listings = read_listings(store, orgs, at)
    if not listings:
        when = f" at or before {format_timestamp(at)}" if at is not None else ""
        raise NoListingsError(
            f"no repository listing of {', '.join(orgs)} is stored{when} — run `scorecards run` "
            "with SCORECARDS_GITHUB_TOKEN set to list the organisations' repositories"
        )
    if entities is None:
        entities = store.get_entities(store.list_entity_refs()).values()
    return compute_completeness(
        listings,
        entities,
        TeamMapping.from_settings(settings),
        include_archived=settings.completeness_include_archived,
        include_forks=settings.completeness_include_forks,
        organizations=orgs,
    )
