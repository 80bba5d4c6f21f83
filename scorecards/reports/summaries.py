"""Pure roll-ups of evaluations: per-scorecard averages, levels, most-failed checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    summaries = {
        s.id: ScorecardSummary(
            s.id, s.spec.name, levels={lv.name: 0 for lv in s.levels} | {NO_LEVEL: 0}
        )
        for s in definitions.scorecards.values()
    }
    totals: dict[str, list[float]] = {s: [] for s in summaries}
    failing: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    entities = 0
    for evaluation in evaluations:  # once: it may be a stream read from the store
        entities += 1
        for result in evaluation.checks:
            statuses[result.status.value] += 1
            if result.status in (Status.FAIL, Status.ERROR):
                failing[result.check_id] += 1
        for scored in evaluation.scorecards:
            summary = summaries.get(scored.scorecard_id)
            if summary is None:
                continue
            summary.entities += 1
            level = scored.level or NO_LEVEL
            summary.levels[level] = summary.levels.get(level, 0) + 1
            if scored.score is not None:
                summary.scored += 1
                totals[scored.scorecard_id].append(scored.score)
    for scorecard_id, scores in totals.items():
        if scores:
            summaries[scorecard_id].average = round(sum(scores) / len(scores), 1)
    return CatalogSummary(
        entities=entities,
        scorecards=list(summaries.values()),
        failing_checks=failing.most_common(top),
        statuses={status.value: statuses.get(status.value, 0) for status in Status},
    )
