"""`scorecards docs`: the reference page of a definitions folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scorecards.cli import EXIT_BAD_INPUT, EXIT_FINDINGS, app, err, out, user_errors
from scorecards.cli.configuration import load_cli_settings
from scorecards.definitions.docs import FORMATS, render_check_reference
from scorecards.engine.loading import load_definitions


@app.command()
def docs(
    folder: Annotated[
        str | None, typer.Argument(help="Definitions folder [SCORECARDS_DEFINITIONS].")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="markdown.")] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the page here, not to stdout.")
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 when --output is not current."),
    ] = False,
) -> None:
    """Write a reference page of every check, scorecard and campaign."""
    if output_format not in FORMATS:
        err.print(
            f"error: unknown format '{output_format}': use {', '.join(FORMATS)}", markup=False
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if check and output is None:
        err.print("error: --check compares against a file: give it with --output", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    with user_errors():
        settings = load_cli_settings(definitions=folder)
        definitions = load_definitions(settings.definitions, run_tests=False)
    page = render_check_reference(definitions, f"{Path(settings.definitions).name}/")
    if output is None:
        out.file.write(page)
        return
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if check:
        if current != page:
            err.print(
                f"{output} is out of date: run `scorecards docs {folder or settings.definitions}"
                f" --format {output_format} --output {output}`",
                markup=False,
            )
            raise typer.Exit(EXIT_FINDINGS)
        out.print(f"{output} is current", markup=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8")
    out.print(f"wrote {output}", markup=False)
