"""Which team a repository belongs to: a catalog group ref derived from GitHub.

From the first of `TeamMapping.team_from` that gives one: `github-team` (the
GitHub team with the strongest permission on it), `codeowners` (the default
owners, the `*` rule, of its CODEOWNERS file), `topic` (a topic mapped to a
group) or `catalog-owner` (the owner of the entity that references it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scorecards.errors import CatalogError, ConfigurationError
from scorecards.records.listings import Repository
from scorecards.records.refs import normalize_ref

if TYPE_CHECKING:
    from scorecards.settings import Settings

TEAM_SOURCES = ("github-team", "codeowners", "topic", "catalog-owner")
DEFAULT_TEAM_FROM = ("github-team", "topic", "catalog-owner")
# GitHub's team permissions, strongest first: a repository belongs to the team that runs it.
PERMISSIONS = ("admin", "maintain", "push", "triage", "pull")


@dataclass(frozen=True)
class TeamMapping:
    """How a repository's team (a catalog group ref) is derived; see the module docstring."""

    team_from: tuple[str, ...] = DEFAULT_TEAM_FROM
    team_groups: Mapping[str, str] = field(default_factory=dict)  # GitHub team slug -> ref
    topic_teams: Mapping[str, str] = field(default_factory=dict)  # topic -> group ref
    topic_prefix: str | None = None  # e.g. `team-`: topic team-payments -> group payments

    def __post_init__(self) -> None:
        unknown = [name for name in self.team_from if name not in TEAM_SOURCES]
        if unknown:
            raise ConfigurationError(
                f"team source {', '.join(repr(u) for u in unknown)} is unknown — "
                f"SCORECARDS_GITHUB_TEAM_FROM takes a comma-separated list of {', '.join(TEAM_SOURCES)}"
            )
        for what, mapping in (("team", self.team_groups), ("topic", self.topic_teams)):
            for key, ref in mapping.items():
                try:
                    normalize_ref(ref, default_kind="group")
                except CatalogError as exc:
                    raise ConfigurationError(
                        f"{what} '{key}' maps to an invalid ref: {exc}"
                    ) from None

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamMapping:
        """The mapping the SCORECARDS_GITHUB_TEAM_* settings describe; ConfigurationError when invalid."""
        return cls(
            team_from=tuple(s.strip() for s in settings.github_team_from.split(",") if s.strip()),
            team_groups=dict(settings.github_team_groups),
            topic_teams=dict(settings.github_topic_teams),
            topic_prefix=settings.github_team_topic_prefix or None,
        )

    def team_of(self, repository: Repository, catalog_owner: str | None) -> str | None:
        for source in self.team_from:
            team = self._from(source, repository, catalog_owner)
            if team is not None:
                return team
        return None

    def github_team_group(self, slug: str) -> str:
        """Backstage's GitHub org import names a team's Group after its slug."""
        mapped = {k.lower(): v for k, v in self.team_groups.items()}.get(slug.lower())
        return normalize_ref(mapped or slug, default_kind="group")

    def _from(self, source: str, repository: Repository, catalog_owner: str | None) -> str | None:
        if source == "github-team":
            team = strongest_team(repository.teams)
            return self.github_team_group(team) if team else None
        if source == "codeowners":
            return self._codeowner_group(repository.codeowners)
        if source == "topic":
            return self._topic_group(repository.topics)
        return catalog_owner

    def _codeowner_group(self, owners: Sequence[str]) -> str | None:
        for owner in owners:
            handle = owner.removeprefix("@")
            if "@" in handle or not handle:
                continue  # an e-mail address names no catalog entity
            org, slash, team = handle.partition("/")
            if slash:
                return self.github_team_group(team)
            return normalize_ref(org, default_kind="user")
        return None

    def _topic_group(self, topics: Sequence[str]) -> str | None:
        mapped = {k.lower(): v for k, v in self.topic_teams.items()}
        for topic in topics:
            if topic.lower() in mapped:
                return normalize_ref(mapped[topic.lower()], default_kind="group")
        if self.topic_prefix:
            prefix = self.topic_prefix.lower()
            for topic in topics:
                name = topic.lower().removeprefix(prefix)
                if topic.lower().startswith(prefix) and name:
                    return normalize_ref(name, default_kind="group")
        return None


def strongest_team(teams: Sequence[tuple[str, str]]) -> str | None:
    """The team slug with the strongest permission; ties go to the first slug alphabetically."""
    ranked = sorted(
        teams,
        key=lambda t: (PERMISSIONS.index(t[1]) if t[1] in PERMISSIONS else len(PERMISSIONS), t[0]),
    )
    return ranked[0][0] if ranked else None
