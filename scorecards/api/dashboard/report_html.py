"""Reports as one self-contained HTML file (`scorecards report --format html`), for a
manager to open from an email: inline CSS and SVG, no script, no link back to a
server (links to GitHub repositories and check documentation stay).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from scorecards.api.dashboard.charts import PALETTE, Series, line_chart
from scorecards.api.dashboard.rendering import render, short_ref
from scorecards.api.dashboard.report_views import burndown_chart, completeness_chart, team_sections
from scorecards.formats.timeutil import utcnow
from scorecards.reports.campaigns import CampaignReport
from scorecards.reports.completeness import CompletenessReport
from scorecards.reports.teams import TeamReport
from scorecards.reports.trends import Subject, TrendReport, TrendSeries

Report = TeamReport | CampaignReport | TrendReport | CompletenessReport


@dataclass(frozen=True)
class TrendRow:
    subject: str
    scorecard: str
    first_day: date
    first: float
    last_day: date
    last: float

    @property
    def change(self) -> float:
        return self.last - self.first


def render_report_html(report: Report, generated_at: datetime | None = None) -> str:
    """The report as a complete HTML document. `generated_at` defaults to the report's own
    time (a completeness report has none: then the current time)."""
    values: dict[str, Any] = {"linked": False, "since": None}
    if isinstance(report, TeamReport):
        values |= {
            "kind": "teams",
            "title": "Team report",
            "since": report.since,
            "sections": team_sections(report),
        }
    elif isinstance(report, CampaignReport):
        values |= {
            "kind": "campaign",
            "title": f"Campaign: {report.name}",
            "campaign": report,
            "burndown": burndown_chart(report),
        }
    elif isinstance(report, TrendReport):
        values |= {"kind": "trends", "title": "Score trends", "since": report.since}
        values |= _trend_values(report)
    elif isinstance(report, CompletenessReport):
        values |= {
            "kind": "completeness",
            "title": "Catalog completeness",
            "report": report,
            "chart": completeness_chart(report),
        }
    else:
        raise TypeError(f"no HTML rendering for {type(report).__name__}")
    moment = generated_at or getattr(report, "generated_at", None) or utcnow()
    return render("report.html", values | {"generated_at": moment})


def _trend_values(report: TrendReport) -> dict[str, Any]:
    """A chart per subject (an entity, a team or the catalog), a line per scorecard."""
    by_subject: dict[str, list[TrendSeries]] = defaultdict(list)
    for series in report.series:
        by_subject[_subject(series)].append(series)
    charts = []
    rows = []
    for subject, all_series in by_subject.items():
        lines = []
        for index, series in enumerate(all_series):
            points = [(p.day, p.average) for p in series.points if p.average is not None]
            if not points:
                continue
            lines.append(Series(series.scorecard_id, points, PALETTE[index % len(PALETTE)]))
            (first_day, first), (last_day, last) = points[0], points[-1]
            rows.append(TrendRow(subject, series.scorecard_id, first_day, first, last_day, last))
        charts.append(line_chart(lines, title=f"Average score by day: {subject}", y_max=100))
    return {"charts": charts, "rows": rows}


def _subject(series: TrendSeries) -> str:
    if series.subject == Subject.CATALOG:
        return "the whole catalog"
    return short_ref(series.key) if series.subject == Subject.TEAM else series.key
