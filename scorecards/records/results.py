"""What evaluation produces: a status per (entity, check), a score per (entity, scorecard).

Plain slotted dataclasses: hundreds of thousands are made per run, so they stay
cheap; `to_dict`/`from_dict` are the stored (JSON) form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scorecards.formats.timeutil import format_timestamp, parse_timestamp

# A result's message is one line of at most this many characters, however it was made
# (messages stored by older versions are cut when read).
MAX_MESSAGE = 300


def short_message(message: str | None) -> str | None:
    if message is None or (len(message) <= MAX_MESSAGE and "\n" not in message):
        return message
    line = " ".join(message.split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    EXEMPT = "exempt"
    UNKNOWN = "unknown"
    ERROR = "error"
    SKIP = "skip"


_STATUSES = {status.value: status for status in Status}  # faster than Status(value)
_TEXTS = {status: status.value for status in Status}  # a fifth of the time of `.value`
COUNTS_FOR = frozenset({Status.PASS, Status.EXEMPT})
COUNTED = frozenset({Status.PASS, Status.FAIL, Status.EXEMPT, Status.UNKNOWN, Status.ERROR})
# A level's check condition holds for these: passing, waived, or not applicable.
SATISFIES_LEVEL = frozenset({Status.PASS, Status.EXEMPT, Status.SKIP})


@dataclass(slots=True)
class CheckResult:
    """One (entity, check) status. A value: the engine gives equal results of different
    entities one shared object (a skip, a plain pass), so never change one in place."""

    check_id: str
    status: Status
    message: str | None = None
    fact_timestamps: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check_id, "status": _TEXTS[self.status]}
        if self.message is not None:
            data["message"] = self.message
        if self.fact_timestamps:
            data["facts"] = self.fact_timestamps
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        status = data["status"]
        # The dict is the caller's freshly decoded JSON, so its `facts` need no copy.
        return cls(
            data["check"],
            _STATUSES.get(status) or Status(status),
            short_message(data.get("message")),
            data.get("facts") or {},
        )


@dataclass(slots=True)
class ScorecardResult:
    scorecard_id: str
    score: float | None
    level: str | None
    counts: dict[str, int]
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scorecard": self.scorecard_id,
            "score": self.score,
            "level": self.level,
            "counts": self.counts,
        }
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScorecardResult:
        return cls(
            data["scorecard"], data["score"], data["level"], dict(data["counts"]), data.get("error")
        )


@dataclass(slots=True)
class EntityEvaluation:
    """Every result for one entity, explainable and reproducible from its inputs."""

    entity_ref: str
    evaluated_at: datetime
    definitions_version: str
    checks: list[CheckResult]
    scorecards: list[ScorecardResult]
    input_hash: str = ""
    # Until when the results hold with unchanged inputs (None: until they change);
    # see scorecards/incremental.py.
    valid_until: datetime | None = None

    def check(self, check_id: str) -> CheckResult | None:
        return next((r for r in self.checks if r.check_id == check_id), None)

    def scorecard(self, scorecard_id: str) -> ScorecardResult | None:
        return next((s for s in self.scorecards if s.scorecard_id == scorecard_id), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "entity": self.entity_ref,
            "evaluated_at": format_timestamp(self.evaluated_at),
            "definitions_version": self.definitions_version,
            "input_hash": self.input_hash,
            "checks": [r.to_dict() for r in self.checks],
            "scorecards": [s.to_dict() for s in self.scorecards],
        }
        if self.valid_until is not None:
            data["valid_until"] = format_timestamp(self.valid_until)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EntityEvaluation:
        return cls(
            entity_ref=data["entity"],
            evaluated_at=parse_timestamp(data["evaluated_at"]),
            definitions_version=data["definitions_version"],
            checks=[CheckResult.from_dict(r) for r in data["checks"]],
            scorecards=[ScorecardResult.from_dict(s) for s in data["scorecards"]],
            input_hash=data.get("input_hash", ""),
            valid_until=parse_timestamp(data["valid_until"]) if data.get("valid_until") else None,
        )


@dataclass(frozen=True, slots=True)
class EvaluationStamp:
    """What reuse needs to know about a stored evaluation, without reading all of it."""

    input_hash: str
    evaluated_at: datetime
    valid_until: datetime | None
