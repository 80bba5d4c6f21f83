"""Charts as inline SVG text, drawn on the server. Pure functions of plain data.

Every chart is an `<svg role="img">` with a `<title>` (and a `<desc>` summing up
the data), so screen readers announce it and a browser shows it with no script;
each bar and point carries its own `<title>` as a tooltip. The text returned is
markup: all data-controlled text in it is escaped here.

A chart is drawn at the size of the card it sits in (`WIDE` for a full-width
card, `HALF` for one of two side by side) and the stylesheet scales it to the
card's width, so it fills the card and its text stays near its drawn size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import sha1
from html import escape
from itertools import pairwise

from scorecards.formats.scores import format_quantity

NO_LEVEL_COLOR = "#ffffff"  # no level is an empty part of the bar, outlined (OUTLINE)
OUTLINE = "#7b8794"
LEVEL_COLORS = {
    "gold": "#c9a227",
    "silver": "#9aa5b1",
    "bronze": "#b5733d",
    "none": NO_LEVEL_COLOR,
}
# ColorBrewer's RdYlGn, one colour per tenth of the score range: 0-10 is never
# mistaken for 90-100.
BAND_COLORS = (
    "#a50026",
    "#d73027",
    "#f46d43",
    "#fdae61",
    "#fee08b",
    "#d9ef8b",
    "#a6d96a",
    "#66bd63",
    "#1a9850",
    "#006837",
)
WIDE = 1100  # a chart across the page's width (the main column less a card's padding)
HALF = 520  # a chart in one of two cards side by side
PALETTE = ("#2f6db5", "#2e9d6a", "#c4572f", "#7a4fb5", "#b53f7a", "#3f9fb5", "#8a8f2e")
NO_DATA = "no data"
SCORE_BINS = 10
LEGEND_HEIGHT = 16
ZERO_LIFT = 6  # pixels between a line chart's zero and its axis line
LONE_SPACING = 36  # pixels between the points of series that all have one and the same day


@dataclass(frozen=True)
class Bar:
    """One bar: a label under it, its value, and where clicking it leads (optional)."""

    label: str
    value: float
    href: str | None = None
    color: str = PALETTE[0]


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar, e.g. the entities at one level."""

    label: str
    value: float
    color: str


@dataclass(frozen=True)
class StackedRow:
    label: str
    segments: Sequence[Segment]
    href: str | None = None


@dataclass(frozen=True)
class Series:
    """A line: (day, value) points in time order."""

    label: str
    points: Sequence[tuple[date, float]]
    color: str = PALETTE[0]


def level_color(level: str, position: int = 0) -> str:
    """Gold, Silver and Bronze in their metals, no level in grey, other levels from the palette."""
    return LEVEL_COLORS.get(level.lower(), PALETTE[position % len(PALETTE)])


def band_color(score: float) -> str:
    """The colour of the tenth of the 0-100 range `score` is in, red to green."""
    return BAND_COLORS[min(max(int(score // 10), 0), len(BAND_COLORS) - 1)]


def bar_chart(
    bars: Sequence[Bar], *, title: str, width: int = HALF, height: int = 200, unit: str = ""
) -> str:
    """Vertical bars from a zero baseline, heights proportional to the values."""
    top, bottom, left, right = 16, 34, 36, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max((b.value for b in bars), default=0.0)
    scale = plot_h / highest if highest > 0 else 0.0
    slot = plot_w / len(bars) if bars else plot_w
    gap = min(6.0, slot * 0.15)
    parts = _axes(left, top, plot_w, plot_h, highest, unit)
    for index, bar in enumerate(bars):
        h = bar.value * scale
        x = left + index * slot + gap / 2
        y = top + plot_h - h
        tip = f"{bar.label}: {format_quantity(bar.value)}{unit}"
        rect = (
            f'<rect class="bar" x="{_n(x)}" y="{_n(y)}" width="{_n(slot - gap)}" '
            f'height="{_n(h)}" fill="{escape(bar.color)}"{_outline(bar.color)}>'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(_linked(rect, bar.href))
        label_x = left + index * slot + slot / 2
        parts.append(
            f'<text x="{_n(label_x)}" y="{_n(top + plot_h + 14)}" text-anchor="middle" '
            f'font-size="10">{escape(bar.label)}</text>'
        )
    summary = ", ".join(f"{b.label}: {format_quantity(b.value)}{unit}" for b in bars) or NO_DATA
    return _svg(width, height, title, summary, parts)


def score_bins(scores: Sequence[float], bins: int = SCORE_BINS) -> list[tuple[int, int, int]]:
    """(low, high, how many) per equal band of 0-100; a band holds low <= score < high,
    and the last one also holds 100."""
    width = 100 / bins
    counts = [0] * bins
    for score in scores:
        counts[min(int(score // width), bins - 1) if score > 0 else 0] += 1
    return [(round(i * width), round((i + 1) * width), counts[i]) for i in range(bins)]


def stacked_bars(
    rows: Sequence[StackedRow],
    *,
    title: str,
    width: int = WIDE,
    row_height: int = 22,
    legend: Sequence[tuple[str, str]] | None = None,
) -> str:
    """One horizontal bar per row, split into segments proportional to their values;
    every row spans the same width when its total is the largest total. The legend
    lists `legend`'s (label, colour) pairs, default: the segments as first met."""
    label_w, right, gap, top = 140, 44, 6, 4
    plot_w = width - label_w - right
    height = top + len(rows) * (row_height + gap) + 4
    largest = max((sum(s.value for s in r.segments) for r in rows), default=0.0)
    scale = plot_w / largest if largest > 0 else 0.0
    parts: list[str] = []
    for index, row in enumerate(rows):
        y = top + index * (row_height + gap)
        label = (
            f'<text x="{label_w - 6}" y="{_n(y + row_height * 0.7)}" text-anchor="end" '
            f'font-size="11">{escape(_shorten(row.label, 22))}</text>'
        )
        parts.append(_linked(label, row.href))
        x = float(label_w)
        total = 0.0
        for segment in row.segments:
            w = segment.value * scale
            total += segment.value
            if w <= 0:
                continue
            tip = f"{row.label}, {segment.label}: {format_quantity(segment.value)}"
            parts.append(
                f'<rect class="segment" x="{_n(x)}" y="{y}" width="{_n(w)}" '
                f'height="{row_height}" fill="{escape(segment.color)}"{_outline(segment.color)}>'
                f"<title>{escape(tip)}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{_n(x + 4)}" y="{_n(y + row_height * 0.7)}" font-size="11">'
            f"{format_quantity(total)}</text>"
        )
    keys = dict.fromkeys(
        legend if legend is not None else [(s.label, s.color) for r in rows for s in r.segments]
    )
    if rows and keys:
        swatches, legend_rows = _legend(list(keys), label_w, height + 2, width - label_w)
        parts.extend(swatches)
        height += LEGEND_HEIGHT * legend_rows
    summary = (
        "; ".join(
            f"{r.label}: " + ", ".join(f"{s.label} {format_quantity(s.value)}" for s in r.segments)
            for r in rows
        )
        or NO_DATA
    )
    return _svg(width, max(height, 24), title, summary, parts)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    width: int = WIDE,
    height: int = 240,
    y_max: float | None = None,
    deadline: date | None = None,
    unit: str = "",
) -> str:
    """Lines over days on a shared time axis from zero up to `y_max` (default: the
    largest value); a `deadline` is drawn as a dashed vertical marker, inside the axis.
    The axis lines sit a little below zero, so a line at 0 is not hidden by them; a
    series of one day is a large point labelled with its value, not a lone dot."""
    top, bottom, left, right = 16, 34 + LEGEND_HEIGHT + ZERO_LIFT, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    days = [day for line in series for day, _ in line.points]
    if deadline is not None:
        days.append(deadline)
    highest = (
        y_max if y_max is not None else max((v for s in series for _, v in s.points), default=0)
    )
    parts = _gridlines(left, top, plot_w, plot_h, highest, unit)
    parts += _axes(left, top, plot_w, plot_h, highest, unit, lift=ZERO_LIFT)
    if not days:
        return _svg(width, height, title, NO_DATA, parts)
    first, last = min(days), max(days)
    span = (last - first).days

    def x_of(day: date) -> float:
        return left + (plot_w * (day - first).days / span if span else plot_w / 2)

    def y_of(value: float) -> float:
        return top + plot_h - (plot_h * value / highest if highest > 0 else 0)

    ends = ((first, "start"), (last, "end")) if span else ((first, "middle"),)
    for day, anchor in ends:
        parts.append(
            f'<text x="{_n(x_of(day))}" y="{_n(top + plot_h + ZERO_LIFT + 14)}" text-anchor="{anchor}" '
            f'font-size="10">{day.isoformat()}</text>'
        )
    if deadline is not None:
        dx = x_of(deadline)
        parts.append(
            f'<line class="deadline" x1="{_n(dx)}" y1="{top}" x2="{_n(dx)}" '
            f'y2="{top + plot_h}" stroke="#c0392b" stroke-dasharray="4 3">'
            f"<title>deadline {deadline.isoformat()}</title></line>"
        )
        parts.append(
            f'<text x="{_n(dx - 3)}" y="{top + 10}" text-anchor="end" font-size="10" '
            f'fill="#c0392b">deadline</text>'
        )
    for index, line in enumerate(series):
        # All on one day: the points stand side by side, so equal scores do not hide
        # one another.
        dodge = (index - (len(series) - 1) / 2) * LONE_SPACING if not span else 0.0
        coords = " ".join(f"{_n(x_of(d) + dodge)},{_n(y_of(v))}" for d, v in line.points)
        color = escape(line.color)
        parts.append(
            f'<polyline class="series" points="{coords}" fill="none" stroke="{color}" '
            f'stroke-width="2"><title>{escape(line.label)}</title></polyline>'
        )
        is_lone = len(line.points) == 1
        radius = 5 if is_lone else _point_radius([x_of(day) for day, _ in line.points])
        for day, value in line.points:
            tip = f"{line.label}, {day.isoformat()}: {format_quantity(value)}{unit}"
            parts.append(
                f'<circle class="point" cx="{_n(x_of(day) + dodge)}" cy="{_n(y_of(value))}" '
                f'r="{_n(radius)}" fill="{color}"><title>{escape(tip)}</title></circle>'
            )
        if is_lone:
            day, value = line.points[0]
            parts.append(
                f'<text class="value" x="{_n(x_of(day) + dodge)}" y="{_n(y_of(value) - 9)}" '
                f'text-anchor="middle" font-size="11" fill="{color}">'
                f"{format_quantity(value)}{escape(unit)}</text>"
            )
    legend, legend_rows = _legend(
        [(s.label, s.color) for s in series], left, top + plot_h + ZERO_LIFT + 20, plot_w
    )
    parts.extend(legend)
    height += LEGEND_HEIGHT * max(legend_rows - 1, 0)  # the first row has its place in `bottom`
    summary = "; ".join(_describe_series(s, unit) for s in series) or NO_DATA
    if deadline is not None:
        summary += f"; deadline {deadline.isoformat()}"
    return _svg(width, height, title, summary, parts)


def _legend(
    keys: Sequence[tuple[str, str]], x: float, y: float, width: float
) -> tuple[list[str], int]:
    """Swatches with labels from (x, y), wrapped onto as many rows as they need within
    `width`; the SVG elements and the number of rows."""
    parts = []
    cursor, row = x, 0
    for label, color in keys:
        text = _shorten(label, 28)
        step = 16 + 6.5 * len(text)
        if cursor > x and cursor + step > x + width:
            cursor, row = x, row + 1
        top = y + row * LEGEND_HEIGHT
        parts.append(
            f'<rect class="swatch" x="{_n(cursor)}" y="{_n(top)}" width="10" height="10" '
            f'fill="{escape(color)}"{_outline(color)}/><text x="{_n(cursor + 13)}" y="{_n(top + 9)}" '
            f'font-size="10">{escape(text)}</text>'
        )
        cursor += step
    return parts, row + 1 if parts else 0


def _describe_series(line: Series, unit: str) -> str:
    if not line.points:
        return f"{line.label}: {NO_DATA}"
    (d0, v0), (d1, v1) = line.points[0], line.points[-1]
    first, last = format_quantity(v0), format_quantity(v1)
    return f"{line.label}: {first}{unit} on {d0} to {last}{unit} on {d1}"


def _axes(
    left: int, top: int, plot_w: int, plot_h: int, highest: float, unit: str, lift: int = 0
) -> list[str]:
    """The axis lines, `lift` below the zero line, and the 0 and top value labels."""
    base = top + plot_h
    axis = base + lift
    return [
        f'<line x1="{left}" y1="{axis}" x2="{left + plot_w}" y2="{axis}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{axis}" stroke="#888"/>',
        f'<text x="{left - 4}" y="{base + 3}" text-anchor="end" font-size="10">0</text>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" font-size="10">'
        f"{format_quantity(highest)}{escape(unit)}</text>",
    ]


def _gridlines(
    left: int, top: int, plot_w: int, plot_h: int, highest: float, unit: str
) -> list[str]:
    """Faint lines at a quarter, a half and three quarters of the value axis, labelled."""
    if highest <= 0:
        return []
    parts = []
    for quarter in (1, 2, 3):
        y = top + plot_h - plot_h * quarter / 4
        parts.append(
            f'<line class="grid" x1="{left}" y1="{_n(y)}" x2="{left + plot_w}" y2="{_n(y)}" '
            f'stroke="#e3e7ec"/><text x="{left - 4}" y="{_n(y + 3)}" text-anchor="end" '
            f'font-size="10">{format_quantity(highest * quarter / 4)}{escape(unit)}</text>'
        )
    return parts


def _point_radius(xs: Sequence[float]) -> float:
    """3 px, smaller where points crowd (a burn-down's daily points), so the line shows."""
    gaps = [b - a for a, b in pairwise(xs) if b > a]
    return min(3.0, max(1.2, min(gaps, default=9.0) / 3))


def _outline(color: str) -> str:
    """A stroke for a colour that would vanish on the white card (no level)."""
    return f' stroke="{OUTLINE}" stroke-width="1"' if color == NO_LEVEL_COLOR else ""


def _svg(width: int, height: int, title: str, summary: str, parts: Sequence[str]) -> str:
    # Derived from the content, so the same data always gives the same markup.
    ident = "chart-" + sha1(f"{title}\n{summary}".encode()).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>' + "".join(parts) + "</svg>"
    )


def _linked(element: str, href: str | None) -> str:
    return f'<a href="{escape(href)}">{element}</a>' if href else element


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _n(value: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
