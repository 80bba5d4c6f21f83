"""`scorecards gate`: a CI step that passes or fails an entity against a scorecard threshold.

Three ways to get the results, one decision (scorecards.gate.decide_gate):
- `--catalog-file FILE`: evaluate the entity as the working tree describes it
  (the change under review), with facts from `--server` or the configured store;
- `--server URL`: ask the server (`POST /api/v1/gate`);
- neither: the configured store's latest results.

The first and last are judged here (scorecards/cli/gate/local.py, imported only for
them); `--server` alone needs no definitions, CEL or store, so a CI step asking a
server starts without them.

Exit codes: 0 pass, 1 below threshold, 2 cannot decide (the report says why).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scorecards.cli import EXIT_BAD_INPUT, DefinitionsOption, StoreOption, app, err, store_failures
from scorecards.cli.remote import ScorecardsServer, server_token
from scorecards.errors import CatalogError, ScorecardsError
from scorecards.gate.decision import (
    GateDecision,
    GatePolicy,
    Threshold,
    parse_max_age,
    undecidable,
)
from scorecards.gate.reports import (
    ReportFormat,
    render,
    render_github_commands,
    render_job_summary,
    render_text,
)
from scorecards.records.refs import normalize_ref

MIN_TIMEOUT = 0.1
MAX_TIMEOUT = 300.0


@app.command("gate")
def gate_command(
    entity: Annotated[str, typer.Argument(help="Entity ref, e.g. component:default/payments-api.")],
    scorecard: Annotated[str, typer.Option("--scorecard", help="Scorecard id.")],
    min_level: Annotated[
        str | None, typer.Option("--min-level", help="Lowest level that passes, e.g. Silver.")
    ] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Lowest score that passes (0-100).")
    ] = None,
    require_check: Annotated[
        list[str] | None,
        typer.Option(
            "--require-check", help="A check that must pass (or be exempt); repeat for more."
        ),
    ] = None,
    max_age: Annotated[
        str | None,
        typer.Option("--max-age", help="Results or facts older than this (e.g. 1d) cannot pass."),
    ] = None,
    report_format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="text, json, junit, sarif, or github (workflow annotations, plus a job "
            "summary appended to $GITHUB_STEP_SUMMARY).",
        ),
    ] = ReportFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Write the report to this file and a text summary to stdout "
            "(with --format github: the markdown summary).",
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            help="A scorecards server, e.g. http://127.0.0.1:8321 [token: SCORECARDS_TOKEN].",
        ),
    ] = None,
    catalog_file: Annotated[
        Path | None,
        typer.Option(
            "--catalog-file",
            help="Judge the entity as this catalog-info.yaml describes it (the change under review).",
        ),
    ] = None,
    definitions_folder: DefinitionsOption = None,
    store: StoreOption = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds per server request (0.1-300).")
    ] = 10.0,
) -> None:
    """Pass or fail an entity against a scorecard threshold: exit 0 pass, 1 below, 2 cannot decide."""
    policy, problems = _policy(
        entity, scorecard, min_level, min_score, require_check or [], max_age, timeout
    )
    if problems:
        for problem in problems:
            err.print(f"error: {problem}", markup=False)
        decision = undecidable(policy, *problems)
    else:
        decision = _decide(policy, definitions_folder, store, server, catalog_file, timeout)
    # Every outcome writes its report: CI collects it even when the gate could not decide.
    _emit(decision, report_format, output)
    raise typer.Exit(decision.exit_code)


def _policy(
    entity: str,
    scorecard: str,
    min_level: str | None,
    min_score: float | None,
    required: list[str],
    max_age: str | None,
    timeout: float,
) -> tuple[GatePolicy, list[str]]:
    """The question asked, as far as it can be read, and what is wrong with it."""
    problems: list[str] = []
    try:
        ref = normalize_ref(entity, default_kind="component")
    except CatalogError as exc:
        ref = entity
        problems.append(str(exc))
    threshold = _threshold(min_level, min_score, problems)
    age = None
    if max_age is not None:
        try:
            age = parse_max_age(max_age)
        except ValueError as exc:
            problems.append(str(exc))
    if not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        problems.append(
            f"--timeout {timeout:g} is out of range: give {MIN_TIMEOUT:g}-{MAX_TIMEOUT:g} seconds"
        )
    checks = tuple(dict.fromkeys(c.strip() for c in required if c.strip()))
    return GatePolicy(ref, scorecard, threshold, checks, age), problems


def _threshold(min_level: str | None, min_score: float | None, problems: list[str]) -> Threshold:
    """The threshold asked, or `Threshold.missing()`; what is wrong goes to `problems`."""
    if min_score is not None and not 0 <= min_score <= 100:
        problems.append(f"--min-score {min_score:g} is not a score: give one from 0 to 100")
    if (min_level is None) == (min_score is None):
        problems.append(
            "give exactly one threshold: --min-level LEVEL (e.g. Silver) or --min-score N"
        )
        return Threshold.missing()
    return Threshold(min_level=min_level, min_score=min_score)


def _decide(
    policy: GatePolicy,
    definitions_folder: str | None,
    store: str | None,
    server: str | None,
    catalog_file: Path | None,
    timeout: float,
) -> GateDecision:
    """The decision; whatever goes wrong on the way makes it undecidable, never a traceback."""
    try:
        if server is not None and catalog_file is None:
            token = server_token(definitions=definitions_folder, store_url=store)
            with ScorecardsServer(server, token, timeout) as remote:
                return remote.gate(policy)
        # Imported here: the server's verdict (above) needs no definitions, CEL or store.
        from scorecards.cli.gate.local import decide_locally

        with store_failures():
            return decide_locally(policy, definitions_folder, store, server, catalog_file, timeout)
    except ScorecardsError as exc:
        return undecidable(policy, str(exc))
    except Exception as exc:  # fail closed: a gate that crashed has not passed
        reason = (
            f"internal error ({type(exc).__name__}: {exc}) — a bug in scorecards; "
            "please report it with the command that raised it"
        )
        err.print(f"error: {reason}", markup=False)
        return undecidable(policy, reason)


def _emit(decision: GateDecision, report_format: ReportFormat, output: Path | None) -> None:
    if report_format is ReportFormat.GITHUB:
        typer.echo(render_text(decision) + render_github_commands(decision), nl=False)
        markdown = render_job_summary(decision)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            _write(Path(summary), markdown, append=True)
        if output is not None:
            _write(output, markdown)
        return
    report = render(decision, report_format)
    if output is None:
        typer.echo(report, nl=False)
        return
    _write(output, report)
    typer.echo(render_text(decision), nl=False)


def _write(path: Path, text: str, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        err.print(f"error: cannot write the gate report to {path}: {exc}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
