"""`scorecards report`: team rollups, campaign progress and score trends from the store."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scorecards.api.dashboard.report_html import render_report_html
from scorecards.cli import (
    EXIT_BAD_INPUT,
    DefinitionsOption,
    StoreOption,
    app,
    err,
    open_configured_store,
    out,
    time_option,
    user_errors,
)
from scorecards.cli.configuration import load_cli_settings
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import ConfigurationError
from scorecards.records.refs import normalize_ref
from scorecards.reports.campaigns import campaign_report
from scorecards.reports.completeness import report_from_store
from scorecards.reports.exports import Report, report_csv, report_json
from scorecards.reports.inputs import ReportInputs, read_report_inputs
from scorecards.reports.tables import render_report
from scorecards.reports.teams import team_report
from scorecards.reports.timeline import parse_since
from scorecards.reports.trends import trend_report

FORMATS = ("table", "csv", "json", "html")
GROUPINGS = ("owner",)


@app.command("report")
def report_command(
    by: Annotated[
        str, typer.Option("--by", help="Group entities by: owner (up the group tree).")
    ] = "owner",
    scorecard: Annotated[
        str | None, typer.Option("--scorecard", help="Only this scorecard.")
    ] = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Progress of this campaign instead.")
    ] = None,
    trend: Annotated[
        bool, typer.Option("--trend", help="Daily score trend instead (whole catalog).")
    ] = False,
    completeness: Annotated[
        bool,
        typer.Option(
            "--completeness",
            help="Catalog completeness instead: repositories of SCORECARDS_GITHUB_ORGS "
            "with and without a catalog entity.",
        ),
    ] = False,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Trend of this entity (implies --trend).")
    ] = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="Trend of this team and its sub-teams (implies --trend)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Change since a day, time or duration back (2026-11-01, 30d); trends start there.",
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="Report as of this RFC 3339 time (default: now)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, csv, json or html.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report to this file.")
    ] = None,
    definitions_folder: DefinitionsOption = None,
    store: StoreOption = None,
) -> None:
    """Report from stored results: each team's scores (default), a campaign's progress
    (--campaign), score trends (--trend, --entity, --team), or catalog completeness
    (--completeness)."""
    _check_options(by, output_format, campaign, trend or bool(entity or team))
    now = time_option(at)
    if completeness:
        with user_errors():
            settings = load_cli_settings(store_url=store)
            source = open_configured_store(settings)
            try:
                report: Report = report_from_store(source, settings, now if at else None)
            finally:
                source.close()
        _write(report, output_format, output)
        return
    with user_errors():
        settings = load_cli_settings(definitions=definitions_folder, store_url=store)
        definitions = load_definitions(settings.definitions, run_tests=False)
        source = open_configured_store(settings)
        try:
            inputs = read_report_inputs(source, with_facts=campaign is not None)
        finally:
            source.close()
        if not inputs.entities:
            err.print("warning: the store holds no entities — run `scorecards run` first")
        moment = _since(since, now) if since is not None else None
        report = _build(inputs, definitions, now, moment, scorecard, campaign, entity, team, trend)
    _write(report, output_format, output)


def _since(since: str, now: datetime) -> datetime:
    """`--since` as a moment; ConfigurationError (exit 2) when it reaches before year 1."""
    try:
        return parse_since(since, now)
    except OverflowError:
        raise ConfigurationError(
            f"--since '{since}' reaches back further than a calendar goes — give a day "
            "(2026-11-01) or a duration such as 30d"
        ) from None


def _check_options(by: str, output_format: str, campaign: str | None, is_trend: bool) -> None:
    problem = None
    if by not in GROUPINGS:
        problem = f"--by '{by}' is not a grouping: use {', '.join(GROUPINGS)}"
    elif output_format not in FORMATS:
        problem = f"unknown format '{output_format}': use {', '.join(FORMATS)}"
    elif campaign is not None and is_trend:
        problem = "--campaign and --trend/--entity/--team are different reports: pick one"
    if problem is not None:
        err.print(f"error: {problem}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)


def _build(
    inputs: ReportInputs,
    definitions: Definitions,
    now: datetime,
    since: datetime | None,
    scorecard: str | None,
    campaign: str | None,
    entity: str | None,
    team: str | None,
    trend: bool,
) -> Report:
    if campaign is not None:
        return campaign_report(inputs, definitions, campaign, now)
    if trend or entity is not None or team is not None:
        return trend_report(
            inputs,
            definitions,
            now,
            entity=normalize_ref(entity, default_kind="component") if entity else None,
            team=normalize_ref(team, default_kind="group") if team else None,
            scorecard_id=scorecard,
            since=since,
        )
    return team_report(inputs, definitions, now, since, scorecard)


def _write(report: Report, output_format: str, output: Path | None) -> None:
    if output_format == "table" and output is None:
        render_report(out, report)
        return
    if output_format == "json":
        text = json.dumps(report_json(report), indent=2) + "\n"
    elif output_format == "csv":
        text = report_csv(report)
    elif output_format == "html":
        text = render_report_html(report)
    else:
        buffer = StringIO()
        render_report(Console(file=buffer, width=160, highlight=False, emoji=False), report)
        text = buffer.getvalue()
    if output is None:
        out.file.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.print(f"error: cannot write {output}: {exc.strerror}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    err.print(f"wrote {output}", markup=False)
