"""Scores, score changes, levels and counts as people read them, in every output.

The terminal tables, the Markdown comments, the CSV exports, the dashboard and the
reference page all format through these functions, so `72.5`, `+2.5` and `none`
read the same everywhere. Each output says only what it shows for a missing value
(`-` in text, an empty CSV cell, an en dash on a web page).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

MISSING = "-"
NO_LEVEL = "none"  # the level of an entity that reaches none, in counts and in text


class Trend(StrEnum):
    """Which way a score change goes (outputs colour a rise and a fall differently)."""

    UP = "up"
    DOWN = "down"
    FLAT = "flat"


def format_score(value: float | None, missing: str = MISSING, scale: float | None = None) -> str:
    """A 0-100 score to one decimal, `72.5`; with a display `scale`, `72.5 (7.2/10)`."""
    if value is None:
        return missing
    if scale is None:
        return f"{value:.1f}"
    return f"{value:.1f} ({value * scale / 100:.1f}/{scale:g})"


def format_change(value: float | None, missing: str = MISSING) -> str:
    """A change of score with its sign, `+2.5`, `-1.0`, `+0.0`."""
    return missing if value is None else f"{value:+.1f}"


def trend_of(change: float) -> Trend:
    """`up` for a rise, `down` for a fall, `flat` for none."""
    return Trend.UP if change > 0 else Trend.DOWN if change < 0 else Trend.FLAT


def format_percent(value: float | None, missing: str = "n/a") -> str:
    """A share of 0-100 to one decimal, `87.5%`."""
    return missing if value is None else f"{value:.1f}%"


def format_quantity(value: float) -> str:
    """A count or a score in little room (a chart label): `12`, `72.5`."""
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def format_level(name: str | None) -> str:
    """A level name, or `none` for an entity that reaches no level."""
    return name or NO_LEVEL


def format_level_counts(levels: Mapping[str, int], names: Sequence[str]) -> str:
    """Entities per level in the order of `names`, `3/5/0` (a level absent counts 0)."""
    return "/".join(str(levels.get(name, 0)) for name in names)


def format_tally(counts: Iterable[tuple[str, int]]) -> str:
    """Counts by name, `pass 12, fail 3`, in the order given."""
    return ", ".join(f"{name} {count}" for name, count in counts)


def format_count(count: int, noun: str) -> str:
    """`1 fork`, `2 forks`: a count with its noun (plural by an `s`)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
