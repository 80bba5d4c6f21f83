"""Runs on Celery workers from the command line: `run --distributed [--wait]` and `runs`.

`scorecards run` hands its run to the workers when a broker is configured
(`--broker` or `SCORECARDS_BROKER_URL`), or when asked with `--distributed`;
`--wait` follows it to the end with a progress bar, riding out a store that
restarts meanwhile (the workers go on). `scorecards runs` lists the recent runs
of the store, and `scorecards runs RUN_ID` shows one; both first mark `abandoned`
the runs whose process died (scorecards/runs/leases.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from redis.backoff import EqualJitterBackoff
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from scorecards.cli import (
    EXIT_FINDINGS,
    FormatOption,
    StoreOption,
    app,
    err,
    open_configured_store,
    out,
    render,
    user_errors,
)
from scorecards.cli.configuration import load_cli_settings
from scorecards.definitions.compiled import Definitions
from scorecards.errors import ConfigurationError
from scorecards.formats.timeutil import format_timestamp, utcnow
from scorecards.records.refs import entity_ref
from scorecards.runs.inputs import RunInputs
from scorecards.runs.leases import reap_abandoned_runs
from scorecards.settings import Settings
from scorecards.stores import Run, RunState, Store
from scorecards.stores.base import StoreUnreachableError

# How often --wait looks at the run, and how often it writes a line when not on a terminal.
POLL_SECONDS = 0.5
LOG_EVERY_SECONDS = 10.0
DEFAULT_WAIT_SECONDS = 3600.0
# How long --wait keeps trying a store that stopped answering (a Redis restart, a
# failover) before it gives up, and the longest pause between two tries.
RECONNECT_SECONDS = 300.0
RECONNECT_PAUSE_MAX = 5.0


def is_distributed(settings: Settings, requested: bool | None) -> bool:
    """`--distributed`/`--in-process` when given, else whether a broker is configured."""
    if requested is None:
        return bool(settings.broker_url)
    if requested and not settings.broker_url:
        raise ConfigurationError(
            "--distributed needs a broker: pass --broker redis://127.0.0.1:6379/1 "
            "or set SCORECARDS_BROKER_URL, and start workers with `celery -A worker worker`"
        )
    return requested


def run_distributed(
    settings: Settings,
    definitions: Definitions,
    inputs: RunInputs,
    now: datetime,
    *,
    wait: bool,
    timeout: float = DEFAULT_WAIT_SECONDS,
) -> Run:
    """Queue the run on the workers; with `wait`, follow it and print the summary."""
    from worker.dispatch import start_distributed_run  # Celery is imported only when needed

    store = open_configured_store(settings, create=True)
    run = start_distributed_run(settings, store, definitions, inputs, now)
    out.print(
        f"Run {run.id} queued: {run.entities_total} entities in {run.batches_total} batches",
        markup=False,
    )
    if not wait:
        out.print(f"Follow it with: scorecards runs {run.id}", markup=False)
        return run

    def tell(text: str) -> None:
        err.print(f"run {run.id}: {text}", markup=False)

    with run_progress(run.entities_total, on_workers=True) as show:
        finished = wait_for_run(store, run.id, timeout, show, tell)
    if not finished.state.is_finished:
        err.print(
            f"error: run {run.id} is still {finished.state.value} after {timeout:g}s "
            f"({_done(finished)}) — are workers running? `celery -A worker worker`; "
            f"follow it with `scorecards runs {run.id}`",
            markup=False,
        )
        raise typer.Exit(EXIT_FINDINGS)
    refs = [entity_ref(e) for e in inputs.entities]
    render.run_summary(out, definitions, finished, store.latest_result_documents(refs))
    for error in finished.errors:
        err.print(f"error: {error}", markup=False)
    return finished


def wait_for_run(
    store: Store,
    run_id: str,
    timeout: float,
    on_progress: Callable[[Run], None] | None = None,
    on_outage: Callable[[str], None] | None = None,
) -> Run:
    """The run once finished, or as it stands when `timeout` seconds have passed.

    A store that stops answering is tried again with backoff for `RECONNECT_SECONDS`
    (`on_outage` hears when it went and when it came back); after that,
    StoreUnreachableError saying the run may still finish.
    """
    deadline = time.monotonic() + timeout
    outage = _Outage(run_id, on_outage)
    while True:
        try:
            run = store.get_run(run_id)
        except StoreUnreachableError as exc:
            time.sleep(outage.pause(exc, deadline))
            continue
        outage.over()
        if run is None:
            raise ConfigurationError(
                f"run {run_id} is not in the store any more — was the store emptied or "
                "restarted without persistence? (run Redis with `appendonly yes`)"
            )
        if on_progress is not None:
            on_progress(run)
        if run.state.is_finished or time.monotonic() >= deadline:
            return run
        time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0)))


class _Outage:
    """`wait_for_run`'s patience with a store that stopped answering: bounded, with backoff."""

    def __init__(self, run_id: str, tell: Callable[[str], None] | None) -> None:
        self.run_id = run_id
        self.tell = tell or (lambda text: None)
        self.since: float | None = None
        self.failures = 0
        # redis-py's own backoff: the pause doubles up to a cap, with jitter.
        self.backoff = EqualJitterBackoff(cap=RECONNECT_PAUSE_MAX, base=POLL_SECONDS)

    def pause(self, error: StoreUnreachableError, deadline: float) -> float:
        """How long to wait before trying again; raises once patience has run out."""
        now = time.monotonic()
        if self.since is None:
            self.since = now
            self.tell(
                f"the store stopped answering ({error}); trying again for up to "
                f"{RECONNECT_SECONDS:g}s — the workers carry on meanwhile"
            )
        lost_for = now - self.since
        if lost_for >= RECONNECT_SECONDS or now >= deadline:
            raise StoreUnreachableError(
                f"gave up waiting for run {self.run_id}: the store has not answered for "
                f"{lost_for:.0f}s ({error}) — the workers may still finish the run; follow it "
                f"with `scorecards runs {self.run_id}` once the store is back"
            ) from None
        self.failures += 1
        return float(self.backoff.compute(self.failures))

    def over(self) -> None:
        if self.since is not None:
            self.tell(f"the store answers again after {time.monotonic() - self.since:.0f}s")
            self.since, self.failures = None, 0


def _done(run: Run) -> str:
    text = (
        f"{run.entities_done + run.entities_failed}/{run.entities_total} entities, "
        f"{run.batches_done + run.batches_failed}/{run.batches_total} batches"
    )
    if run.batches_failed:
        text += f", {run.batches_failed} failed"
    if run.retries:
        text += f", {run.retries} retries"
    return text


@contextmanager
def run_progress(total: int, *, on_workers: bool) -> Iterator[Callable[[Run], None]]:
    """What shows a run's progress, fed the run after each batch (`on_batch` of an
    in-process run) or each look at it (`--wait`): a bar on a terminal; elsewhere a
    line every `LOG_EVERY_SECONDS` for a run on workers, nothing for one in process."""
    if not err.is_terminal:
        yield _log_lines() if on_workers else lambda run: None
        return
    columns: list[ProgressColumn] = [TextColumn("scoring on workers" if on_workers else "scoring")]
    columns += [BarColumn(), MofNCompleteColumn()]
    if on_workers:  # in process, nothing retries and failures show in the summary
        columns.append(TextColumn("{task.fields[detail]}"))
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("scoring", total=total, detail="")

        def advance(run: Run) -> None:
            detail = f"failed {run.entities_failed}" if run.entities_failed else ""
            if run.retries:
                detail += f" retries {run.retries}"
            progress.update(
                task, completed=run.entities_done + run.entities_failed, detail=detail.strip()
            )

        yield advance


def _log_lines() -> Callable[[Run], None]:
    last = 0.0

    def log_line(run: Run) -> None:
        nonlocal last
        if run.state.is_finished or time.monotonic() - last >= LOG_EVERY_SECONDS:
            last = time.monotonic()
            err.print(f"run {run.id}: {run.state.value}, {_done(run)}", markup=False)

    return log_line


@app.command("runs")
def runs(
    run_id: Annotated[
        str | None, typer.Argument(help="Show this run; omit to list recent runs.")
    ] = None,
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Runs to list.")] = 20,
    output_format: FormatOption = "text",
) -> None:
    """List recent runs (newest first) with their progress, or show one run in full."""
    with user_errors():
        target = open_configured_store(load_cli_settings(store_url=store))
        reap_abandoned_runs(target)
        if run_id is not None:
            found = target.get_run(run_id)
            if found is None:
                raise ConfigurationError(
                    f"no run '{run_id}' in the store — list the recent ones with `scorecards runs`"
                )
            selected = [found]
        else:
            selected = target.list_runs(limit)
    if output_format == "json":
        data = [r.to_dict() for r in selected]
        out.print_json(json.dumps(data[0] if run_id is not None else data))
    elif run_id is not None:
        _show_run(selected[0])
    elif not selected:
        out.print("No runs yet — start one with `scorecards run`.", markup=False)
    else:
        _list_runs(selected)


STATE_STYLES = {
    RunState.PENDING: "dim",
    RunState.RUNNING: "cyan",
    RunState.SUCCEEDED: "green",
    RunState.PARTIAL: "yellow",
    RunState.FAILED: "red",
    RunState.ABANDONED: "magenta",
}


def _duration(run: Run) -> str:
    end = run.finished_at or utcnow()
    seconds = max(int((end - run.created_at).total_seconds()), 0)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _list_runs(selected: list[Run]) -> None:
    table = Table(title="Runs, newest first", box=None, pad_edge=False, header_style="bold")
    table.add_column("run", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for column in ("entities", "failed", "batches", "retries", "took"):
        table.add_column(column, justify="right", no_wrap=True)
    for run in selected:
        table.add_row(
            run.id,
            f"[{STATE_STYLES[run.state]}]{run.state.value}[/]",
            f"{run.entities_done}/{run.entities_total}",
            str(run.entities_failed),
            f"{run.batches_done + run.batches_failed}/{run.batches_total}",
            str(run.retries),
            _duration(run),
        )
    out.print(table)


def _show_run(run: Run) -> None:
    out.print(f"Run {run.id}: {run.state.value}", markup=False)
    out.print(f"  started      {format_timestamp(run.created_at)}", markup=False)
    if run.finished_at is not None:
        out.print(f"  finished     {format_timestamp(run.finished_at)}", markup=False)
    out.print(f"  took         {_duration(run)}", markup=False)
    out.print(f"  definitions  {run.definitions_version}", markup=False)
    out.print(
        f"  entities     {run.entities_done} scored, {run.entities_failed} failed, "
        f"of {run.entities_total}",
        markup=False,
    )
    out.print(
        f"  batches      {run.batches_done} done, {run.batches_failed} failed, "
        f"of {run.batches_total}",
        markup=False,
    )
    out.print(f"  retries      {run.retries}", markup=False)
    for source, counts in sorted(run.sources.items()):
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        out.print(f"  source {source}: {summary}", markup=False)
    if run.errors:
        out.print(f"Errors ({len(run.errors)}):", markup=False)
        for error in run.errors:
            out.print(f"  {error}", markup=False)
