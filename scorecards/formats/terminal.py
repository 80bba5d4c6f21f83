"""Terminal tables that fit the terminal without cutting an id.

rich shrinks a table that is too wide by cutting cells with "…" or folding words mid-way,
which breaks the very ids and entity refs a reader copies into the next command. Here the
widths are decided before rich sees the table: columns marked `whole` (ids, refs) keep their
full width, the others wrap at spaces in what is left; when even that does not fit, each
row is printed as a block of `column: value` lines instead of a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

Justify = Literal["left", "right"]
BORDERS_PER_COLUMN = 3  # "│ " before a cell and " " after it
Cell = str | Text


@dataclass(frozen=True)
class Column:
    header: str
    whole: bool = False  # an id or ref: never wrapped or cut
    justify: Justify = "left"


def fitted_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    width: int,
    title: str | None = None,
) -> RenderableType:
    """`rows` as a table at most `width` wide with every `whole` cell intact, else as blocks."""
    widths = _widths(columns, rows, width)
    if widths is None:
        return _blocks(columns, rows, title)
    table = Table(title=title)
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(
            column.header,
            justify=column.justify,
            width=column_width,
            no_wrap=column.whole,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*row)
    return table


def fits(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int) -> bool:
    """Whether `fitted_table` can show these rows as a table at `width`."""
    return _widths(columns, rows, width) is not None


def _text(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _longest_line(texts: Sequence[str]) -> int:
    return max((len(line) for text in texts for line in text.splitlines()), default=0)


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(word) for text in texts for word in text.split()), default=0)


def _widths(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int
) -> list[int] | None:
    """Each column's width, or None when the whole columns and the longest words do not fit."""
    available = width - BORDERS_PER_COLUMN * len(columns) - 1
    cells = [[column.header, *(_text(row[i]) for row in rows)] for i, column in enumerate(columns)]
    full = [_longest_line(texts) for texts in cells]
    least = [
        full[i] if column.whole else max(_longest_word(texts), 1)
        for i, (column, texts) in enumerate(zip(columns, cells, strict=True))
    ]
    if sum(full) <= available:
        return full
    if sum(least) > available:
        return None
    widths = list(least)
    spare = available - sum(least)
    wants = [full[i] - least[i] for i in range(len(columns))]
    total_want = sum(wants)
    for i, want in enumerate(wants):
        widths[i] += spare * want // total_want if total_want else 0
    return widths


def _blocks(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], title: str | None
) -> RenderableType:
    parts: list[RenderableType] = []
    if title:
        parts.append(Text(title, style="bold"))
    for row in rows:
        head, *rest = row
        parts.append(Text(_text(head), style="bold"))
        for column, cell in zip(columns[1:], rest, strict=True):
            line = Text(f"{column.header}: ")
            line.append(cell if isinstance(cell, Text) else Text(cell))
            parts.append(Padding(line, (0, 0, 0, 2), expand=False))
    return Group(*parts)
