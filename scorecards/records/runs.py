"""Runs: one scoring of a catalog, its state, its progress and what its batches did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scorecards.formats.timeutil import format_timestamp, parse_timestamp


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # finished, but some batches or entities failed
    FAILED = "failed"
    ABANDONED = "abandoned"  # its process ended (killed, crashed) before the run did

    @property
    def is_finished(self) -> bool:
        return self is not RunState.PENDING and self is not RunState.RUNNING


@dataclass(frozen=True)
class RunOwner:
    """The process scoring a run in-process, so another process can tell whether it lives.

    `started` is the process's start time as the OS gives it (Linux: clock ticks since
    boot), so a pid reused by another process is not taken for the owner; None where unknown.
    """

    host: str
    pid: int
    started: int | None = None

    def __str__(self) -> str:
        return f"pid {self.pid} on {self.host}"


@dataclass
class Run:
    """One scoring run and its progress."""

    id: str
    state: RunState
    created_at: datetime
    evaluated_at: datetime  # the `now` every result of the run is evaluated at
    definitions_version: str
    entities_total: int = 0
    batches_total: int = 0
    entities_done: int = 0
    entities_failed: int = 0
    batches_done: int = 0
    batches_failed: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    finished_at: datetime | None = None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # source id -> counts
    # In-process runs: the process scoring it. Workers score distributed runs: None.
    owner: RunOwner | None = None
    # How long the run's hold on its store (scorecards/run_leases.py) lasts unless renewed.
    lease_seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.value
        for key in ("created_at", "evaluated_at", "finished_at"):
            if data[key] is not None:
                data[key] = format_timestamp(data[key])
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        values = dict(data)
        values["state"] = RunState(values["state"])
        for key in ("created_at", "evaluated_at", "finished_at"):
            if values.get(key) is not None:
                values[key] = parse_timestamp(values[key])
        if isinstance(values.get("owner"), Mapping):
            values["owner"] = RunOwner(**values["owner"])
        return cls(**values)


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch of a run did; recorded once per batch id, however often it ran.

    `error` fails the whole batch; `entity_errors` are entities a batch that went on
    could not evaluate (counted in `entities_failed`), one line each.
    """

    batch_id: str
    entities_done: int
    entities_failed: int = 0
    error: str | None = None
    entity_errors: tuple[str, ...] = ()

    def error_lines(self) -> list[str]:
        """The lines this outcome adds to its run's errors, in order."""
        lines = [] if self.error is None else [self.error]
        return [f"batch {self.batch_id}: {line}" for line in [*lines, *self.entity_errors]]


MAX_RUN_ERRORS = 100


def apply_batch(run: Run, outcome: BatchOutcome) -> None:
    """Add a batch's outcome to a run's counters (stores call this once per batch id)."""
    run.entities_done += outcome.entities_done
    run.entities_failed += outcome.entities_failed
    if outcome.error is None:
        run.batches_done += 1
    else:
        run.batches_failed += 1
    for line in outcome.error_lines():
        if len(run.errors) < MAX_RUN_ERRORS:
            run.errors.append(line)
