"""The SVG charts: well-formed, accessible, and drawn to the data's proportions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from scorecards.api.dashboard.charts import (
    NO_LEVEL_COLOR,
    Bar,
    Segment,
    Series,
    StackedRow,
    band_color,
    bar_chart,
    level_color,
    line_chart,
    score_bins,
    stacked_bars,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{SVG}svg"
    return root


def floats(elements: list[ET.Element], attribute: str) -> list[float]:
    return [float(e.attrib[attribute]) for e in elements]


def test_a_chart_is_an_image_named_by_its_title_for_screen_readers():
    root = parse(bar_chart([Bar("a", 1)], title="Scores of Service maturity"))
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert root.attrib["role"] == "img"
    assert title is not None and title.text == "Scores of Service maturity"
    assert desc is not None and desc.text == "a: 1"
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"


def test_bar_heights_are_proportional_to_the_values_from_a_shared_baseline():
    root = parse(bar_chart([Bar("a", 2), Bar("b", 8), Bar("c", 0), Bar("d", 4)], title="t"))
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    heights = floats(bars, "height")
    assert heights[1] > 0
    assert [h / heights[1] for h in heights] == pytest.approx([0.25, 1.0, 0.0, 0.5])
    baselines = [float(b.attrib["y"]) + float(b.attrib["height"]) for b in bars]
    assert baselines == pytest.approx([baselines[0]] * 4)


def test_bars_are_laid_out_left_to_right_in_order_with_equal_widths():
    root = parse(bar_chart([Bar(str(i), i + 1) for i in range(5)], title="t"))
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    xs = floats(bars, "x")
    assert xs == sorted(xs)
    assert len(set(floats(bars, "width"))) == 1


def test_a_bar_with_a_link_is_wrapped_in_an_anchor_and_says_its_value_on_hover():
    root = parse(bar_chart([Bar("90-100", 3, href="/entities?min=90")], title="t"))
    anchor = root.find(f"{SVG}a")
    assert anchor is not None and anchor.attrib["href"] == "/entities?min=90"
    tip = anchor.find(f"{SVG}rect/{SVG}title")
    assert tip is not None and tip.text == "90-100: 3"


def test_text_from_the_data_is_escaped_and_the_chart_stays_well_formed():
    label = '<script>alert("x")</script> & co'
    root = parse(bar_chart([Bar(label, 1)], title=label))
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == label
    assert root.find(f".//{SVG}script") is None


def test_a_chart_of_nothing_is_still_an_image_that_says_there_is_no_data():
    for markup in (
        bar_chart([], title="t"),
        stacked_bars([], title="t"),
        line_chart([], title="t"),
    ):
        desc = parse(markup).find(f"{SVG}desc")
        assert desc is not None and desc.text == "no data"


def test_stacked_segments_are_proportional_and_the_largest_row_fills_the_width():
    rows = [
        StackedRow("service", [Segment("Gold", 6, "#c9a227"), Segment("none", 2, "#ddd")]),
        StackedRow("website", [Segment("Gold", 1, "#c9a227"), Segment("none", 3, "#ddd")]),
    ]
    root = parse(stacked_bars(rows, title="Levels"))
    segments = root.findall(f".//{SVG}rect[@class='segment']")
    widths = floats(segments, "width")
    assert [w / widths[0] for w in widths] == pytest.approx([1, 2 / 6, 1 / 6, 3 / 6])
    assert widths[0] + widths[1] == pytest.approx(2 * (widths[2] + widths[3]))
    # segments of one row touch: the second starts where the first ends
    assert float(segments[1].attrib["x"]) == pytest.approx(
        float(segments[0].attrib["x"]) + widths[0]
    )


def test_a_segment_of_zero_draws_nothing_but_stays_in_the_description():
    rows = [StackedRow("api", [Segment("Bronze", 0, "#b5733d"), Segment("Gold", 7, "#c9a227")])]
    root = parse(stacked_bars(rows, title="Levels"))
    assert len(root.findall(f".//{SVG}rect[@class='segment']")) == 1
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text == "api: Bronze 0, Gold 7"


def test_line_points_sit_at_their_days_and_values():
    points = [(date(2026, 11, 1), 0.0), (date(2026, 11, 11), 50.0), (date(2026, 11, 21), 100.0)]
    root = parse(line_chart([Series("avg", points)], title="Trend", y_max=100))
    line = root.find(f".//{SVG}polyline")
    assert line is not None
    coords = [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])  # 10 days apart each
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2])
    circles = root.findall(f".//{SVG}circle")
    assert floats(circles, "cx") == pytest.approx(xs)


def test_the_deadline_marker_sits_at_its_day_on_the_time_axis():
    points = [(date(2026, 10, 1), 10.0), (date(2026, 10, 11), 5.0)]
    root = parse(line_chart([Series("remaining", points)], title="t", deadline=date(2026, 10, 21)))
    line = root.find(f".//{SVG}polyline")
    marker = root.find(f".//{SVG}line[@class='deadline']")
    assert line is not None and marker is not None
    x0, x1 = (float(p.split(",")[0]) for p in line.attrib["points"].split())
    # the axis spans the points and the deadline: 20 days, the last point half way
    assert float(marker.attrib["x1"]) - x0 == pytest.approx(2 * (x1 - x0))
    assert marker.attrib["x1"] == marker.attrib["x2"]
    desc = root.find(f"{SVG}desc")
    assert desc is not None and desc.text is not None and "deadline 2026-10-21" in desc.text


def test_a_line_of_one_day_is_drawn_in_the_middle_of_the_time_axis():
    root = parse(line_chart([Series("s", [(date(2026, 11, 25), 3.0)])], title="t", width=200))
    circle = root.find(f".//{SVG}circle")
    axis = next(line for line in root.findall(f"{SVG}line") if "class" not in line.attrib)
    assert circle is not None
    middle = (float(axis.attrib["x1"]) + float(axis.attrib["x2"])) / 2
    assert float(circle.attrib["cx"]) == pytest.approx(middle)


def test_a_series_of_one_day_is_a_large_point_labelled_with_its_value():
    one_day = Series("Delivery health", [(date(2026, 11, 25), 46.4)])
    two_days = Series("Security", [(date(2026, 11, 24), 60.0), (date(2026, 11, 25), 70.0)])
    root = parse(line_chart([one_day, two_days], title="t", y_max=100))
    radii = floats(root.findall(f".//{SVG}circle"), "r")
    assert radii[0] > max(radii[1:])
    labels = [t.text for t in root.findall(f".//{SVG}text[@class='value']")]
    assert labels == ["46.4"]


def test_a_line_at_zero_is_drawn_above_the_axis_line_not_on_it():
    points = [(date(2026, 11, 1), 0.0), (date(2026, 11, 2), 0.0)]
    root = parse(line_chart([Series("s", points)], title="t", y_max=100))
    axis = next(line for line in root.findall(f"{SVG}line") if "class" not in line.attrib)
    line = root.find(f".//{SVG}polyline")
    assert line is not None
    ys = {float(p.split(",")[1]) for p in line.attrib["points"].split()}
    assert max(ys) + 4 <= float(axis.attrib["y1"])  # clear of the axis by more than its stroke


def test_histogram_bars_take_the_colour_of_their_score_band_red_to_green():
    assert band_color(0) != band_color(95)
    assert len({band_color(low) for low in range(0, 100, 10)}) == 10
    assert band_color(100) == band_color(90)
    root = parse(bar_chart([Bar("0-10", 1, color=band_color(0))], title="t"))
    bar = root.find(f".//{SVG}rect[@class='bar']")
    assert bar is not None and bar.attrib["fill"] == band_color(0)


def test_the_legend_of_stacked_bars_follows_the_order_given():
    rows = [
        StackedRow("a", [Segment("Adopted", 1, "#111"), Segment("none", 1, NO_LEVEL_COLOR)]),
        StackedRow("b", [Segment("Bronze", 1, "#222"), Segment("none", 1, NO_LEVEL_COLOR)]),
    ]
    order = [("Adopted", "#111"), ("Bronze", "#222"), ("none", NO_LEVEL_COLOR)]
    root = parse(stacked_bars(rows, title="t", legend=order))
    swatches = root.findall(f".//{SVG}rect[@class='swatch']")
    assert [s.attrib["fill"] for s in swatches] == ["#111", "#222", NO_LEVEL_COLOR]


def test_no_level_is_an_outlined_empty_segment_unlike_silver():
    assert level_color("none") != level_color("Silver")
    rows = [StackedRow("a", [Segment("none", 2, level_color("none"))])]
    segment = parse(stacked_bars(rows, title="t")).find(f".//{SVG}rect[@class='segment']")
    assert segment is not None and segment.attrib["fill"] == NO_LEVEL_COLOR
    assert segment.attrib["stroke"] != NO_LEVEL_COLOR


def test_score_bins_hold_each_score_once_with_a_perfect_score_in_the_top_band():
    bins = score_bins([0, 9.99, 10, 55, 59.9, 90, 100, 100])
    assert [(low, high) for low, high, _ in bins][:2] == [(0, 10), (10, 20)]
    assert [n for _, _, n in bins] == [2, 1, 0, 0, 0, 2, 0, 0, 0, 3]


def test_every_series_has_a_legend_entry_wrapping_onto_rows_inside_the_chart():
    names = [f"Scorecard number {i}" for i in range(7)]
    day = date(2026, 11, 1)
    root = parse(line_chart([Series(n, [(day, 50.0)]) for n in names], title="Trend", width=400))
    labels = [t.text for t in root.findall(f".//{SVG}text") if t.text in names]
    assert labels == names
    swatches = root.findall(f".//{SVG}rect[@class='swatch']")
    rows = sorted({float(s.attrib["y"]) for s in swatches})
    assert len(rows) > 1
    height = float(root.attrib["height"])
    assert all(float(s.attrib["x"]) + 10 <= 400 for s in swatches)
    assert rows[-1] + 10 <= height


def test_series_of_the_same_one_day_and_value_stand_side_by_side_not_on_top_of_each_other():
    day = date(2026, 11, 25)
    root = parse(
        line_chart([Series("a", [(day, 0.0)]), Series("b", [(day, 0.0)])], title="t", y_max=100)
    )
    circles = root.findall(f".//{SVG}circle")
    xs = floats(circles, "cx")
    radii = floats(circles, "r")
    assert xs[1] - xs[0] > radii[0] + radii[1]
    assert [t.text for t in root.findall(f".//{SVG}text[@class='value']")] == ["0", "0"]
