"""A what-if result as Markdown, sized for a pull-request comment.

Pure text. Long sections stop after `max_rows` rows and say how many were left
out (the JSON format has them all); GitHub refuses comments over 65,536 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from scorecards.formats.scores import format_change, format_count, format_level, format_score
from scorecards.records.results import Status
from scorecards.reports.what_if import Average, Direction, LevelChange, WhatIf

ARROWS = {
    Direction.UP: "▲",
    Direction.DOWN: "▼",
    Direction.NEW: "new",
    Direction.GONE: "gone",
    Direction.RENAMED: "renamed",
}
MAX_ROWS = 50


def render_what_if_markdown(report: WhatIf, max_rows: int = MAX_ROWS) -> str:
    """The what-if as a pull-request comment: summary, level changes, averages, errors, flips."""
    lines = [
        f"### Scorecards what-if: `{report.current_version}` → `{report.edited_version}`",
        "",
        summary_sentence(report),
        "",
    ]
    lines += _definition_lines(report)
    if report.level_changes:
        rows = [_level_row(change) for change in report.level_changes]
        lines += ["#### Level changes", ""]
        lines += _table(("Scorecard", "Entity", "Owner", "Level", "Score"), rows, max_rows)
    changed = [a for a in report.averages if a.changed]
    if changed:
        lines += ["#### Average scores that change", ""]
        lines += _table(
            ("Scorecard", "Team", "Entities", "Before", "After", "Change"),
            [_average_row(a) for a in changed],
            max_rows,
        )
    if report.new_errors:
        rows = [
            (f"`{e.entity_ref}`", f"{e.kind} `{e.id}`", _cell(e.message)) for e in report.new_errors
        ]
        lines += ["#### New errors", ""]
        lines += _table(("Entity", "In", "Error"), rows, max_rows)
    if report.check_flips:
        rows = [
            (
                f"`{f.entity_ref}`",
                f"`{f.check_id}`",
                format_result(f.before),
                format_result(f.after),
            )
            for f in report.check_flips
        ]
        lines += [
            f"<details><summary>Check results that change ({len(report.check_flips)})</summary>",
            "",
        ]
        lines += _table(("Entity", "Check", "Before", "After"), rows, max_rows)
        lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def summary_sentence(report: WhatIf) -> str:
    """One line: how many entities drop or rise, flips, errors."""
    if not (report.level_changes or report.check_flips or report.new_errors):
        return (
            f"Evaluated {report.entities} entities against the stored facts: "
            "no level, score or check result changes."
        )
    drops, rises = len(report.drops), len(report.rises)
    other = len(report.level_changes) - drops - rises
    parts = [f"**{format_count(drops, 'level drop')}**", format_count(rises, "rise")]
    if other:
        parts.append(format_count(other, "other level change"))
    parts.append(f"{format_count(len(report.check_flips), 'check result')} change")
    parts.append(format_count(len(report.new_errors), "new error"))
    return (
        f"Evaluated {report.entities} entities against the stored facts: " + ", ".join(parts) + "."
    )


def _definition_lines(report: WhatIf) -> list[str]:
    changes = report.definitions
    if changes.is_empty:
        return ["The definitions are unchanged.", ""]
    lines = []
    for label, by_kind in (
        ("Changed", changes.changed),
        ("Added", changes.added),
        ("Removed", changes.removed),
    ):
        for kind, ids in by_kind.items():
            if ids:
                lines.append(f"- {label} {kind}: " + ", ".join(f"`{i}`" for i in ids))
    return [*lines, ""]


def _level_row(change: LevelChange) -> tuple[str, ...]:
    before, after = format_level(change.before), format_level(change.after)
    level = f"{before} → {after} {ARROWS[change.direction]}"
    if change.direction is Direction.NEW:
        level = f"{after} (newly applies)"
    elif change.direction is Direction.GONE:
        level = f"{before} (no longer applies)"
    return (
        f"`{change.scorecard_id}`",
        f"`{change.entity_ref}`",
        f"`{change.owner}`",
        level,
        f"{format_score(change.score_before)} → {format_score(change.score_after)}",
    )


def _average_row(average: Average) -> tuple[str, ...]:
    entities = (
        str(average.entities_after)
        if average.entities_before == average.entities_after
        else f"{average.entities_before} → {average.entities_after}"
    )
    return (
        f"`{average.scorecard_id}`",
        "**whole catalog**" if average.owner is None else f"`{average.owner}`",
        entities,
        *average_cells(average),
    )


def average_cells(average: Average) -> tuple[str, str, str]:
    """An average's before, after and change, as every what-if table shows them."""
    return (
        format_score(average.average_before),
        format_score(average.average_after),
        format_change(average.delta),
    )


def _table(header: Sequence[str], rows: Iterable[tuple[str, ...]], max_rows: int) -> list[str]:
    listed = list(rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in listed[:max_rows]]
    if len(listed) > max_rows:
        lines += ["", f"… and {len(listed) - max_rows} more (`--format json` lists them all)."]
    return [*lines, ""]


def format_result(status: Status | None) -> str:
    """A check result before or after the edit; `(no such check)` where the check is not defined."""
    return "(no such check)" if status is None else status.value


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
