"""API tokens and what each may do: plain tokens do everything, scoped tokens less.

Plain tokens come from SCORECARDS_API_TOKENS. Scoped tokens come from the
`api_token_scopes` setting (scorecards.yaml, or SCORECARDS_API_TOKEN_SCOPES as
JSON): a name per token, the SHA-256 of the token (so the setting can be
committed without the secret), the write actions it may take and, for pushed
facts, the sources and the owners or entities it may push for. A token listed in
both places is scoped. Reads are never scoped: any accepted token may read.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scorecards.errors import CatalogError, ConfigurationError
from scorecards.records.refs import normalize_ref
from scorecards.settings import Settings


class Action(StrEnum):
    """The write actions a token may be allowed; each is one route."""

    PUSH_FACTS = "push-facts"  # POST /api/v1/facts
    START_RUNS = "start-runs"  # POST /api/v1/runs
    WHAT_IF = "what-if"  # POST /api/v1/what-if (only reads, but evaluates everything twice)
    RELOAD_DEFINITIONS = "reload-definitions"  # POST /api/v1/definitions/reload


class TokenScope(BaseModel):
    """One scoped token, as configured under `api_token_scopes.<name>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token_sha256: str = Field(
        repr=False,  # a digest of a guessable token gives the token away
        pattern=r"^[0-9a-f]{64}$",
        description='SHA-256 of the token, hex: printf %s "$TOKEN" | sha256sum',
    )
    actions: frozenset[Action] = Field(
        description="The write actions allowed; [] for a read-only token"
    )
    sources: frozenset[str] | None = Field(
        default=None, description="push-facts only for these sources; default any"
    )
    owners: frozenset[str] | None = Field(
        default=None, description="push-facts only for entities these groups own (spec.owner)"
    )
    entities: frozenset[str] | None = Field(
        default=None, description="push-facts only for these entities (with owners: either)"
    )

    @field_validator("token_sha256", mode="before")
    @classmethod
    def _lower_hex(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("owners")
    @classmethod
    def _owner_refs(cls, owners: frozenset[str] | None) -> frozenset[str] | None:
        return None if owners is None else frozenset(_refs(owners, "group"))

    @field_validator("entities")
    @classmethod
    def _entity_refs(cls, entities: frozenset[str] | None) -> frozenset[str] | None:
        return None if entities is None else frozenset(_refs(entities, None))

    def allows_entity(self, ref: str, owner: str | None) -> bool:
        """Whether facts may be pushed for entity `ref` owned by `owner`."""
        if self.owners is None and self.entities is None:
            return True
        return ref in (self.entities or ()) or (owner is not None and owner in (self.owners or ()))


@dataclass(frozen=True)
class Principal:
    """Who sent a request: a plain token (`scope` None), a scoped one, or nobody."""

    is_authenticated: bool
    name: str | None = None
    scope: TokenScope | None = None

    def may(self, action: Action) -> bool:
        return self.is_authenticated and (self.scope is None or action in self.scope.actions)


ANONYMOUS = Principal(is_authenticated=False)


@dataclass(frozen=True)
class AcceptedTokens:
    """The tokens a server accepts: plain ones, and scoped ones by the SHA-256 of the token."""

    plain: tuple[bytes, ...] = ()
    scoped: tuple[tuple[str, TokenScope], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.plain or self.scoped)

    def identify(self, candidate: str) -> Principal | None:
        """The principal `candidate` stands for, or None when no token matches.

        Every token and digest is compared, in constant time, so the time taken
        says nothing about which one (nearly) matched."""
        given = candidate.encode()
        digest = hashlib.sha256(given).hexdigest().encode()
        is_plain = False
        for token in self.plain:
            is_plain |= secrets.compare_digest(given, token)
        found: Principal | None = None
        for name, scope in self.scoped:
            if secrets.compare_digest(digest, scope.token_sha256.encode()):
                found = Principal(is_authenticated=True, name=name, scope=scope)
        if found is not None:
            return found
        return Principal(is_authenticated=True) if is_plain else None


def accepted_tokens(settings: Settings) -> AcceptedTokens:
    """SCORECARDS_API_TOKENS (comma-separated, blanks ignored) and `api_token_scopes`;
    ConfigurationError naming the entry when a scope is malformed."""
    raw = settings.api_tokens.get_secret_value() if settings.api_tokens is not None else ""
    plain = tuple(token.strip().encode() for token in raw.split(",") if token.strip())
    return AcceptedTokens(plain, token_scopes(settings.api_token_scopes))


def token_scopes(configured: Mapping[str, Mapping[str, Any]]) -> tuple[tuple[str, TokenScope], ...]:
    scopes: list[tuple[str, TokenScope]] = []
    seen: dict[str, str] = {}
    for name, entry in configured.items():
        try:
            scope = TokenScope.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'entry'}: "
                f"{error['msg'].removeprefix('Value error, ')}"
                for error in exc.errors()
            )
            raise ConfigurationError(
                f"api_token_scopes.{name}: {problems} — see the README's Security model"
            ) from None
        if scope.token_sha256 in seen:
            raise ConfigurationError(
                f"api_token_scopes.{name}: the same token_sha256 as {seen[scope.token_sha256]}; "
                "give each token one scope"
            )
        seen[scope.token_sha256] = name
        scopes.append((name, scope))
    return tuple(scopes)


def _refs(values: frozenset[str], default_kind: str | None) -> list[str]:
    refs = []
    for value in values:
        try:
            refs.append(normalize_ref(value, default_kind=default_kind))
        except CatalogError as exc:
            raise ValueError(str(exc)) from None
    return refs
