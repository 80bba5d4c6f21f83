"""The notification log: what was sent to whom, or why not (scorecards/notifications).

One record per (rule, destination, address, event), keyed so that deriving the same
event again finds it: a re-run never sends a message twice. A record never holds a
webhook URL or a password, only the environment variable's name or an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from scorecards.formats.timeutil import format_timestamp, parse_timestamp


class Outcome(StrEnum):
    PENDING = "pending"  # waiting for its rule's digest
    SENT = "sent"
    FAILED = "failed"  # after its retries, or with nowhere to go
    DUPLICATE = "duplicate"  # the same event was already sent: suppressed


@dataclass(frozen=True)
class NotificationRecord:
    key: str  # rule|destination|address|event key: unique
    rule: str
    event: str  # the event's kind, e.g. level-dropped
    title: str  # one line: what happened
    team: str | None  # the owning group's ref
    destination: str  # e.g. slack
    address: str  # the env variable named for the URL, or an email address
    outcome: Outcome
    at: datetime  # when the outcome was recorded
    entity: str | None = None
    attempts: int = 0
    error: str | None = None
    event_data: Mapping[str, Any] | None = None  # the event, for a later digest

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["at"] = format_timestamp(self.at)
        data["event_data"] = dict(self.event_data) if self.event_data is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NotificationRecord:
        values = dict(data)
        values["outcome"] = Outcome(values["outcome"])
        values["at"] = parse_timestamp(values["at"])
        return cls(**values)
