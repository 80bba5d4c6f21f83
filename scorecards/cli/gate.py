"""`scorecards gate`: a CI step that passes or fails an entity against a scorecard threshold.

Three ways to get the results, one decision (scorecards.gate.decide_gate):
- `--catalog-file FILE`: evaluate the entity as the working tree describes it
  (the change under review), with facts from `--server` or the configured store;
- `--server URL`: ask the server (`POST /api/v1/gate`);
- neither: the configured store's latest results.

Exit codes: 0 pass, 1 below threshold, 2 cannot decide (the report says why).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from scorecards.cli import (
    EXIT_BAD_INPUT,
    DefinitionsOption,
    StoreOption,
    app,
    err,
    open_configured_store,
    store_failures,
)
from scorecards.cli.configuration import load_cli_settings
from scorecards.cli.remote import ScorecardsServer
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import CatalogError, ScorecardsError
from scorecards.formats.timeutil import utcnow
from scorecards.gate import (
    GateDecision,
    GatePolicy,
    Threshold,
    catalog_location,
    decide_gate,
    decide_gate_for_entity,
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
from scorecards.records.entities import Entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref, normalize_ref
from scorecards.settings import Settings
from scorecards.sources.catalog.files import load_catalog_files

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
        with store_failures():
            settings = load_cli_settings(definitions=definitions_folder, store_url=store)
            token = settings.token.get_secret_value() if settings.token is not None else None
            if catalog_file is not None:
                return _decide_as_described(policy, settings, catalog_file, server, token, timeout)
            if server is not None:
                with ScorecardsServer(server, token, timeout) as remote:
                    return remote.gate(policy)
            return _decide_from_store(policy, settings)
    except ScorecardsError as exc:
        return undecidable(policy, str(exc))
    except Exception as exc:  # fail closed: a gate that crashed has not passed
        reason = (
            f"internal error ({type(exc).__name__}: {exc}) — a bug in scorecards; "
            "please report it with the command that raised it"
        )
        err.print(f"error: {reason}", markup=False)
        return undecidable(policy, reason)


def _decide_as_described(
    policy: GatePolicy,
    settings: Settings,
    catalog_file: Path,
    server: str | None,
    token: str | None,
    timeout: float,
) -> GateDecision:
    definitions = load_definitions(settings.definitions, run_tests=False)
    entity = _entity_in(catalog_file, policy.entity_ref)
    facts = _facts(policy.entity_ref, definitions, settings, server, token, timeout)
    location = catalog_file.as_posix()
    return decide_gate_for_entity(definitions, entity, facts, policy, utcnow(), location)


def _decide_from_store(policy: GatePolicy, settings: Settings) -> GateDecision:
    definitions = load_definitions(settings.definitions, run_tests=False)
    stored = open_configured_store(settings)
    try:
        evaluation = stored.latest_evaluations([policy.entity_ref]).get(policy.entity_ref)
        location = catalog_location(stored.get_entity(policy.entity_ref))
        collected = stored.facts_last_collected(evaluation) if evaluation else None
    finally:
        stored.close()
    return decide_gate(evaluation, definitions, policy, utcnow(), location, collected)


def _entity_in(catalog_file: Path, ref: str) -> Entity:
    entities = load_catalog_files(catalog_file)
    for entity in entities:
        if entity_ref(entity) == ref:
            return entity
    described = ", ".join(entity_ref(e) for e in entities) or "no entity"
    raise CatalogError(
        f"{catalog_file} describes {described}, not {ref} — check the entity ref "
        "(kind:namespace/name) or the --catalog-file path"
    )


def _facts(
    ref: str,
    definitions: Definitions,
    settings: Settings,
    server: str | None,
    token: str | None,
    timeout: float,
) -> dict[str, FactSnapshot]:
    if server is not None:
        sources = {s for check in definitions.checks.values() for s in check.fact_sources}
        with ScorecardsServer(server, token, timeout) as remote:
            return remote.latest_facts(ref, sources)
    stored = open_configured_store(settings)
    try:
        return stored.input_facts([ref]).get(ref, {})
    finally:
        stored.close()


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
