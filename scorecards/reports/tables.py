"""Reports as terminal tables (rich), in the style of scorecards/cli/render.py."""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from scorecards.formats.scores import (
    NO_LEVEL,
    Trend,
    format_change,
    format_count,
    format_level_counts,
    format_percent,
    format_score,
    trend_of,
)
from scorecards.formats.terminal import Cell, Column, fits, fitted_table
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.refs import DEFAULT_NAMESPACE
from scorecards.reports.campaigns import CampaignReport, Progress
from scorecards.reports.completeness import NO_TEAM, CompletenessReport
from scorecards.reports.exports import Report
from scorecards.reports.teams import TeamReport
from scorecards.reports.trends import TrendReport

FAILING_SHOWN = 3
ENTITIES_SHOWN = 50
CHANGE_STYLES = {Trend.UP: "green", Trend.DOWN: "red", Trend.FLAT: ""}


def render_report(console: Console, report: Report) -> None:
    if isinstance(report, TeamReport):
        render_team_report(console, report)
    elif isinstance(report, CampaignReport):
        render_campaign(console, report)
    elif isinstance(report, CompletenessReport):
        render_completeness(console, report)
    else:
        render_trends(console, report)


def render_team_report(console: Console, report: TeamReport) -> None:
    since = f" (change since {report.since:%Y-%m-%d %H:%M} UTC)" if report.since else ""
    console.print(f"Teams as of {report.generated_at:%Y-%m-%d %H:%M} UTC{since}", markup=False)
    for info, total in zip(report.scorecards, report.totals, strict=True):
        level_names = [*info.levels, NO_LEVEL]
        columns = [
            Column("team", whole=True),  # the tree indent would be lost if it wrapped
            Column("entities", justify="right"),
            Column("average", justify="right"),
            *([Column("change", justify="right")] if report.since is not None else []),
            Column("levels", justify="right"),
        ]
        rows: list[list[Cell]] = []
        failing: list[tuple[str, str]] = []
        for team in [*report.for_scorecard(info.id), total]:
            cells: list[Cell] = [
                Text("  " * team.depth + team_name(team.team)),
                str(team.entities),
                format_score(team.average),
            ]
            if report.since is not None:
                cells.append(_change(team.change))
            cells.append(format_level_counts(team.levels, level_names))
            rows.append(cells)
            shown = team.failing_checks[:FAILING_SHOWN]
            failing.append(
                (team_name(team.team), ", ".join(f"{f.check_id} ({f.total})" for f in shown))
            )
        title = f"{info.name} ({info.id}); levels: {'/'.join(level_names)}"
        most_failed = Column("most failed (entities)", whole=True)
        with_failing = [
            [*row, "\n".join(_most_failed_lines(text))]
            for row, (_, text) in zip(rows, failing, strict=True)
        ]
        if fits([*columns, most_failed], with_failing, console.width):
            console.print(fitted_table([*columns, most_failed], with_failing, console.width, title))
            continue
        # Too narrow for the failing checks beside the numbers: listed under the table instead.
        console.print(fitted_table(columns, rows, console.width, title))
        console.print(Text("most failed checks (entities failing):", style="bold"))
        for name, text in failing:
            if text:
                console.print(Padding(Text(f"{name}: {text}"), (0, 0, 0, 2), expand=False))


def _most_failed_lines(text: str) -> list[str]:
    return text.split(", ") if text else []


def render_campaign(console: Console, report: CampaignReport) -> None:
    counts = report.counts
    if report.is_past_deadline:
        when = f"deadline {report.deadline} passed {-report.days_left} days ago"
    else:
        when = f"deadline {report.deadline}, {report.days_left} days left"
    console.print(Text(f"{report.name} ({report.campaign_id}): {when}", style="bold"))
    console.print(
        f"checks: {', '.join(report.checks)}\n"
        f"{counts.in_scope} in scope: {counts.done} done ({counts.exempt} exempt), "
        f"{counts.remaining} remaining" + (f", {counts.overdue} overdue" if counts.overdue else ""),
        markup=False,
    )
    by_team = [Column("team", whole=True)] + [
        Column(header, justify="right")
        for header in ("in scope", "done", "exempt", "remaining", "overdue")
    ]
    team_rows: list[list[Cell]] = []
    for team in report.teams:
        c = team.counts
        team_rows.append(
            [
                team_name(team.team),
                *(str(n) for n in (c.in_scope, c.done, c.exempt, c.remaining, c.overdue)),
            ]
        )
    console.print(fitted_table(by_team, team_rows, console.width, "By team"))
    remaining = [e for e in report.entities if e.progress == Progress.REMAINING]
    if remaining:
        columns = [
            Column("entity", whole=True),
            Column("team", whole=True),
            Column("checks outstanding"),  # ids, wrapped between them
        ]
        rows: list[list[Cell]] = [
            [entity.ref, team_name(entity.team), ", ".join(entity.outstanding)]
            for entity in remaining[:ENTITIES_SHOWN]
        ]
        if not fits(columns, rows, console.width):  # the team goes under its entity's ref
            columns = [Column("entity (team)", whole=True), columns[2]]
            rows = [[_with_team(ref, team), checks] for ref, team, checks in rows]
        console.print(fitted_table(columns, rows, console.width, "Remaining"))
        if len(remaining) > ENTITIES_SHOWN:
            console.print(
                f"... and {len(remaining) - ENTITIES_SHOWN} more (--format json lists them all)",
                markup=False,
            )
    if report.burndown:
        series = ", ".join(f"{p.day:%m-%d} {p.remaining}" for p in report.burndown[-14:])
        console.print(f"Remaining by day: {series}", markup=False)
    for ref, message in report.errors:
        console.print(f"warning: {ref}: {message}", style="yellow", markup=False)


def _with_team(ref: Cell, team: Cell) -> Text:
    text = Text(str(ref))
    text.append(f"\n({team})", style="dim")
    return text


def render_trends(console: Console, report: TrendReport) -> None:
    if not report.series:
        console.print("No stored history in range.", markup=False)
    for series in report.series:
        table = Table(title=f"{series.key}: {series.scorecard_id}")
        table.add_column("day")
        table.add_column("average", justify="right")
        table.add_column("entities", justify="right")
        for point in series.points:
            table.add_row(point.day.isoformat(), format_score(point.average), str(point.entities))
        console.print(table)


def team_name(ref: str) -> str:
    """A team as people say it: `payments-team` for group:default/payments-team."""
    return ref.removeprefix(f"group:{DEFAULT_NAMESPACE}/")


def _change(value: float | None) -> Text:
    style = "" if value is None else CHANGE_STYLES[trend_of(value)]
    return Text(format_change(value), style=style)


def render_completeness(console: Console, report: CompletenessReport) -> None:
    for org in report.organizations:
        when = format_timestamp(org.collected_at) if org.collected_at else "never"
        console.print(f"{org.org}: {org.listed} repositories listed {when}", markup=False)
        for note in org.notes:
            console.print(f"  note: {note}", markup=False)
    totals = report.totals
    console.print(
        f"{format_percent(totals.percentage)} catalogued: {totals.catalogued} of "
        f"{totals.repositories} repositories (left out: {report.excluded_archived} "
        f"archived, {format_count(report.excluded_forks, 'fork')})",
        markup=False,
    )
    teams = Table(title="By team", box=None, pad_edge=False, header_style="bold")
    teams.add_column("team")
    for column in ("repos", "catalogued", "uncatalogued", "%"):
        teams.add_column(column, justify="right")
    for team in report.teams:
        counts = team.counts
        teams.add_row(
            team.team or NO_TEAM,
            str(counts.repositories),
            str(counts.catalogued),
            str(counts.uncatalogued),
            format_percent(counts.percentage),
        )
    console.print(teams)
    uncatalogued = report.uncatalogued
    if uncatalogued:
        table = Table(
            title=f"Uncatalogued repositories ({len(uncatalogued)})",
            box=None,
            pad_edge=False,
            header_style="bold",
        )
        for column in ("repository", "team", "last push", "url"):
            table.add_column(column, overflow="fold")
        for row in uncatalogued[:ENTITIES_SHOWN]:
            table.add_row(
                f"{row.org}/{row.name}", row.team or NO_TEAM, row.pushed_at or "never", row.url
            )
        console.print(table)
        if len(uncatalogued) > ENTITIES_SHOWN:
            console.print(
                f"... and {len(uncatalogued) - ENTITIES_SHOWN} more; --format csv lists all",
                markup=False,
            )
    if report.dangling:
        console.print(
            f"Catalog entities naming a repository not in the organisation ({len(report.dangling)}):",
            markup=False,
        )
        for dangling in report.dangling:
            console.print(f"  {dangling.entity_ref}: {dangling.slug}", markup=False)
