"""Core commands: validate, run, score."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

import typer

from scorecards.cli import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    CatalogOption,
    DefinitionsOption,
    FormatOption,
    StoreOption,
    app,
    err,
    open_configured_store,
    out,
    render,
    user_errors,
)
from scorecards.cli.configuration import demo_notice, load_cli_settings, setting_origin
from scorecards.cli.runs import (
    DEFAULT_WAIT_SECONDS,
    is_distributed,
    run_distributed,
    run_progress,
)
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import ConfigurationError, DefinitionsError
from scorecards.formats.timeutil import utcnow
from scorecards.records.entities import Entity
from scorecards.records.refs import entity_ref, normalize_ref
from scorecards.runs.inputs import gather_run_inputs
from scorecards.runs.orchestrator import plan_gathered_run, prune_missing_entities, score_run
from scorecards.settings import Settings


@app.command()
def validate(
    folder: Annotated[str | None, typer.Argument(help="Definitions folder.")] = None,
) -> None:
    """Check definitions: YAML, keys, ids, references, CEL, and every inline test."""
    with user_errors():
        settings = load_cli_settings(definitions=folder)
    try:
        definitions = load_definitions(settings.definitions, environ=os.environ)
    except DefinitionsError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_FINDINGS) from None
    for warning in definitions.warnings:
        err.print(f"warning: {warning}", markup=False)
    tests = sum(len(c.spec.tests) for c in definitions.checks.values())
    out.print(
        f"ok: {definitions.counts()}; {tests} inline tests passed (version {definitions.version})",
        markup=False,
    )


@app.command()
def run(
    catalog: CatalogOption = None,
    definitions_folder: DefinitionsOption = None,
    store: StoreOption = None,
    facts: Annotated[
        str | None,
        typer.Option(
            "--facts",
            help='Folder of pushed-style fact files; it must exist, "" for none '
            "[SCORECARDS_FACTS].",
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Entities per batch [SCORECARDS_BATCH_SIZE]."),
    ] = None,
    broker: Annotated[
        str | None, typer.Option("--broker", help="Celery broker URL [SCORECARDS_BROKER_URL].")
    ] = None,
    distributed: Annotated[
        bool | None,
        typer.Option(
            "--distributed/--in-process",
            help="Score on Celery workers (default: when a broker is configured).",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow a distributed run to its end.")
    ] = False,
    wait_timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds --wait waits at most.")
    ] = DEFAULT_WAIT_SECONDS,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-evaluate every entity, also those whose inputs are unchanged since "
            "their last result (skipped by default).",
        ),
    ] = False,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--no-prune",
            help="Remove stored entities this catalog no longer has "
            "[SCORECARDS_PRUNE_MISSING_ENTITIES; default: no-prune].",
        ),
    ] = None,
) -> None:
    """Collect, evaluate and store scores for every catalog entity."""
    with user_errors():
        flags: dict[str, Any] = {
            "catalog": catalog,
            "definitions": definitions_folder,
            "store_url": store,
            "facts": facts,
            "batch_size": batch_size,
            "broker_url": broker,
            "prune_missing_entities": prune,
        }
        settings = load_cli_settings(**flags)
        _check_facts_folder(settings, flags)
        note_demo(settings, ("catalog", "facts", "definitions"))
        on_workers = is_distributed(settings, distributed)
        if full and on_workers:
            err.print(
                "error: --full is not supported for runs on workers yet — "
                "add --in-process to re-evaluate every entity here",
                markup=False,
            )
            raise typer.Exit(EXIT_BAD_INPUT)
        definitions = load_definitions(settings.definitions)
        _check_store(settings)
        now = utcnow()
        inputs = gather_run_inputs(settings, definitions, now)
        for report in inputs.reports:
            out.print(report.describe(), markup=False)
        if settings.prune_missing_entities:
            _prune(settings, inputs.entities)
        if on_workers:
            run_distributed(settings, definitions, inputs, now, wait=wait, timeout=wait_timeout)
            return
        target = open_configured_store(settings, create=True)
        refs = [entity_ref(e) for e in inputs.entities]
        with run_progress(len(refs), on_workers=False) as advance:
            plan = plan_gathered_run(target, definitions, inputs, now, settings.batch_size)
            # The store holds the catalog and facts now, and batches read them back from it:
            # not keeping them here is what bounds a large run's memory.
            del inputs
            finished = score_run(target, definitions, plan, advance, full=full)
        render.run_summary(out, definitions, finished, target.latest_result_documents(refs))
        if finished.errors:
            for error in finished.errors:
                err.print(f"error: {error}", markup=False)


def note_demo(settings: Settings, names: tuple[str, ...], *, has_flags: bool = True) -> None:
    """Say once, on stderr, when the bundled demo is what is being scored."""
    notice = demo_notice(settings, names, has_flags=has_flags)
    if notice is not None:
        err.print(notice, markup=False)


def _check_facts_folder(settings: Settings, flags: dict[str, Any]) -> None:
    """A facts folder asked for must exist: a typo would silently drop every file fact
    and collapse the scores that read them."""
    folder = settings.facts
    if folder is None or Path(folder).is_dir():
        return
    what = "is not a folder" if Path(folder).exists() else "does not exist"
    raise ConfigurationError(
        f"{setting_origin('facts', flags)}: the facts folder '{folder}' {what} — "
        "give a folder of fact files (*.yaml, *.yml, *.json), or leave the setting out"
    )


def _check_store(settings: Settings) -> None:
    """Fail before collecting (which may take minutes) when a network store is down.

    A SQLite file is left alone: the run creates it once it has something to store.
    """
    if urlparse(settings.store_url).scheme == "sqlite":
        return
    target = open_configured_store(settings, create=True)
    try:
        target.ping()
    finally:
        target.close()


def _prune(settings: Settings, entities: list[Entity]) -> None:
    target = open_configured_store(settings, create=True)
    try:
        removed = prune_missing_entities(target, entities)
    finally:
        target.close()
    if removed:
        shown = ", ".join(removed[:5]) + (
            f" and {len(removed) - 5} more" if len(removed) > 5 else ""
        )
        out.print(
            f"removed {len(removed)} entities no longer in the catalog: {shown}", markup=False
        )


@app.command()
def score(
    entity: Annotated[str, typer.Argument(help="Entity ref, e.g. component:default/payments-api.")],
    definitions_folder: DefinitionsOption = None,
    store: StoreOption = None,
    output_format: FormatOption = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the checks that do not apply (skip).")
    ] = False,
) -> None:
    """Explain one entity's scores: what needs work first, most severe first, with how to
    fix it; then what passes."""
    with user_errors():
        settings = load_cli_settings(definitions=definitions_folder, store_url=store)
        note_demo(settings, ("definitions",))
        definitions: Definitions = load_definitions(settings.definitions, run_tests=False)
        ref = normalize_ref(entity, default_kind="component")
        stored = open_configured_store(settings)
        try:
            evaluation = stored.latest_evaluations([ref]).get(ref)
        finally:
            stored.close()
    if evaluation is None:
        err.print(
            f"error: no scores stored for {ref} — check the ref, or run `scorecards run` first",
            markup=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if as_json or output_format == "json":
        out.print_json(json.dumps(evaluation.to_dict()))
    else:
        render.entity_explanation(out, definitions, evaluation, show_skipped=show_all)
