"""Reports as JSON-ready dicts and as CSV text (one row per team, or per day of a trend)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import partial
from typing import Any

from scorecards.formats.scores import format_score
from scorecards.formats.timeutil import format_timestamp
from scorecards.reports.campaigns import CampaignCounts, CampaignReport
from scorecards.reports.completeness import CompletenessReport
from scorecards.reports.teams import ALL_TEAMS, TeamReport, TeamScore
from scorecards.reports.trends import TrendReport

Report = TeamReport | CampaignReport | TrendReport | CompletenessReport
# A missing score is an empty cell, which spreadsheets read as no value; a change is
# written unsigned, a plain number like the scores beside it (as the CSV always has).
_csv_score = partial(format_score, missing="")


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data (times RFC 3339, days ISO dates)."""
    if isinstance(report, TeamReport):
        return team_report_json(report)
    if isinstance(report, CampaignReport):
        return campaign_json(report)
    if isinstance(report, CompletenessReport):
        return report.to_dict()
    return trend_json(report)


def report_csv(report: Report) -> str:
    """The report as CSV with a header row."""
    if isinstance(report, TeamReport):
        header, rows = _team_rows(report)
    elif isinstance(report, CampaignReport):
        header, rows = _campaign_rows(report)
    elif isinstance(report, CompletenessReport):
        header, rows = _completeness_rows(report)
    else:
        header, rows = _trend_rows(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def team_report_json(report: TeamReport) -> dict[str, Any]:
    return {
        "generated_at": format_timestamp(report.generated_at),
        "since": _time(report.since),
        "scorecards": [
            {
                "id": info.id,
                "name": info.name,
                "levels": list(info.levels),
                "total": _team_json(total),
                "teams": [_team_json(t) for t in report.for_scorecard(info.id)],
            }
            for info, total in zip(report.scorecards, report.totals, strict=True)
        ],
    }


def _team_json(team: TeamScore) -> dict[str, Any]:
    return {
        "team": team.team,
        "parent": team.parent,
        "depth": team.depth,
        "entities": team.entities,
        "direct_entities": team.direct_entities,
        "scored": team.scored,
        "average": team.average,
        "levels": dict(team.levels),
        "failing_checks": [
            {"check": f.check_id, "fail": f.fail, "error": f.error, "unknown": f.unknown}
            for f in team.failing_checks
        ],
        "average_then": team.average_then,
        "scored_then": team.scored_then,
        "change": team.change,
    }


def campaign_json(report: CampaignReport) -> dict[str, Any]:
    return {
        "id": report.campaign_id,
        "name": report.name,
        "description": report.description,
        "checks": list(report.checks),
        "starts": _day(report.starts),
        "deadline": report.deadline.isoformat(),
        "generated_at": format_timestamp(report.generated_at),
        "past_deadline": report.is_past_deadline,
        "days_left": report.days_left,
        **_counts_json(report.counts),
        "burndown": _burndown_json(report.burndown),
        "teams": [
            {"team": t.team, **_counts_json(t.counts), "burndown": _burndown_json(t.burndown)}
            for t in report.teams
        ],
        "entities": [
            {
                "entity": e.ref,
                "team": e.team,
                "progress": e.progress.value,
                "outstanding": list(e.outstanding),
            }
            for e in report.entities
        ],
        "errors": [{"entity": ref, "error": message} for ref, message in report.errors],
    }


def campaign_summary_json(report: CampaignReport) -> dict[str, Any]:
    """A campaign without its teams, entities and burn-down (for listings)."""
    data = campaign_json(report)
    for key in ("burndown", "teams", "entities", "errors"):
        data.pop(key)
    return data


def _counts_json(counts: CampaignCounts) -> dict[str, int]:
    return {
        "in_scope": counts.in_scope,
        "done": counts.done,
        "exempt": counts.exempt,
        "remaining": counts.remaining,
        "overdue": counts.overdue,
    }


def _burndown_json(points: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"day": p.day.isoformat(), "in_scope": p.in_scope, "remaining": p.remaining} for p in points
    ]


def trend_json(report: TrendReport) -> dict[str, Any]:
    return {
        "generated_at": format_timestamp(report.generated_at),
        "since": _time(report.since),
        "series": [
            {
                "subject": s.subject.value,
                "key": s.key,
                "scorecard": s.scorecard_id,
                "points": [
                    {"day": p.day.isoformat(), "average": p.average, "entities": p.entities}
                    for p in s.points
                ],
            }
            for s in report.series
        ],
    }


Rows = tuple[Sequence[str], list[list[Any]]]


def _team_rows(report: TeamReport) -> Rows:
    header = (
        "scorecard", "team", "parent", "depth", "entities", "direct_entities", "scored",
        "average", "levels", "most_failed_checks", "average_then", "change",
    )  # fmt: skip
    rows = []
    for info, total in zip(report.scorecards, report.totals, strict=True):
        for team in [*report.for_scorecard(info.id), total]:
            rows.append(
                [
                    info.id, team.team, team.parent or "", team.depth, team.entities,
                    team.direct_entities, team.scored, _csv_score(team.average),
                    " ".join(f"{name}={count}" for name, count in team.levels.items()),
                    " ".join(
                        f"{f.check_id}={f.fail}/{f.error}/{f.unknown}" for f in team.failing_checks
                    ),
                    _csv_score(team.average_then), _csv_score(team.change),
                ]
            )  # fmt: skip
    return header, rows


def _campaign_rows(report: CampaignReport) -> Rows:
    header = ("campaign", "deadline", "team", "in_scope", "done", "exempt", "remaining", "overdue")
    teams = [(t.team, t.counts) for t in report.teams] + [(ALL_TEAMS, report.counts)]
    rows = [
        [
            report.campaign_id, report.deadline.isoformat(), team, counts.in_scope, counts.done,
            counts.exempt, counts.remaining, counts.overdue,
        ]
        for team, counts in teams
    ]  # fmt: skip
    return header, rows


def _trend_rows(report: TrendReport) -> Rows:
    header = ("subject", "key", "scorecard", "day", "average", "entities")
    rows = [
        [
            s.subject.value,
            s.key,
            s.scorecard_id,
            p.day.isoformat(),
            _csv_score(p.average),
            p.entities,
        ]
        for s in report.series
        for p in s.points
    ]
    return header, rows


def _completeness_rows(report: CompletenessReport) -> Rows:
    # One row per repository in scope, catalogued or not: team totals are a pivot away.
    header = ["org", "repository", "url", "team", "catalogued", "entities", "pushed_at"]
    return header, [
        [
            row.org,
            row.name,
            row.url,
            row.team or "",
            "yes" if row.is_catalogued else "no",
            ";".join(row.entities),
            row.pushed_at or "",
        ]
        for row in report.repositories
    ]


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
