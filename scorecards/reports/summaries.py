"""Pure roll-ups of evaluations: per-scorecard averages, levels, most-failed checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.formats.scores import NO_LEVEL as NO_LEVEL  # re-exported: callers count by it
from scorecards.records.results import EntityEvaluation, Status


@dataclass
class ScorecardSummary:
    scorecard_id: str
    name: str
    entities: int = 0
    scored: int = 0
    average: float | None = None
    levels: dict[str, int] = field(default_factory=dict)  # level name (or "none") -> count


@dataclass
class CatalogSummary:
    entities: int
    scorecards: list[ScorecardSummary]
    failing_checks: list[tuple[str, int]]  # (check id, entities failing it), most first
    statuses: dict[str, int]


def summarize(
    definitions: Definitions, evaluations: Iterable[EntityEvaluation], top: int = 5
) -> CatalogSummary:
    return _summarize(
        definitions,
        (
            (
                [(r.check_id, r.status.value) for r in evaluation.checks],
                [(c.scorecard_id, c.score, c.level) for c in evaluation.scorecards],
            )
            for evaluation in evaluations
        ),
        top,
    )


def summarize_stored(
    definitions: Definitions, documents: Iterable[Mapping[str, Any]], top: int = 5
) -> CatalogSummary:
    """`summarize` over results in their stored form (`EntityEvaluation.to_dict`): a run's
    summary reads every entity's results back, and making objects of them all took longer
    than scoring a catalog of 100,000 entities."""
    return _summarize(
        definitions,
        (
            (
                [(r["check"], r["status"]) for r in document["checks"]],
                [(c["scorecard"], c["score"], c["level"]) for c in document["scorecards"]],
            )
            for document in documents
        ),
        top,
    )


Statuses = list[tuple[str, str]]  # (check id, status value)
Scores = list[tuple[str, float | None, str | None]]  # (scorecard id, score, level)


def _summarize(
    definitions: Definitions, entities: Iterable[tuple[Statuses, Scores]], top: int
) -> CatalogSummary:
    summaries = {
        s.id: ScorecardSummary(
            s.id, s.spec.name, levels={lv.name: 0 for lv in s.levels} | {NO_LEVEL: 0}
        )
        for s in definitions.scorecards.values()
    }
    totals: dict[str, list[float]] = {s: [] for s in summaries}
    failing: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    count = 0
    for checks, scorecards in entities:  # once: it may be a stream read from the store
        count += 1
        for check_id, status in checks:
            statuses[status] += 1
            if status in _FAILING:
                failing[check_id] += 1
        for scorecard_id, score, level in scorecards:
            summary = summaries.get(scorecard_id)
            if summary is None:
                continue
            summary.entities += 1
            level = level or NO_LEVEL
            summary.levels[level] = summary.levels.get(level, 0) + 1
            if score is not None:
                summary.scored += 1
                totals[scorecard_id].append(score)
    for scorecard_id, scores in totals.items():
        if scores:
            summaries[scorecard_id].average = round(sum(scores) / len(scores), 1)
    return CatalogSummary(
        entities=count,
        scorecards=list(summaries.values()),
        failing_checks=failing.most_common(top),
        statuses={status.value: statuses.get(status.value, 0) for status in Status},
    )


_FAILING = frozenset({Status.FAIL.value, Status.ERROR.value})
