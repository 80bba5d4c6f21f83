"""HTML report files: every report type renders as one self-contained page with its numbers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scorecards.api.dashboard.report_html import render_report_html
from scorecards.engine.loading import load_definitions
from scorecards.reports.campaigns import campaign_report
from scorecards.reports.completeness import CompletenessReport, report_from_store
from scorecards.reports.inputs import ReportInputs, read_report_inputs
from scorecards.reports.teams import biggest_improvers, leaderboard, team_report
from scorecards.reports.trends import trend_report
from scorecards.settings import Settings
from scorecards.stores.sqlite import SQLiteStore
from tests.api.conftest import DEFINITIONS
from tests.conftest import NOW
from tests.dashboard.conftest import IMPROVING_TEAM, RUNS, seed_history
from tests.dashboard.html_tree import Element, parse_html

DEFS = load_definitions(DEFINITIONS)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "scores.db"
    seed_history(path)
    return path


@pytest.fixture(scope="module")
def inputs(store_path: Path) -> ReportInputs:
    store = SQLiteStore(store_path)
    try:
        return read_report_inputs(store, with_facts=True)
    finally:
        store.close()


@pytest.fixture(scope="module")
def completeness(store_path: Path) -> CompletenessReport:
    store = SQLiteStore(store_path)
    try:
        return report_from_store(store, Settings(github_orgs="acme"))
    finally:
        store.close()


def assert_self_contained(html: str) -> Element:
    page = parse_html(html)
    assert page.find("style").text()
    assert page.find_all("script") == []
    assert page.find_all("link") == []
    assert [e for e in page.find_all() if "src" in e.attrs] == []
    for href in page.links():
        assert href.startswith("https://"), f"{href} needs a server"
    return page


def counts_of(page: Element) -> dict[str, str]:
    return {b.attrs["data-count"]: b.text() for b in page.find_all("b") if "data-count" in b.attrs}


def test_a_team_report_file_shows_each_scorecards_leaderboard_and_improvers(inputs):
    report = team_report(inputs, DEFS, NOW, since=RUNS[1] + timedelta(hours=1))
    page = assert_self_contained(render_report_html(report))
    assert len(page.find_all("section", class_="teams")) == len(DEFS.scorecards)
    section = page.find("section", id="teams-platform-adoption")
    rows = [
        r
        for r in section.find("table", class_="leaderboard").find_all("tr")
        if "data-team" in r.attrs
    ]
    expected = leaderboard(report, "platform-adoption")
    assert [r.attrs["data-team"] for r in rows] == [t.team for t in expected]
    assert [r.find("td", class_="average").text() for r in rows] == [
        f"{t.average:.1f}" for t in expected
    ]
    improvers = [
        li.attrs["data-team"] for li in section.find("ol", class_="improvers").find_all("li")
    ]
    assert improvers == [t.team for t in biggest_improvers(report, "platform-adoption")]
    assert improvers == [IMPROVING_TEAM]


def test_a_team_report_file_names_teams_without_links(inputs):
    page = parse_html(render_report_html(team_report(inputs, DEFS, NOW)))
    assert page.find_all("a") == []
    assert "payments-team" in page.find("table", class_="leaderboard").text()


def test_a_campaign_report_file_shows_its_counts_and_burn_down(inputs):
    report = campaign_report(inputs, DEFS, "platform-annotations", NOW)
    page = assert_self_contained(render_report_html(report))
    assert counts_of(page) == {
        "in_scope": str(report.counts.in_scope),
        "done": str(report.counts.done),
        "exempt": str(report.counts.exempt),
        "remaining": str(report.counts.remaining),
        "overdue": str(report.counts.overdue),
    }
    chart = page.find("svg", class_="chart")
    assert chart.find("line", class_="deadline").find("title").text() == "deadline 2027-06-30"
    remaining = [
        r
        for r in page.find("table", class_="campaign-entities").find_all("tr")
        if "data-ref" in r.attrs
    ]
    assert len(remaining) == report.counts.remaining


def test_a_campaign_report_file_says_when_the_deadline_has_passed(inputs):
    report = campaign_report(inputs, DEFS, "on-call-ready", NOW + timedelta(days=400))
    page = parse_html(render_report_html(report))
    assert report.is_past_deadline
    assert "past the deadline by" in page.find("section", class_="campaign").text()
    assert counts_of(page)["overdue"] == str(report.counts.overdue)


def test_a_trend_report_file_charts_each_scorecard_and_tabulates_first_and_last_points(inputs):
    report = trend_report(inputs, DEFS, NOW, team=IMPROVING_TEAM, scorecard_id="platform-adoption")
    page = assert_self_contained(render_report_html(report))
    (series,) = report.series
    first, last = series.points[0], series.points[-1]
    row = [r for r in page.find("table", class_="trends").find_all("tr") if r.find_all("td")]
    assert len(row) == 1
    cells = [td.text() for td in row[0].find_all("td")]
    assert cells[0] == "payments-team"
    assert cells[2:6] == [
        first.day.isoformat(),
        f"{first.average:.1f}",
        last.day.isoformat(),
        f"{last.average:.1f}",
    ]
    polyline = page.find("svg", class_="chart").find("polyline", class_="series")
    assert len(polyline.attrs["points"].split()) == len(series.points) == len(RUNS)


def test_a_completeness_report_file_lists_the_uncatalogued_repositories(completeness):
    page = assert_self_contained(render_report_html(completeness, generated_at=NOW))
    assert counts_of(page)["uncatalogued"] == "2"
    listed = [
        r.attrs["data-repository"]
        for r in page.find("table", class_="uncatalogued").find_all("tr")
        if "data-repository" in r.attrs
    ]
    assert listed == ["acme/billing-cron", "acme/sandbox"]
    assert "Generated 2026-11-25 12:00 UTC" in page.text()


def test_anything_else_is_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="no HTML rendering for dict"):
        render_report_html({"not": "a report"})  # type: ignore[arg-type]
