"""What the reports (teams, campaigns, trends, completeness) look like on the
dashboard and in the HTML report files alike: their charts and page sections.
Pure: report dataclasses in, SVG text and plain data out.

`href_of` makes rows clickable on the dashboard; the HTML report files pass none,
so they have no link back to a server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scorecards.api.dashboard.charts import (
    PALETTE,
    Segment,
    Series,
    StackedRow,
    level_color,
    line_chart,
    stacked_bars,
)
from scorecards.api.dashboard.rendering import short_ref
from scorecards.reports.campaigns import CampaignReport
from scorecards.reports.completeness import CompletenessReport
from scorecards.reports.summaries import NO_LEVEL
from scorecards.reports.teams import (
    LEADERBOARD_PRIOR_ENTITIES,
    ScorecardInfo,
    TeamReport,
    TeamScore,
    adjusted_average,
    biggest_improvers,
    leaderboard,
)
from scorecards.reports.trends import TrendReport, TrendSeries

HrefOf = Callable[[str], str] | None
CATALOGUED_COLOR = "#2e9d6a"
UNCATALOGUED_COLOR = "#c4572f"
REMAINING_COLOR = "#c4572f"
IN_SCOPE_COLOR = "#9aa5b1"


@dataclass(frozen=True)
class TeamSection:
    """One scorecard of a team report: the whole catalog, the leaderboard, the improvers."""

    info: ScorecardInfo
    total: TeamScore
    board: list[TeamScore]
    improvers: list[TeamScore]
    chart: str
    ranked_by: dict[str, float | None]  # each board team's adjusted average
    prior_entities: int = LEADERBOARD_PRIOR_ENTITIES


def team_sections(
    report: TeamReport, href_of: HrefOf = None, improvers: int = 5
) -> list[TeamSection]:
    """A section per scorecard of the report, in the report's order."""
    totals = {total.scorecard_id: total for total in report.totals}
    sections = []
    for info in report.scorecards:
        board = leaderboard(report, info.id)
        chart = team_levels_chart(board, info.levels, f"Levels by team: {info.name}", href_of)
        rising = biggest_improvers(report, info.id, improvers) if report.since else []
        total = totals[info.id]
        ranked_by = {t.team: adjusted_average(t, total.average) for t in board}
        sections.append(TeamSection(info, total, board, rising, chart, ranked_by))
    return sections


def team_levels_chart(
    scores: Sequence[TeamScore], levels: Sequence[str], title: str, href_of: HrefOf = None
) -> str:
    """One bar per team, split by level (lowest first, then no level)."""
    order = [*levels, NO_LEVEL]
    rows = [
        StackedRow(
            short_ref(score.team) if score.team.startswith(("group:", "user:")) else score.team,
            [
                Segment(level, score.levels.get(level, 0), level_color(level, position))
                for position, level in enumerate(order)
            ],
            href=href_of(score.team) if href_of else None,
        )
        for score in scores
    ]
    return stacked_bars(rows, title=title)


def trend_chart(
    report: TrendReport, names: Mapping[str, str], title: str = "Average score by day"
) -> str:
    """One line per series (per scorecard for the catalog or a team), days without a
    score left out."""
    series = [
        Series(names.get(s.scorecard_id, s.scorecard_id), _points(s), PALETTE[i % len(PALETTE)])
        for i, s in enumerate(report.series)
    ]
    return line_chart([s for s in series if s.points], title=title, y_max=100)


def has_trend(report: TrendReport) -> bool:
    """True when some series has points on two or more days (one day is not a trend)."""
    return any(len(_points(s)) > 1 for s in report.series)


def burndown_chart(report: CampaignReport, title: str | None = None) -> str:
    """Entities remaining per day, the entities in scope, and the deadline."""
    remaining = [(p.day, float(p.remaining)) for p in report.burndown]
    in_scope = [(p.day, float(p.in_scope)) for p in report.burndown]
    highest = max((v for _, v in in_scope), default=0.0)
    return line_chart(
        [
            Series("remaining", remaining, REMAINING_COLOR),
            Series("in scope", in_scope, IN_SCOPE_COLOR),
        ],
        title=title or f"Burn-down: {report.name}",
        y_max=max(highest, 1.0),
        deadline=report.deadline,
    )


def completeness_chart(report: CompletenessReport, href_of: HrefOf = None) -> str:
    """Catalogued and uncatalogued repositories per team."""
    rows = [
        StackedRow(
            short_ref(team.team) if team.team else "(no team)",
            [
                Segment("catalogued", team.counts.catalogued, CATALOGUED_COLOR),
                Segment("uncatalogued", team.counts.uncatalogued, UNCATALOGUED_COLOR),
            ],
            href=href_of(team.team) if href_of and team.team else None,
        )
        for team in report.teams
    ]
    return stacked_bars(rows, title="Repositories in the catalog, by team")


def _points(series: TrendSeries) -> list[tuple[date, float]]:
    return [(p.day, p.average) for p in series.points if p.average is not None]
