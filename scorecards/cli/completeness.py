"""`scorecards report --completeness`: GitHub repositories versus the catalog.

`scorecards report` (cli/report.py) calls `print_completeness`. The report is
computed from the store: the organisation listings a run stored (runs list
`SCORECARDS_GITHUB_ORGS` when a GitHub token is set) and the catalog entities
of the last run.
"""

from __future__ import annotations

import json

from rich.table import Table

from scorecards.cli import open_configured_store, out
from scorecards.completeness import CompletenessReport
from scorecards.completeness_exports import (
    NO_TEAM,
    completeness_csv,
    completeness_html,
    completeness_json,
)
from scorecards.errors import ConfigurationError
from scorecards.settings import Settings
from scorecards.sources.github_org import report_from_store
from scorecards.timeutil import format_timestamp, utcnow

FORMATS = ("table", "csv", "json", "html")
UNCATALOGUED_SHOWN = 50  # in the table; csv and json list every one


def print_completeness(settings: Settings, output_format: str = "table") -> None:
    """Print the completeness report in `output_format`; ScorecardsError on bad input."""
    if output_format not in FORMATS:
        raise ConfigurationError(
            f"--format {output_format} is not a completeness format — use one of "
            + ", ".join(FORMATS)
        )
    store = open_configured_store(settings)
    try:
        report = report_from_store(store, settings)
    finally:
        store.close()
    if output_format == "json":
        out.print_json(json.dumps(completeness_json(report)))
    elif output_format == "csv":
        out.file.write(completeness_csv(report))
    elif output_format == "html":
        out.file.write(completeness_html(report, utcnow()))
    else:
        print_table(report)


def print_table(report: CompletenessReport) -> None:
    for org in report.organizations:
        when = format_timestamp(org.collected_at) if org.collected_at else "never"
        out.print(f"{org.org}: {org.listed} repositories listed {when}", markup=False)
        for note in org.notes:
            out.print(f"  note: {note}", markup=False)
    totals = report.totals
    out.print(
        f"{_percent(totals.percentage)} catalogued: {totals.catalogued} of "
        f"{totals.repositories} repositories ({report.excluded_archived} archived and "
        f"{report.excluded_forks} forks left out)",
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
            _percent(counts.percentage),
        )
    out.print(teams)
    uncatalogued = report.uncatalogued
    if uncatalogued:
        table = Table(
            title=f"Uncatalogued repositories ({len(uncatalogued)})",
            box=None,
            pad_edge=False,
            header_style="bold",
        )
        for column in ("repository", "team", "last push", "url"):
            table.add_column(column)
        for row in uncatalogued[:UNCATALOGUED_SHOWN]:
            table.add_row(
                f"{row.org}/{row.name}", row.team or NO_TEAM, row.pushed_at or "never", row.url
            )
        out.print(table)
        if len(uncatalogued) > UNCATALOGUED_SHOWN:
            out.print(
                f"... and {len(uncatalogued) - UNCATALOGUED_SHOWN} more; --format csv lists all",
                markup=False,
            )
    if report.dangling:
        out.print(
            f"Catalog entities naming a repository not in the organisation ({len(report.dangling)}):",
            markup=False,
        )
        for dangling in report.dangling:
            out.print(f"  {dangling.entity_ref}: {dangling.slug}", markup=False)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"
