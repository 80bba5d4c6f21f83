"""Scores and levels from check statuses (docs/architecture.md §4). Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scorecards.definitions.compiled import LevelRule
from scorecards.records.results import COUNTED, COUNTS_FOR, SATISFIES_LEVEL, Status


def compute_score(weighted: Iterable[tuple[Status, float]]) -> float | None:
    """100 x weight counting for / weight counted; None when nothing is counted."""
    counted = 0.0
    counting_for = 0.0
    for status, weight in weighted:
        if status in COUNTED:
            counted += weight
            if status in COUNTS_FOR:
                counting_for += weight
    if counted <= 0:
        return None
    return round(100.0 * counting_for / counted, 2)


def compute_level(
    levels: Sequence[LevelRule], statuses: Mapping[str, Status], score: float | None
) -> str | None:
    """The highest level whose conditions, and every lower level's, hold."""
    reached: str | None = None
    for level in levels:
        checks_hold = all(statuses.get(c) in SATISFIES_LEVEL for c in level.checks)
        score_holds = level.min_score is None or (score is not None and score >= level.min_score)
        if not (checks_hold and score_holds):
            break
        reached = level.name
    return reached


_NO_COUNTS = {status.value: 0 for status in Status}


def count_statuses(statuses: Iterable[Status]) -> dict[str, int]:
    counts = dict(_NO_COUNTS)
    for status in statuses:
        counts[status] += 1  # a StrEnum member finds its value's key
    return counts
