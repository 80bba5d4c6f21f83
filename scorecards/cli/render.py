"""Terminal rendering of runs and explanations (rich)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scorecards.definitions.compiled import Definitions
from scorecards.formats.scores import NO_LEVEL, format_level, format_score, format_tally
from scorecards.records.results import EntityEvaluation, Status
from scorecards.reports.summaries import summarize
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
    console: Console, definitions: Definitions, run: Run, evaluations: Sequence[EntityEvaluation]
) -> None:
    summary = summarize(definitions, evaluations)
    console.print(
        f"Run {run.id}: {run.state.value}, {run.entities_done} entities scored"
        + (f", {run.entities_failed} failed" if run.entities_failed else "")
        + f" (definitions {run.definitions_version})",
        markup=False,
    )
    table = Table(title="Scorecards")
    table.add_column("scorecard")
    table.add_column("entities", justify="right")
    table.add_column("average", justify="right")
    table.add_column("levels")
    for card in summary.scorecards:
        levels = format_tally((name, count) for name, count in card.levels.items() if count)
        scorecard = definitions.scorecards.get(card.scorecard_id)
        scale = scorecard.spec.scale if scorecard else None
        table.add_row(
            card.name,
            str(card.entities),
            format_score(card.average, scale=scale),
            levels or NO_LEVEL,
        )
    console.print(table)
    failing = Table(title="Most failed checks")
    failing.add_column("check")
    failing.add_column("entities failing", justify="right")
    for check_id, count in summary.failing_checks:
        check = definitions.checks.get(check_id)
        failing.add_row(f"{check_id} — {check.spec.name}" if check else check_id, str(count))
    console.print(failing)
    console.print(f"Check results: {format_tally(summary.statuses.items())}", markup=False)


def entity_explanation(
    console: Console, definitions: Definitions, evaluation: EntityEvaluation
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
    table = Table(show_lines=False)
    table.add_column("status")
    table.add_column("check")
    table.add_column("why / how to fix")
    order = list(STATUS_STYLES)
    for result in sorted(evaluation.checks, key=lambda r: order.index(r.status)):
        check = definitions.checks.get(result.check_id)
        label, style = STATUS_STYLES[result.status]
        detail = result.message or ""
        needs_fix = result.status in (Status.FAIL, Status.UNKNOWN, Status.ERROR)
        if check and needs_fix and check.spec.remediation:
            detail = f"{detail}\nfix: {check.spec.remediation}".strip()
        title = f"{check.spec.name} ({result.check_id})" if check else result.check_id
        table.add_row(Text(label, style=style), Text(title), Text(detail))
    console.print(table)
