"""What the overview page shows: per scorecard, the score distribution and level
counts; the checks failing most; the status totals. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scorecards.api.dashboard.charts import (
    Bar,
    Segment,
    StackedRow,
    band_color,
    bar_chart,
    level_color,
    score_bins,
    stacked_bars,
)
from scorecards.api.dashboard.rendering import list_path
from scorecards.definitions.compiled import Definitions
from scorecards.records.results import EntityEvaluation
from scorecards.reports.summaries import NO_LEVEL, summarize


@dataclass(frozen=True)
class ScoreBand:
    low: int
    high: int
    entities: int
    href: str


@dataclass(frozen=True)
class LevelCount:
    level: str
    entities: int
    href: str


@dataclass(frozen=True)
class ScorecardOverview:
    id: str
    name: str
    entities: int
    scored: int
    average: float | None
    levels: tuple[LevelCount, ...]  # lowest level first, then NO_LEVEL
    bands: tuple[ScoreBand, ...]

    def histogram(self) -> str:
        bars = [Bar(f"{b.low}-{b.high}", b.entities, b.href, band_color(b.low)) for b in self.bands]
        return bar_chart(bars, title=f"Score distribution: {self.name}", height=190)


@dataclass(frozen=True)
class FailingCheck:
    id: str
    name: str
    entities: int


@dataclass(frozen=True)
class Overview:
    entities: int  # entities with stored results
    scorecards: tuple[ScorecardOverview, ...]
    failing_checks: tuple[FailingCheck, ...]
    statuses: dict[str, int]

    def level_chart(self) -> str:
        rows = [
            StackedRow(
                card.name,
                [
                    Segment(count.level, count.entities, level_color(count.level, position))
                    for position, count in enumerate(card.levels)
                ],
                href=list_path(scorecard=card.id),
            )
            for card in self.scorecards
        ]
        return stacked_bars(rows, title="Entities per level, by scorecard", legend=self.legend())

    def legend(self) -> list[tuple[str, str]]:
        """Every scorecard's levels by rank (each scorecard's lowest first, merged),
        then no level: Adopted, Bronze, Silver, Gold, none."""
        ranked: dict[str, tuple[int, int]] = {}
        for card in self.scorecards:
            for position, count in enumerate(card.levels):
                if count.level != NO_LEVEL:
                    ranked.setdefault(count.level, (position, len(ranked)))
        order = sorted(ranked, key=ranked.__getitem__)
        return [(level, level_color(level, ranked[level][0])) for level in order] + [
            (NO_LEVEL, level_color(NO_LEVEL))
        ]


def build_overview(
    definitions: Definitions, evaluations: Sequence[EntityEvaluation], top: int = 8
) -> Overview:
    summary = summarize(definitions, evaluations, top=top)
    scores: dict[str, list[float]] = {card.scorecard_id: [] for card in summary.scorecards}
    for evaluation in evaluations:
        for result in evaluation.scorecards:
            if result.score is not None and result.scorecard_id in scores:
                scores[result.scorecard_id].append(result.score)
    cards = []
    for card in summary.scorecards:
        bins = score_bins(scores[card.scorecard_id])
        bands = tuple(
            ScoreBand(
                low,
                high,
                n,
                list_path(scorecard=card.scorecard_id, min_score=low, below=_upper(high)),
            )
            for low, high, n in bins
        )
        levels = tuple(
            LevelCount(level, n, list_path(scorecard=card.scorecard_id, level=level))
            for level, n in card.levels.items()
        )
        cards.append(
            ScorecardOverview(
                card.scorecard_id,
                card.name,
                card.entities,
                card.scored,
                card.average,
                levels,
                bands,
            )
        )
    failing = tuple(
        FailingCheck(check_id, _check_name(definitions, check_id), n)
        for check_id, n in summary.failing_checks
    )
    return Overview(summary.entities, tuple(cards), failing, summary.statuses)


def _upper(high: int) -> int | None:
    """The top band also holds a perfect score, so it has no upper bound in the list filter."""
    return None if high >= 100 else high


def _check_name(definitions: Definitions, check_id: str) -> str:
    check = definitions.checks.get(check_id)
    return check.spec.name if check else check_id
