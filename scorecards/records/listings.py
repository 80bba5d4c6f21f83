"""Repository listings of GitHub organisations, as stored (one fact per organisation).

See scorecards/sources/github/organisations.py for how they are collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scorecards.formats.timeutil import parse_timestamp

if TYPE_CHECKING:
    from scorecards.settings import Settings

# Listings are stored as facts of this source, under a ref no catalog entity has.
SOURCE_ID = "github-repositories"


def organization_ref(org: str) -> str:
    """Where an organisation's listing is stored."""
    return f"organization:github/{org.lower()}"


def configured_orgs(settings: Settings) -> list[str]:
    """The organisations whose repositories runs list (SCORECARDS_GITHUB_ORGS)."""
    return [org.strip() for org in (settings.github_orgs or "").split(",") if org.strip()]


@dataclass(frozen=True)
class Repository:
    """One repository of an organisation listing, as stored."""

    org: str
    name: str
    url: str
    archived: bool = False
    fork: bool = False
    topics: tuple[str, ...] = ()
    pushed_at: str | None = None  # RFC 3339, as GitHub gives it; None if never pushed
    teams: tuple[tuple[str, str], ...] = ()  # (team slug, permission), when teams were listed
    codeowners: tuple[str, ...] = ()  # default owners from CODEOWNERS, when read

    @property
    def full_name(self) -> str:
        return f"{self.org}/{self.name}"

    @property
    def slug(self) -> str:
        """The key an annotation is matched on: `org/name`, lower-cased."""
        return self.full_name.lower()

    def to_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"name": self.name, "url": self.url}
        if self.archived:
            values["archived"] = True
        if self.fork:
            values["fork"] = True
        if self.topics:
            values["topics"] = list(self.topics)
        if self.pushed_at:
            values["pushed_at"] = self.pushed_at
        if self.teams:
            values["teams"] = [list(team) for team in self.teams]
        if self.codeowners:
            values["codeowners"] = list(self.codeowners)
        return values

    @classmethod
    def from_values(cls, org: str, values: Mapping[str, Any]) -> Repository:
        return cls(
            org=org,
            name=str(values["name"]),
            url=str(values.get("url") or ""),
            archived=bool(values.get("archived")),
            fork=bool(values.get("fork")),
            topics=tuple(str(t) for t in values.get("topics") or ()),
            pushed_at=values.get("pushed_at") or None,
            teams=tuple((str(s), str(p)) for s, p in values.get("teams") or ()),
            codeowners=tuple(str(o) for o in values.get("codeowners") or ()),
        )


@dataclass(frozen=True)
class OrganizationListing:
    """Every repository of one organisation at one time (stored as one fact)."""

    org: str
    collected_at: datetime
    repositories: tuple[Repository, ...]
    is_truncated: bool = False  # more pages than a collection reads
    notes: tuple[str, ...] = ()  # what could not be read (e.g. teams hidden from the token)

    def to_values(self) -> dict[str, Any]:
        return {
            "org": self.org,
            "repositories": [r.to_values() for r in self.repositories],
            "truncated": self.is_truncated,
            "notes": list(self.notes),
        }

    @classmethod
    def from_values(cls, collected_at: datetime, values: Mapping[str, Any]) -> OrganizationListing:
        org = str(values["org"])
        return cls(
            org=org,
            collected_at=collected_at,
            repositories=tuple(
                Repository.from_values(org, r) for r in values.get("repositories") or ()
            ),
            is_truncated=bool(values.get("truncated")),
            notes=tuple(str(n) for n in values.get("notes") or ()),
        )


def listing_from_fact(timestamp: datetime | str, values: Mapping[str, Any]) -> OrganizationListing:
    return OrganizationListing.from_values(parse_timestamp(timestamp), values)
