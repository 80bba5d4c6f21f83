"""`scorecards notify [--dry-run]` sends (or previews) the notifications of the latest
finished run, and digests that are due; `scorecards notifications` lists the log."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from scorecards.cli import (
    DefinitionsOption,
    FormatOption,
    StoreOption,
    app,
    open_configured_store,
    out,
    user_errors,
)
from scorecards.cli.configuration import load_cli_settings
from scorecards.engine.loading import load_definitions
from scorecards.errors import ConfigurationError
from scorecards.formats.timeutil import format_timestamp
from scorecards.notifications.dispatch import NotifyReport, notify_run
from scorecards.notifications.messages import event_lines, heading
from scorecards.records.notifications import Outcome
from scorecards.records.runs import RunState

FORMATS = ("text", "json")


def _check_format(output_format: str) -> None:
    if output_format not in FORMATS:
        raise ConfigurationError(f"--format '{output_format}' is unknown — use text or json")


@app.command("notify")
def notify(
    definitions: DefinitionsOption = None,
    store: StoreOption = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run", help="Notify for this run (default: the latest finished)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the messages; send and record nothing.")
    ] = False,
) -> None:
    """Send the notifications a run calls for (new events, due digests), as runs do when
    they finish; with --dry-run, show them instead. Already-sent events are not sent again."""
    with user_errors():
        settings = load_cli_settings(definitions=definitions, store_url=store)
        loaded = load_definitions(settings.definitions, run_tests=False)
        if not loaded.notifications:
            raise ConfigurationError(
                f"the definitions in {settings.definitions} have no `notifications` rules — "
                "add one (README: Notifications)"
            )
        target = open_configured_store(settings)
        if run_id is not None:
            run = target.get_run(run_id)
            if run is None:
                raise ConfigurationError(f"no run '{run_id}' in the store — see `scorecards runs`")
        else:
            finished = (RunState.SUCCEEDED, RunState.PARTIAL)
            run = next((r for r in target.list_runs(50) if r.state in finished), None)
            if run is None:
                raise ConfigurationError(
                    "no finished run in the store — score with `scorecards run`"
                )
        report = notify_run(target, loaded, run.evaluated_at, dry_run=dry_run)
    if dry_run:
        _show_messages(report)
    else:
        out.print(f"run {run.id}: {report.summary()}", markup=False)
    for problem in report.errors:
        out.print(f"warning: {problem}", markup=False)


def _show_messages(report: NotifyReport) -> None:
    if not report.messages:
        out.print("Nothing to send.", markup=False)
    for message in report.messages:
        kind = "digest" if message.is_digest else "message"
        out.print(
            f"{kind} to {message.destination.type} {message.address} "
            f"(team {message.team or '-'}, rule {message.rule}): {heading(message)}",
            markup=False,
        )
        for event in message.events:
            if message.is_digest:
                out.print(f"  {event.title}", markup=False)
            for line in event_lines(event):
                out.print(f"  {line}", markup=False)
    for action in report.issues:
        out.print(f"would {action.describe()}", markup=False)
    out.print(
        f"dry run: {len(report.messages)} message(s) not sent, {len(report.issues)} GitHub issue "
        f"action(s) not taken; {report.pending} event(s) "
        f"would wait for a digest, {report.duplicates} already sent",
        markup=False,
    )


@app.command("notifications")
def notifications(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Records to list.")] = 50,
    outcome: Annotated[
        str | None,
        typer.Option("--outcome", help="Only sent, failed, pending or duplicate records."),
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """List the notification log, newest first: what was sent to whom, what failed and why,
    what waits for a digest, what was suppressed as a duplicate."""
    with user_errors():
        _check_format(output_format)
        wanted = None
        if outcome is not None:
            if outcome not in {o.value for o in Outcome}:
                raise ConfigurationError(
                    f"--outcome '{outcome}' is unknown — use sent, failed, pending or duplicate"
                )
            wanted = Outcome(outcome)
        records = open_configured_store(load_cli_settings(store_url=store)).list_notifications(
            limit, wanted
        )
    if output_format == "json":
        out.print_json(json.dumps([record.to_dict() for record in records]))
        return
    if not records:
        out.print("No notifications yet.", markup=False)
        return
    table = Table("at", "outcome", "rule", "to", "team", "what")
    for record in records:
        what = record.title + (f" — {record.error}" if record.error else "")
        table.add_row(
            format_timestamp(record.at),
            record.outcome.value,
            record.rule,
            f"{record.destination} {record.address}",
            record.team or "-",
            what,
        )
    out.print(table)
