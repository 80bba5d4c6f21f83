"""What the gate answers: pass, fail or undecidable, with the reasons and the checks.

`GateDecision.to_dict`/`from_dict` are the JSON of `POST /api/v1/gate`, so a CLI
in remote mode renders the server's answer exactly as it renders its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from scorecards.formats.timeutil import (
    DurationTooLongError,
    format_duration,
    format_timestamp,
    parse_duration,
    parse_timestamp,
)
from scorecards.records.results import Status


class Decision(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNDECIDABLE = "undecidable"

    @property
    def exit_code(self) -> int:
        """0 pass, 1 below threshold, 2 cannot decide: what a CI step exits with."""
        return {Decision.PASS: 0, Decision.FAIL: 1, Decision.UNDECIDABLE: 2}[self]


FINDING_STATUSES = frozenset({Status.FAIL, Status.ERROR, Status.UNKNOWN})
# A required check holds only when it passes or is waived; not applicable is doubt.
SATISFIES_REQUIREMENT = frozenset({Status.PASS, Status.EXEMPT})
# The longest --max-age: older than any result can be, and far from timedelta's limit.
MAX_AGE_LIMIT = timedelta(weeks=52 * 100)


@dataclass(frozen=True)
class Threshold:
    """The bar: a minimum level name or a minimum score, exactly one of them.

    `Threshold.missing()` stands for a gate asked without a usable threshold, so its
    report can still be written; `decide_gate` never passes it.
    """

    min_level: str | None = None
    min_score: float | None = None
    is_missing: bool = False

    def __post_init__(self) -> None:
        given = (self.min_level is not None) + (self.min_score is not None)
        if given != (0 if self.is_missing else 1):
            raise ValueError("give exactly one of a minimum level or a minimum score")

    @classmethod
    def missing(cls) -> Threshold:
        return cls(is_missing=True)

    def __str__(self) -> str:
        if self.min_level is not None:
            return f"level {self.min_level} or better"
        if self.min_score is not None:
            return f"score {self.min_score:g} or more"
        return "none given"

    def to_dict(self) -> dict[str, Any]:
        if self.min_level is not None:
            return {"min_level": self.min_level}
        if self.min_score is not None:
            return {"min_score": self.min_score}
        return {}

    def is_same_as(self, other: Threshold) -> bool:
        """The same bar; level names compare as the gate matches them, ignoring case."""
        if self.min_level is not None and other.min_level is not None:
            return self.min_level.lower() == other.min_level.lower()
        return self == other

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Threshold:
        score = data.get("min_score")
        return cls(data.get("min_level"), None if score is None else float(score))


@dataclass(frozen=True)
class GatePolicy:
    """What a gate asks: this entity, this scorecard, this bar, these checks, this fresh."""

    entity_ref: str
    scorecard_id: str
    threshold: Threshold
    required_checks: tuple[str, ...] = ()
    max_age: timedelta | None = None


@dataclass(frozen=True)
class GateCheck:
    """One check as the gate reports it: its status and how to fix it."""

    id: str
    name: str
    status: Status
    message: str | None = None
    remediation: str = ""
    description: str = ""
    category: str = ""
    severity: str = ""
    weight: float | None = None  # in the scorecard; None for a check only required
    required: bool = False
    links: tuple[tuple[str, str], ...] = ()  # (title, url)

    @property
    def is_finding(self) -> bool:
        return self.status in FINDING_STATUSES

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status.value,
            "message": self.message,
            "remediation": self.remediation,
            "description": self.description,
            "category": self.category,
            "severity": self.severity,
            "weight": self.weight,
            "required": self.required,
            "links": [{"title": title, "url": url} for title, url in self.links],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateCheck:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            status=Status(data["status"]),
            message=data.get("message"),
            remediation=str(data.get("remediation") or ""),
            description=str(data.get("description") or ""),
            category=str(data.get("category") or ""),
            severity=str(data.get("severity") or ""),
            weight=None if data.get("weight") is None else float(data["weight"]),
            required=bool(data.get("required", False)),
            links=tuple((str(x["title"]), str(x["url"])) for x in data.get("links") or ()),
        )


@dataclass(frozen=True)
class GateDecision:
    """The answer, with everything needed to explain it in a CI log or report."""

    decision: Decision
    reasons: tuple[str, ...]
    entity_ref: str
    scorecard_id: str
    threshold: Threshold
    required_checks: tuple[str, ...] = ()
    max_age: timedelta | None = None
    scorecard_name: str | None = None
    levels: tuple[str, ...] = ()
    score: float | None = None
    level: str | None = None
    evaluated_at: datetime | None = None
    definitions_version: str | None = None
    checks: tuple[GateCheck, ...] = ()
    entity_location: str | None = None  # the entity's catalog-info.yaml: a path or URL

    @property
    def exit_code(self) -> int:
        return self.decision.exit_code

    def mismatch(self, policy: GatePolicy) -> str | None:
        """How this answer is not about the question `policy` asks, or None when it is."""
        asked = (policy.entity_ref, policy.scorecard_id)
        if (self.entity_ref, self.scorecard_id) != asked:
            return (
                f"the answer is about {self.entity_ref} and scorecard '{self.scorecard_id}', "
                f"not {policy.entity_ref} and scorecard '{policy.scorecard_id}'"
            )
        if not self.threshold.is_same_as(policy.threshold):
            return f"the answer judges {self.threshold}, not {policy.threshold}"
        if set(self.required_checks) != set(policy.required_checks):
            listed = ", ".join(self.required_checks) or "none"
            return f"the answer requires the checks {listed}, not those asked"
        if _duration_text(self.max_age) != _duration_text(policy.max_age):
            return (
                f"the answer judges a maximum age of {_duration_text(self.max_age) or 'none'}, "
                f"not {_duration_text(policy.max_age) or 'none'}"
            )
        return None

    def describe_threshold(self) -> str:
        """`level Silver or better; required checks: a, b`."""
        text = str(self.threshold)
        if self.required_checks:
            text += "; required checks: " + ", ".join(self.required_checks)
        return text

    def describe_result(self) -> str:
        """`score 45.5, level Bronze`, or `no score` when there is none."""
        if self.score is None and self.level is None:
            return "no score"
        score = "no score" if self.score is None else f"score {self.score:g}"
        return f"{score}, level {self.level or 'none'}"

    @property
    def findings(self) -> tuple[GateCheck, ...]:
        """Checks that fail, raised an error or are unknown."""
        return tuple(c for c in self.checks if c.is_finding)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "reasons": list(self.reasons),
            "entity": self.entity_ref,
            "scorecard": self.scorecard_id,
            "scorecard_name": self.scorecard_name,
            "threshold": self.threshold.to_dict(),
            "required_checks": list(self.required_checks),
            "max_age": None if self.max_age is None else format_duration(self.max_age),
            "score": self.score,
            "level": self.level,
            "levels": list(self.levels),
            "evaluated_at": None
            if self.evaluated_at is None
            else format_timestamp(self.evaluated_at),
            "definitions_version": self.definitions_version,
            "entity_location": self.entity_location,
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateDecision:
        """Read an answer of `POST /api/v1/gate`; KeyError/ValueError when malformed."""
        evaluated_at = data.get("evaluated_at")
        max_age = data.get("max_age")
        score = data.get("score")
        return cls(
            decision=Decision(data["decision"]),
            reasons=tuple(str(r) for r in data["reasons"]),
            entity_ref=str(data["entity"]),
            scorecard_id=str(data["scorecard"]),
            threshold=Threshold.from_dict(data["threshold"]),
            required_checks=tuple(str(c) for c in data.get("required_checks") or ()),
            max_age=None if max_age is None else parse_duration(max_age),
            scorecard_name=data.get("scorecard_name"),
            levels=tuple(str(lv) for lv in data.get("levels") or ()),
            score=None if score is None else float(score),
            level=data.get("level"),
            evaluated_at=None if evaluated_at is None else parse_timestamp(evaluated_at),
            definitions_version=data.get("definitions_version"),
            checks=tuple(GateCheck.from_dict(c) for c in data.get("checks") or ()),
            entity_location=data.get("entity_location"),
        )


def parse_max_age(text: str) -> timedelta:
    """`--max-age` as a duration; ValueError saying what is wrong, also when absurdly long."""
    try:
        age: timedelta | None = parse_duration(text)
    except DurationTooLongError:  # more days than a timedelta holds
        age = None
    if age is None or age > MAX_AGE_LIMIT:
        raise ValueError(
            f"max age '{text}' is longer than {format_duration(MAX_AGE_LIMIT)} — "
            "give how old results may be, e.g. 1d or 12h"
        )
    return age


def _duration_text(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


def undecidable(policy: GatePolicy, *reasons: str, **details: Any) -> GateDecision:
    """A decision that could not be made, saying why (server down, bad input, ...)."""
    return GateDecision(
        Decision.UNDECIDABLE,
        tuple(reasons),
        policy.entity_ref,
        policy.scorecard_id,
        policy.threshold,
        policy.required_checks,
        policy.max_age,
        **details,
    )


def catalog_location(entity: Mapping[str, Any] | None) -> str | None:
    """Where an entity is described: the path or URL of its catalog-info.yaml, if known."""
    if not entity:
        return None
    annotations = (entity.get("metadata") or {}).get("annotations") or {}
    location = annotations.get("backstage.io/managed-by-location")
    if not isinstance(location, str) or ":" not in location:
        return None
    kind, _, target = location.partition(":")
    return target if kind in ("file", "url") and target else None
