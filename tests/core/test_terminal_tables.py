"""Terminal tables (scorecards/formats/terminal.py): ids whole at any width, never "…"."""

from __future__ import annotations

import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from scorecards.formats.terminal import Column, fits, fitted_table

REF = "component:default/a-rather-long-service-name-for-the-ledger"
COLUMNS = [Column("entity", whole=True), Column("check", whole=True), Column("message")]
ROW = [REF, "no-critical-dependabot-alerts", "the default branch is not protected at all"]


def rendered(renderable: object, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(output, str)
    return output


def test_a_table_that_fits_is_a_table_with_every_cell_on_one_line() -> None:
    output = rendered(fitted_table(COLUMNS, [ROW], 200), 200)
    assert all(cell in output for cell in ROW)
    assert "┃ entity" in output


def test_wrapping_columns_wrap_at_spaces_while_whole_columns_keep_their_width() -> None:
    table = fitted_table(COLUMNS, [ROW], 120)
    assert isinstance(table, Table)
    output = rendered(table, 120)
    assert REF in output and "no-critical-dependabot-alerts" in output
    assert "the default branch is not protected at all" not in output  # wrapped
    assert all(len(line) <= 120 for line in output.splitlines())


def test_rows_become_blocks_when_the_whole_columns_alone_are_too_wide() -> None:
    assert not fits(COLUMNS, [ROW], 60)
    output = rendered(fitted_table(COLUMNS, [ROW], 60), 60)
    assert output.splitlines()[0] == REF
    assert "  check: no-critical-dependabot-alerts" in output


ids = st.from_regex(r"[a-z]{1,12}(-[a-z]{1,12}){0,4}", fullmatch=True)
words = st.lists(st.from_regex(r"[a-z]{1,15}", fullmatch=True), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(ids, ids, words), min_size=1, max_size=5),
    width=st.integers(min_value=70, max_value=140),  # every id (64 at most) fits a line
)
def test_every_id_is_printed_whole_and_nothing_is_cut(
    rows: list[tuple[str, str, list[str]]], width: int
) -> None:
    cells = [[entity, check, " ".join(message)] for entity, check, message in rows]
    output = rendered(fitted_table(COLUMNS, cells, width), width)
    assert "…" not in output
    for entity, check, _ in rows:
        for identifier in (entity, check):
            assert re.search(rf"(?<![a-z-]){re.escape(identifier)}(?![a-z-])", output)
