"""`scorecards what-if`: how results would change under edited definitions, before publishing."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from scorecards.cli import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    StoreOption,
    app,
    err,
    open_configured_store,
    out,
    time_option,
    user_errors,
)
from scorecards.cli.configuration import load_cli_settings
from scorecards.engine.loading import load_definitions
from scorecards.formats.scores import format_level, format_score
from scorecards.formats.terminal import Cell, Column, fitted_table
from scorecards.reports.what_if import WhatIf, what_if_over_store
from scorecards.reports.what_if_report import (
    ARROWS,
    average_cells,
    format_result,
    render_what_if_markdown,
    summary_sentence,
)

FORMATS = ("table", "json", "markdown")
TABLE_ROWS = 50


@app.command("what-if")
def what_if_command(
    edited: Annotated[
        str,
        typer.Option(
            "--definitions",
            help="The edited definitions folder to try out (not yet published).",
        ),
    ],
    current: Annotated[
        str | None,
        typer.Option(
            "--current",
            help="The definitions in force to compare with [SCORECARDS_DEFINITIONS; default checks/].",
        ),
    ] = None,
    store: StoreOption = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = (
        "table"
    ),
    at: Annotated[
        str | None,
        typer.Option("--at", help="Evaluate as of this RFC 3339 time (default: now)."),
    ] = None,
    fail_on_drop: Annotated[
        bool, typer.Option("--fail-on-drop", help="Exit 1 when any entity would lose a level.")
    ] = False,
) -> None:
    """Evaluate the stored entities and facts with the current and the edited definitions
    and show what changes: levels per scorecard, check results, team averages, new errors.
    Writes nothing."""
    if output_format not in FORMATS:
        err.print(
            f"error: unknown format '{output_format}': use {', '.join(FORMATS)}", markup=False
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    now = time_option(at)
    with user_errors():
        settings = load_cli_settings(definitions=current, store_url=store)
        in_force = load_definitions(settings.definitions, run_tests=False)
        # The edited definitions are about to be published: hold them to `validate`'s bar.
        proposed = load_definitions(edited, now=now)
        source = open_configured_store(settings)
        try:
            report = what_if_over_store(source, in_force, proposed, now)
        finally:
            source.close()
    if report.entities == 0:
        err.print("warning: the store holds no entities — run `scorecards run` first", markup=False)
    if output_format == "json":
        out.file.write(json.dumps(report.to_dict(), indent=2) + "\n")
    elif output_format == "markdown":
        out.file.write(render_what_if_markdown(report))
    else:
        render_tables(out, report)
    if fail_on_drop and report.drops:
        raise typer.Exit(EXIT_FINDINGS)


def render_tables(console: Console, report: WhatIf) -> None:
    console.print(
        f"What-if: definitions {report.current_version} -> {report.edited_version}", markup=False
    )
    console.print(summary_sentence(report).replace("**", ""), markup=False, soft_wrap=True)
    width = console.width
    if report.level_changes:
        columns = [
            Column("scorecard", whole=True),
            Column("entity", whole=True),
            Column("owner", whole=True),
            Column("level"),
            Column("score"),
        ]
        rows: list[list[Cell]] = []
        for change in report.level_changes[:TABLE_ROWS]:
            before, after = format_level(change.before), format_level(change.after)
            rows.append(
                [
                    change.scorecard_id,
                    change.entity_ref,
                    change.owner,
                    f"{before} -> {after} {ARROWS[change.direction]}",
                    f"{format_score(change.score_before)} -> {format_score(change.score_after)}",
                ]
            )
        console.print(fitted_table(columns, rows, width, "Level changes"))
        _more(console, len(report.level_changes))
    changed = [a for a in report.averages if a.changed]
    if changed:
        columns = [
            Column("scorecard", whole=True),
            Column("team", whole=True),
            *(
                Column(header, justify="right")
                for header in ("entities", "before", "after", "change")
            ),
        ]
        rows = [
            [
                average.scorecard_id,
                average.owner or "whole catalog",
                f"{average.entities_before} -> {average.entities_after}",
                *average_cells(average),
            ]
            for average in changed[:TABLE_ROWS]
        ]
        console.print(fitted_table(columns, rows, width, "Average scores that change"))
        _more(console, len(changed))
    if report.new_errors:
        columns = [Column("entity", whole=True), Column("in"), Column("error")]
        rows = [
            [error.entity_ref, f"{error.kind} {error.id}", error.message]
            for error in report.new_errors[:TABLE_ROWS]
        ]
        console.print(fitted_table(columns, rows, width, "New errors"))
        _more(console, len(report.new_errors))
    if report.check_flips:
        columns = [
            Column("entity", whole=True),
            Column("check", whole=True),
            Column("before"),
            Column("after"),
        ]
        rows = [
            [flip.entity_ref, flip.check_id, format_result(flip.before), format_result(flip.after)]
            for flip in report.check_flips[:TABLE_ROWS]
        ]
        console.print(fitted_table(columns, rows, width, "Check results that change"))
        _more(console, len(report.check_flips))


def _more(console: Console, total: int) -> None:
    if total > TABLE_ROWS:
        console.print(
            f"... and {total - TABLE_ROWS} more (--format json lists them all)", markup=False
        )
