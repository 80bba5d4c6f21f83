"""`scorecards report --completeness`: GitHub repositories versus the catalog.

`scorecards report --completeness` (cli/report.py) calls `write_completeness`. The report is
computed from the store: the organisation listings a run stored (runs list
`SCORECARDS_GITHUB_ORGS` when a GitHub token is set) and the catalog entities
of the last run.
"""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.table import Table

from scorecards.cli import err, open_configured_store, out
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


def write_completeness(
    settings: Settings,
    output_format: str = "table",
    output: Path | None = None,
    at: datetime | None = None,
) -> None:
    """Print (or write to `output`) the completeness report in `output_format`, from the
    listings stored at `at` (default: the latest); ScorecardsError on bad input."""
    if output_format not in FORMATS:
        raise ConfigurationError(
            f"--format {output_format} is not a completeness format — use one of "
            + ", ".join(FORMATS)
        )
    store = open_configured_store(settings)
    try:
        report = report_from_store(store, settings, at)
    finally:
        store.close()
    if output_format == "table" and output is None:
        print_table(report)
        return
    if output_format == "json":
        text = json.dumps(completeness_json(report), indent=2) + "\n"
    elif output_format == "csv":
        text = completeness_csv(report)
    elif output_format == "html":
        text = completeness_html(report, utcnow())
    else:
        buffer = StringIO()
        print_table(report, Console(file=buffer, width=160, highlight=False))
        text = buffer.getvalue()
    if output is None:
        out.file.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot write {output}: {exc.strerror}") from None
    err.print(f"wrote {output}", markup=False)


def print_table(report: CompletenessReport, console: Console = out) -> None:
    for org in report.organizations:
        when = format_timestamp(org.collected_at) if org.collected_at else "never"
        console.print(f"{org.org}: {org.listed} repositories listed {when}", markup=False)
        for note in org.notes:
            console.print(f"  note: {note}", markup=False)
    totals = report.totals
    console.print(
        f"{_percent(totals.percentage)} catalogued: {totals.catalogued} of "
        f"{totals.repositories} repositories (left out: {report.excluded_archived} "
        f"archived, {report.excluded_forks} {'fork' if report.excluded_forks == 1 else 'forks'})",
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
        for row in uncatalogued[:UNCATALOGUED_SHOWN]:
            table.add_row(
                f"{row.org}/{row.name}", row.team or NO_TEAM, row.pushed_at or "never", row.url
            )
        console.print(table)
        if len(uncatalogued) > UNCATALOGUED_SHOWN:
            console.print(
                f"... and {len(uncatalogued) - UNCATALOGUED_SHOWN} more; --format csv lists all",
                markup=False,
            )
    if report.dangling:
        console.print(
            f"Catalog entities naming a repository not in the organisation ({len(report.dangling)}):",
            markup=False,
        )
        for dangling in report.dangling:
            console.print(f"  {dangling.entity_ref}: {dangling.slug}", markup=False)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"
