"""Definitions as the evaluator uses them: validated specs with compiled CEL."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scorecards.cel import Expression
from scorecards.definitions.specs import (
    CampaignSpec,
    CheckSpec,
    ExemptionSpec,
    NotificationSpec,
    ScorecardSpec,
    SourceSpec,
)
from scorecards.errors import Problem


@dataclass(frozen=True, slots=True)
class LevelRule:
    """A scorecard level as compiled: its name, the checks it needs, its least score."""

    name: str
    checks: tuple[str, ...] = ()
    min_score: float | None = None


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Check:
    spec: CheckSpec
    location: Location
    applies: Expression | None  # None: applies to every entity
    rule: Expression
    message: Expression | None
    fact_sources: frozenset[str]  # sources whose timestamps a result records
    test_lines: tuple[int, ...] = ()

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def weight(self) -> float:
        return self.spec.effective_weight


@dataclass(frozen=True)
class Scorecard:
    spec: ScorecardSpec
    location: Location
    applies: Expression | None
    weights: tuple[tuple[str, float], ...]  # (check id, weight in this scorecard)
    levels: tuple[LevelRule, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Campaign:
    spec: CampaignSpec
    location: Location
    applies: Expression | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Exemption:
    spec: ExemptionSpec
    location: Location
    entity_ref: str

    def is_active(self, today: date) -> bool:
        """Valid through its `expires` day, inclusive."""
        return today <= self.spec.expires


@dataclass(frozen=True)
class Source:
    spec: SourceSpec
    location: Location
    applies: Expression | None
    url: Expression | None
    facts: Mapping[str, Expression]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Notification:
    """A notification rule: which events, for which entities, sent where (scorecards/notifications)."""

    spec: NotificationSpec
    location: Location
    applies: Expression | None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Definitions:
    """A whole definitions folder, loaded at once and versioned by a content hash."""

    checks: Mapping[str, Check]
    scorecards: Mapping[str, Scorecard]
    campaigns: Mapping[str, Campaign]
    exemptions: Mapping[tuple[str, str], Exemption]  # (check id, entity ref)
    sources: Mapping[str, Source]
    version: str
    warnings: tuple[Problem, ...] = ()
    max_ages: Mapping[str, timedelta] = field(default_factory=dict)  # source id -> default maxAge
    notifications: Mapping[str, Notification] = field(default_factory=dict)

    def counts(self) -> str:
        """What the definitions hold, e.g. `45 checks, 7 scorecards, ..., 1 source`."""
        counted = [
            (len(self.checks), "check"),
            (len(self.scorecards), "scorecard"),
            (len(self.campaigns), "campaign"),
            (len(self.exemptions), "exemption"),
        ]
        if self.sources:
            counted.append((len(self.sources), "source"))
        if self.notifications:
            counted.append((len(self.notifications), "notification rule"))
        return ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counted)

    def max_age(self, check: Check, source: str) -> timedelta | None:
        return check.spec.max_age or self.max_ages.get(source)

    @functools.cached_property
    def memo(self) -> dict[str, Any]:
        """What readers derive once per definitions (the engine's compiled checks).

        Not a field: `dataclasses.replace` gives the new definitions an empty one.
        """
        return {}
