"""Terminal rendering of runs and explanations (rich)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from scorecards.definitions.compiled import Definitions
from scorecards.definitions.specs import SEVERITY_WEIGHTS
from scorecards.formats.scores import NO_LEVEL, format_level, format_score, format_tally
from scorecards.formats.terminal import Cell, Column, fitted_table
from scorecards.records.results import CheckResult, EntityEvaluation, Status
from scorecards.reports.summaries import summarize_stored
from scorecards.stores import Run

STATUS_STYLES = {
    Status.PASS: ("✔ pass", "green"),
    Status.FAIL: ("✘ fail", "red"),
    Status.EXEMPT: ("~ exempt", "cyan"),
    Status.UNKNOWN: ("? unknown", "yellow"),
    Status.ERROR: ("! error", "magenta"),
    Status.SKIP: ("- skip", "dim"),
}


def run_summary(
    console: Console, definitions: Definitions, run: Run, results: Iterable[Mapping[str, Any]]
) -> None:
    """The run's line, its scorecards and most failed checks, from the stored `results`."""
    summary = summarize_stored(definitions, results)
    console.print(
        f"Run {run.id}: {run.state.value}, {run.entities_done} entities scored"
        + (f", {run.entities_failed} failed" if run.entities_failed else "")
        + f" (definitions {run.definitions_version})",
        markup=False,
    )
    width = console.width
    columns = [
        Column("scorecard"),
        Column("entities", justify="right"),
        Column("average", justify="right"),
        Column("levels"),
    ]
    rows: list[list[Cell]] = []
    for card in summary.scorecards:
        levels = format_tally((name, count) for name, count in card.levels.items() if count)
        scorecard = definitions.scorecards.get(card.scorecard_id)
        scale = scorecard.spec.scale if scorecard else None
        rows.append(
            [
                card.name,
                str(card.entities),
                format_score(card.average, scale=scale),
                levels or NO_LEVEL,
            ]
        )
    console.print(fitted_table(columns, rows, width, "Scorecards"))
    failing = [Column("check", whole=True), Column("name"), Column("failing", justify="right")]
    failing_rows: list[list[Cell]] = []
    for check_id, count in summary.failing_checks:
        check = definitions.checks.get(check_id)
        failing_rows.append([check_id, check.spec.name if check else "", str(count)])
    console.print(fitted_table(failing, failing_rows, width, "Most failed checks"))
    console.print(f"Check results: {format_tally(summary.statuses.items())}", markup=False)


def entity_explanation(
    console: Console,
    definitions: Definitions,
    evaluation: EntityEvaluation,
    *,
    show_skipped: bool = False,
) -> None:
    console.print(
        Text(
            f"{evaluation.entity_ref} — evaluated {evaluation.evaluated_at:%Y-%m-%d %H:%M} UTC "
            f"with definitions {evaluation.definitions_version}",
            style="bold",
        )
    )
    if evaluation.definitions_version != definitions.version:
        console.print(
            "note: the definitions changed since; run `scorecards run` to re-score.",
            style="yellow",
            markup=False,
        )
    if not evaluation.scorecards:
        console.print("No scorecard applies to this entity.", markup=False)
    for card in evaluation.scorecards:
        scorecard = definitions.scorecards.get(card.scorecard_id)
        name = scorecard.spec.name if scorecard else card.scorecard_id
        scale = scorecard.spec.scale if scorecard else None
        line = f"{name}: score {format_score(card.score, scale=scale)}, level {format_level(card.level)}"
        if card.error:
            line += f" (error: {card.error})"
        console.print(Text(line, style="bold cyan"))
    _check_results(console, definitions, evaluation, show_skipped=show_skipped)


NEEDS_WORK = (Status.FAIL, Status.ERROR, Status.UNKNOWN)
SEVERITY_ORDER = list(SEVERITY_WEIGHTS)  # critical first


def _check_results(
    console: Console,
    definitions: Definitions,
    evaluation: EntityEvaluation,
    *,
    show_skipped: bool,
) -> None:
    """What needs work first, worst severity first, each with why and how to fix it; then
    exemptions and passes; skips (checks that do not apply) in one line unless asked for.

    Blocks of wrapped text rather than a table: at 80 columns a table cuts the ids and the
    remediation a reader needs whole."""
    order = list(STATUS_STYLES)

    def rank(result: CheckResult) -> tuple[int, int, str]:
        check = definitions.checks.get(result.check_id)
        severity = check.spec.severity if check else None
        level = (
            SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
        )
        return level, order.index(result.status), result.check_id

    results = sorted(evaluation.checks, key=rank)
    needs_work = [r for r in results if r.status in NEEDS_WORK]
    fine = [r for r in results if r.status in (Status.EXEMPT, Status.PASS)]
    skipped = [r for r in results if r.status is Status.SKIP]
    if needs_work:
        console.print(Text(f"\nNeeds work ({len(needs_work)}), most severe first:", style="bold"))
    for result in needs_work:
        _needs_work(console, definitions, result)
    if fine:
        console.print(Text(f"\nPassing or exempt ({len(fine)}):", style="bold"))
    for result in sorted(fine, key=lambda r: (order.index(r.status), r.check_id)):
        _one_line(console, definitions, result)
    if not skipped:
        return
    if show_skipped:
        console.print(Text(f"\nNot applicable ({len(skipped)}):", style="bold"))
        for result in sorted(skipped, key=lambda r: r.check_id):
            _one_line(console, definitions, result)
        return
    console.print(
        Text(
            f"\n{len(skipped)} check{'s' if len(skipped) != 1 else ''} do not apply here "
            "(skip; not counted) — add --all to list them",
            style="dim",
        )
    )


def _title(definitions: Definitions, result: CheckResult) -> str:
    check = definitions.checks.get(result.check_id)
    return f"{check.spec.name} ({result.check_id})" if check else result.check_id


def _needs_work(console: Console, definitions: Definitions, result: CheckResult) -> None:
    check = definitions.checks.get(result.check_id)
    label, style = STATUS_STYLES[result.status]
    severity = check.spec.severity if check else ""
    head = Text(f"{label} ", style=style)
    head.append(f"[{severity}] " if severity else "", style="bold")
    head.append(_title(definitions, result))
    console.print(head)
    if result.message:
        console.print(Padding(Text(f"why: {result.message}"), (0, 0, 0, 4), expand=False))
    if check and check.spec.remediation:
        console.print(Padding(Text(f"fix: {check.spec.remediation}"), (0, 0, 0, 4), expand=False))


def _one_line(console: Console, definitions: Definitions, result: CheckResult) -> None:
    label, style = STATUS_STYLES[result.status]
    line = Text(f"{label} ", style=style)
    line.append(_title(definitions, result))
    console.print(line)
