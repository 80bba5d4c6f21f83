"""Repository listings of GitHub organisations, for the catalog completeness report.

For each organisation in `SCORECARDS_GITHUB_ORGS` a collection reads
`GET /orgs/{org}/repos?type=all` to its last page (at most 100 pages, 10,000
repositories), and, when the team mapping uses them, the organisation's teams
with their repositories (`GET /orgs/{org}/teams`, `GET
/orgs/{org}/teams/{slug}/repos`) and each repository's CODEOWNERS file. It uses
the GitHub source's client: same token, API URL, rate-limit handling and ETag
cache, so an unchanged organisation costs only 304s.

The listing is stored as ONE fact per organisation: entity ref
`organization:github/{org}` (a namespace no catalog entity uses), source
`github-repositories`, values `{org, repositories: [...], truncated, notes}`.
So the report works from the store alone, and earlier listings stay in the
fact history, under the store's retention.

The collection framework runs it like a source (collection.py,
`collect_organizations`): `prepare` gets only the listing's settings
(`ListingSettings`, built in registry.py) and each organisation is a target.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from scorecards.records.listings import OrganizationListing, Repository, organization_ref
from scorecards.records.team_mapping import TeamMapping
from scorecards.sources.base import EntityCollectionError, Setup
from scorecards.sources.fetch import Fetcher, Reply
from scorecards.sources.github.repositories import PER_PAGE, GitHubSettings, connect

log = logging.getLogger(__name__)

MAX_REPOSITORY_PAGES = 100
MAX_TEAM_PAGES = 10
CONCURRENCY = 8
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's order
_ROLES = {"read": "pull", "write": "push"}  # role_name -> permission word


async def list_organization(
    fetcher: Fetcher, org: str, now: datetime, *, teams: bool, codeowners: bool
) -> OrganizationListing:
    """One organisation's repositories, with teams and CODEOWNERS owners when asked."""
    pages, truncated = await _pages(
        fetcher,
        f"orgs/{quote(org)}/repos",
        {"per_page": PER_PAGE, "type": "all"},
        _repositories,
        MAX_REPOSITORY_PAGES,
        what=f"organisation {org}",
    )
    if pages is None:
        raise EntityCollectionError(
            f"organisation {org} does not exist or the token cannot see it — "
            "check SCORECARDS_GITHUB_ORGS and the token's access"
        )
    found = [item for page in pages for item in page]
    notes: list[str] = []
    if truncated:
        notes.append(f"only the first {MAX_REPOSITORY_PAGES * PER_PAGE} repositories were listed")
    by_team: dict[str, list[tuple[str, str]]] = {}
    if teams:
        by_team = await _team_repositories(fetcher, org, notes)
    owners: dict[str, tuple[str, ...]] = {}
    if codeowners:
        names = [r["name"] for r in found if not r.get("archived") and not r.get("fork")]
        read = await asyncio.gather(*(_codeowners(fetcher, org, name) for name in names))
        owners = {name: named for name, named in zip(names, read, strict=True) if named}
    repositories = []
    for item in found:
        name = item["name"]
        repositories.append(
            Repository(
                org=org,
                name=name,
                url=item["url"],
                archived=item["archived"],
                fork=item["fork"],
                topics=tuple(item["topics"]),
                pushed_at=item["pushed_at"],
                teams=tuple(sorted(by_team.get(name.lower(), []))),
                codeowners=owners.get(name, ()),
            )
        )
    return OrganizationListing(org, now, tuple(repositories), truncated, tuple(notes))


async def _pages(
    fetcher: Fetcher,
    url: str,
    params: Mapping[str, str | int],
    digest: Any,
    max_pages: int,
    *,
    what: str,
) -> tuple[list[Any] | None, bool]:
    """(each page's digest, whether pages were left unread); None when 403/404."""
    reply = await fetcher.get(url, params=params, digest=digest)
    if reply.status in (403, 404):
        return None, False
    pages: list[Any] = []
    for _ in range(max_pages):
        _require(reply)
        pages.append(reply.data)
        if reply.next_url is None:
            return pages, False
        reply = await fetcher.get(reply.next_url, digest=digest)
    log.warning("%s: more than %d pages; reading the first ones", what, max_pages)
    return pages, True


def _require(reply: Reply) -> None:
    if not reply.ok:
        raise EntityCollectionError(reply.describe())


def _list(data: Any, what: str) -> list[Mapping[str, Any]]:
    if not isinstance(data, list):
        raise EntityCollectionError(f"the {what} response is not a list")
    return [item for item in data if isinstance(item, Mapping)]


def _repositories(data: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": str(item["name"]),
            "url": str(item.get("html_url") or ""),
            "archived": bool(item.get("archived")),
            "fork": bool(item.get("fork")),
            "topics": [str(t) for t in item.get("topics") or []],
            "pushed_at": item.get("pushed_at") or None,
        }
        for item in _list(data, "repositories")
        if isinstance(item.get("name"), str)
    ]


def _team_slugs(data: Any) -> list[str]:
    return [str(t["slug"]) for t in _list(data, "teams") if isinstance(t.get("slug"), str)]


def _team_permissions(data: Any) -> list[list[str]]:
    """[repository name, permission] of a team's repositories."""
    found = []
    for item in _list(data, "team repositories"):
        if not isinstance(item.get("name"), str):
            continue
        role = item.get("role_name")
        if isinstance(role, str) and role:
            permission = _ROLES.get(role, role)
        else:
            granted = item.get("permissions") or {}
            permission = next(
                (p for p in ("admin", "maintain", "push", "triage") if granted.get(p)), "pull"
            )
        found.append([item["name"], permission])
    return found


async def _team_repositories(
    fetcher: Fetcher, org: str, notes: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """Lower-cased repository name -> [(team slug, permission)]."""
    base = f"orgs/{quote(org)}/teams"
    pages, truncated = await _pages(
        fetcher, base, {"per_page": PER_PAGE}, _team_slugs, MAX_TEAM_PAGES, what=f"{org} teams"
    )
    if pages is None:
        notes.append(
            f"the teams of {org} are not visible to the token (it needs read:org, or "
            "'Members: read' for a fine-grained token); teams come from the other sources"
        )
        return {}
    if truncated:
        notes.append(f"only the first {MAX_TEAM_PAGES * PER_PAGE} teams were read")
    slugs = [slug for page in pages for slug in page]
    listed = await asyncio.gather(
        *(
            _pages(
                fetcher,
                f"{base}/{quote(slug)}/repos",
                {"per_page": PER_PAGE},
                _team_permissions,
                MAX_REPOSITORY_PAGES,
                what=f"team {org}/{slug}",
            )
            for slug in slugs
        )
    )
    by_repository: dict[str, list[tuple[str, str]]] = {}
    for slug, (team_pages, _) in zip(slugs, listed, strict=True):
        for page in team_pages or []:
            for name, permission in page:
                by_repository.setdefault(name.lower(), []).append((slug, permission))
    return by_repository


async def _codeowners(fetcher: Fetcher, org: str, name: str) -> tuple[str, ...]:
    """The default owners (the last `*` rule) of the first CODEOWNERS file GitHub would use."""
    for path in CODEOWNERS_PATHS:
        reply = await fetcher.get(
            f"repos/{quote(org)}/{quote(name)}/contents/{path}", digest=_default_owners
        )
        if reply.ok:
            return tuple(reply.data)
        if reply.status == 403:
            return ()
        if reply.status != 404:
            raise EntityCollectionError(reply.describe())
    return ()


def _default_owners(data: Any) -> list[str]:
    if not isinstance(data, Mapping) or data.get("encoding") != "base64":
        return []
    try:
        text = base64.b64decode(str(data.get("content") or "")).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return []
    return default_owners(text)


def default_owners(text: str) -> list[str]:
    """Owners of a CODEOWNERS file's catch-all rule (`*` or `/**`); the last one wins."""
    owners: list[str] = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts and parts[0] in ("*", "/*", "**", "/**"):
            owners = parts[1:]
    return owners


@dataclass(frozen=True)
class ListingSettings:
    """What the organisation listing takes from Settings."""

    github: GitHubSettings  # the GitHub source's token and API URL
    orgs: tuple[str, ...]  # SCORECARDS_GITHUB_ORGS
    team_mapping: TeamMapping  # SCORECARDS_GITHUB_TEAM_*: whether teams and CODEOWNERS are read


class OrganizationCollector:
    """Lists one organisation per target (its name), as `list_organization` does."""

    def __init__(self, now: datetime, *, teams: bool, codeowners: bool) -> None:
        self.now = now
        self.teams = teams
        self.codeowners = codeowners

    def wants(self, target: str) -> bool:
        return True

    async def collect(self, target: str, fetcher: Fetcher) -> dict[str, Any]:
        listing = await list_organization(
            fetcher, target, self.now, teams=self.teams, codeowners=self.codeowners
        )
        return listing.to_values()


def prepare(listing: ListingSettings, now: datetime) -> Setup[str]:
    """The listing's collector on the GitHub source's connection; SourceSkippedError without a token."""
    team_from = listing.team_mapping.team_from
    collector = OrganizationCollector(
        now, teams="github-team" in team_from, codeowners="codeowners" in team_from
    )
    return connect(listing.github, collector)


def targets(listing: ListingSettings) -> list[tuple[str, str]]:
    """(where its listing is stored, organisation) of each configured organisation."""
    return [(organization_ref(org), org) for org in listing.orgs]
