"""The dashboard's pages, read over HTTP from a real server: the numbers they show,
the links they offer, their 404 pages, and escaping of entity-controlled text."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import httpx
import pytest

from scorecards.api.dashboard.rendering import render_markdown
from scorecards.engine.loading import load_definitions
from scorecards.formats.timeutil import utcnow
from scorecards.records.results import Status
from scorecards.reports.campaigns import campaign_report
from scorecards.reports.inputs import read_report_inputs
from scorecards.stores import open_store
from tests.api.conftest import DEFINITIONS, ApiServer
from tests.conftest import NOW
from tests.dashboard.conftest import (
    EARLY_TEAM,
    IMPROVING_TEAM,
    MARKUP_DESCRIPTION,
    MARKUP_REF,
    MARKUP_TITLE,
    RUNS,
)
from tests.dashboard.html_tree import Element, parse_html

DEFS = load_definitions(DEFINITIONS)


@pytest.fixture(scope="module")
def client(dashboard: ApiServer) -> httpx.Client:
    return dashboard.client()


def get_page(client: httpx.Client, path: str, status: int = 200) -> Element:
    answer = client.get(path)
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith("text/html")
    return parse_html(answer.text)


def rows_with(element: Element, attribute: str) -> list[Element]:
    return [row for row in element.find_all("tr") if attribute in row.attrs]


def number(cell: Element) -> float:
    return float(cell.text().rstrip("%"))


def test_the_overview_shows_each_scorecards_level_counts_as_stored(client, dashboard):
    expected: dict[str, Counter[str]] = {s: Counter() for s in DEFS.scorecards}
    for evaluation in dashboard.evaluations().values():
        for card in evaluation.scorecards:
            expected[card.scorecard_id][card.level or "none"] += 1
    page = get_page(client, "/")
    for scorecard_id, scorecard in DEFS.scorecards.items():
        section = page.find("section", id=f"scorecard-{scorecard_id}")
        shown = {
            row.attrs["data-level"]: int(number(row.find("td", class_="num")))
            for row in section.find("table", class_="levels").find_all("tr")
            if "data-level" in row.attrs
        }
        levels = [level.name for level in scorecard.levels]
        assert list(shown) == [*levels, "none"]
        assert shown == {level: expected[scorecard_id][level] for level in shown}
        assert sum(shown.values()) == sum(expected[scorecard_id].values()) > 0


def test_the_overview_histogram_puts_each_score_in_its_ten_point_band(client, dashboard):
    scores = [
        card.score
        for evaluation in dashboard.evaluations().values()
        for card in evaluation.scorecards
        if card.scorecard_id == "service-maturity" and card.score is not None
    ]
    section = get_page(client, "/").find("section", id="scorecard-service-maturity")
    tips = [rect.find("title").text() for rect in section.find_all("rect", class_="bar")]
    shown = {tip.split(":")[0]: int(tip.split(": ")[1]) for tip in tips}
    for low in range(0, 100, 10):
        in_band = [s for s in scores if low <= s < low + 10 or (low == 90 and s == 100)]
        assert shown[f"{low}-{low + 10}"] == len(in_band)
    assert sum(shown.values()) == len(scores)


def test_the_overview_trend_has_a_point_per_day_with_runs(client):
    page = get_page(client, "/")
    lines = [
        svg
        for svg in page.find_all("svg")
        if svg.find_all("polyline") and "Average score by day" in svg.find("title").text()
    ]
    assert len(lines) == 1
    polylines = lines[0].find_all("polyline", class_="series")
    assert len(polylines) == len(DEFS.scorecards)
    assert {len(p.attrs["points"].split()) for p in polylines} == {len(RUNS)}


def test_the_teams_leaderboard_ranks_teams_by_size_adjusted_average_best_first(client):
    page = get_page(client, "/teams?scorecard=platform-adoption&since=2026-11-12")
    rows = rows_with(page.find("table", class_="leaderboard"), "data-team")
    ranked_by = [number(row.find("td", class_="ranked-by")) for row in rows]
    assert len(rows) > 3
    assert ranked_by == sorted(ranked_by, reverse=True)


def test_the_teams_leaderboard_says_how_it_ranks_teams(client):
    page = get_page(client, "/teams?scorecard=platform-adoption")
    catalog = page.find("section", class_="teams").find("p", class_="muted").text()
    note = page.find("p", class_="ranking-note").text()
    assert "3 entities at the catalog's average" in note
    assert catalog.split("average ")[1].split()[0] in note


def test_the_change_since_field_shows_the_day_as_the_text_beside_it_does(client):
    page = get_page(client, "/teams?scorecard=security&since=2026-11-01")
    field = page.find("input", name="since")
    assert field.attrs["type"] == "text"  # a date field would show the browser's locale
    assert field.attrs["value"] == "2026-11-01"
    assert "change since 2026-11-01" in page.find("section", class_="teams").text()


def test_the_checks_failing_most_for_a_team_are_each_kept_on_one_line(client):
    page = get_page(client, "/teams?scorecard=platform-adoption")
    cells = page.find_all("td", class_="failing-most")
    ids = [span.text() for cell in cells for span in cell.find_all("span", class_="check-id")]
    assert any("-" in check_id for check_id in ids)
    assert all(re.fullmatch(r"[a-z0-9-]+ \(\d+\)", check_id) for check_id in ids)


def test_the_team_average_on_the_leaderboard_is_the_mean_of_its_entities_scores(client, dashboard):
    store = open_store(dashboard.store_url)
    try:
        owned = {
            ref
            for ref, entity in store.get_entities(store.list_entity_refs()).items()
            if (entity.get("spec") or {}).get("owner") == IMPROVING_TEAM
        }
    finally:
        store.close()
    scores = [
        card.score
        for ref, evaluation in dashboard.evaluations().items()
        if ref in owned
        for card in evaluation.scorecards
        if card.scorecard_id == "platform-adoption" and card.score is not None
    ]
    page = get_page(client, "/teams?scorecard=platform-adoption&since=2026-11-12")
    row = page.find("tr", data_team=IMPROVING_TEAM)
    assert number(row.find("td", class_="average")) == pytest.approx(
        sum(scores) / len(scores), abs=0.05
    )


def test_the_team_that_annotated_its_components_lately_leads_the_biggest_improvers(client):
    page = get_page(client, "/teams?scorecard=platform-adoption&since=2026-11-12")
    improvers = page.find("ol", class_="improvers").find_all("li")
    assert [li.attrs["data-team"] for li in improvers] == [IMPROVING_TEAM]
    assert re.search(r"\+\d+\.\d", improvers[0].text())
    assert f"/entities?team={IMPROVING_TEAM.replace(':', '%3A').replace('/', '%2F')}" in (
        improvers[0].links()
    )


def test_a_team_link_lists_the_entities_of_that_team(client, dashboard):
    page = get_page(client, f"/entities?team={IMPROVING_TEAM}")
    refs = [row.attrs["data-ref"] for row in rows_with(page, "data-ref")]
    assert "component:default/payments-api" in refs
    assert int(page.find(id="entity-count").text()) == len(refs)


def test_the_campaign_page_shows_its_counts_and_a_burn_down_to_the_deadline(client, dashboard):
    store = open_store(dashboard.store_url)
    try:
        inputs = read_report_inputs(store, with_facts=True)
    finally:
        store.close()
    report = campaign_report(inputs, DEFS, "platform-annotations", utcnow())
    page = get_page(client, "/campaigns/platform-annotations")
    counts = {
        b.attrs["data-count"]: int(b.text()) for b in page.find_all("b") if "data-count" in b.attrs
    }
    assert counts == {
        "in_scope": report.counts.in_scope,
        "done": report.counts.done,
        "exempt": report.counts.exempt,
        "remaining": report.counts.remaining,
        "overdue": report.counts.overdue,
    }
    assert counts["in_scope"] == counts["done"] + counts["remaining"]
    remaining_rows = rows_with(page.find("table", class_="campaign-entities"), "data-ref")
    assert len(remaining_rows) == counts["remaining"]
    chart = page.find("svg", class_="chart")
    deadline = chart.find("line", class_="deadline")
    assert deadline.find("title").text() == "deadline 2027-06-30"
    remaining_line = chart.find("polyline", class_="series")
    assert len(remaining_line.attrs["points"].split()) == len(report.burndown) >= len(RUNS)


def test_the_burn_down_goes_down_as_teams_annotate_their_components(client):
    chart = get_page(client, "/campaigns/platform-annotations").find("svg", class_="chart")
    tips = [c.find("title").text() for c in chart.find_all("circle")]
    remaining = {
        date.fromisoformat(t.split(", ")[1].split(":")[0]): float(t.rsplit(": ", 1)[1])
        for t in tips
        if t.startswith("remaining, ")
    }
    by_run = [remaining[moment.date()] for moment in RUNS]
    assert by_run[0] > by_run[1] > by_run[2]


def test_improvers_since_an_earlier_day_include_the_team_that_improved_then(client):
    page = get_page(client, "/teams?scorecard=platform-adoption&since=2026-11-01")
    improvers = [li.attrs["data-team"] for li in page.find("ol", class_="improvers").find_all("li")]
    assert set(improvers) == {IMPROVING_TEAM, EARLY_TEAM}


def test_the_campaign_list_links_every_campaign(client):
    page = get_page(client, "/campaigns")
    links = page.find("table", class_="campaigns").links()
    assert sorted(links) == sorted(f"/campaigns/{c}" for c in DEFS.campaigns)


def test_the_completeness_page_lists_the_repositories_missing_from_the_catalog(client):
    page = get_page(client, "/completeness")
    counts = {
        b.attrs["data-count"]: b.text() for b in page.find_all("b") if "data-count" in b.attrs
    }
    assert counts == {
        "repositories": "4",
        "catalogued": "2",
        "uncatalogued": "2",
        "percentage": "50.0%",
    }
    table = page.find("table", class_="uncatalogued")
    missing = [row.attrs["data-repository"] for row in rows_with(table, "data-repository")]
    assert sorted(missing) == ["acme/billing-cron", "acme/sandbox"]


def test_an_entity_page_lists_each_failing_check_with_message_remediation_and_links(
    client, dashboard
):
    ref = "component:default/status-page"
    evaluation = dashboard.evaluations()[ref]
    failing = [
        r for r in evaluation.checks if r.status in (Status.FAIL, Status.ERROR, Status.UNKNOWN)
    ]
    assert failing
    page = get_page(client, "/entities/component/default/status-page")
    for result in failing:
        article = page.find("article", id=f"check-{result.check_id}")
        spec = DEFS.checks[result.check_id].spec
        assert article.find(class_="status").text() == result.status.value
        if result.message:
            assert article.find("p", class_="message").text() == " ".join(result.message.split())
        if spec.remediation:
            rendered = parse_html(render_markdown(spec.remediation)).text()
            assert article.find("div", class_="remediation").text() == f"Fix {rendered}"
        assert article.links() == [link.url for link in spec.links]


def test_an_entity_page_links_to_its_owner_and_its_scorecards(client):
    page = get_page(client, "/entities/component/default/payments-api")
    links = page.find("main").links()
    assert "/entities?owner=group%3Adefault%2Fpayments-team" in links
    assert "/entities?scorecard=service-maturity" in links


def test_an_unknown_entity_gets_a_not_found_page(client):
    page = get_page(client, "/entities/component/default/no-such-thing", status=404)
    assert "There is no entity component:default/no-such-thing" in page.find("main").text()
    assert "/entities" in page.find("main").links()


def test_an_unknown_campaign_gets_a_not_found_page_naming_the_known_ones(client):
    page = get_page(client, "/campaigns/no-such-campaign", status=404)
    assert "platform-annotations" in page.find("main").text()


def test_an_unknown_scorecard_filter_gets_a_not_found_page(client):
    get_page(client, "/entities?scorecard=nope", status=404)
    get_page(client, "/teams?scorecard=nope", status=404)


@pytest.mark.parametrize(
    "path",
    ["/entities/component/default/markup-probe", "/entities", "/campaigns/platform-annotations"],
)
def test_entity_controlled_text_is_escaped_never_markup(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    assert "<script" not in answer.text.lower()
    assert "<img" not in answer.text.lower()


def test_an_entitys_title_and_description_show_as_the_text_they_are(client):
    page = get_page(client, "/entities/component/default/markup-probe")
    assert page.find("h1").text().startswith(MARKUP_TITLE)
    assert page.find("p", class_="description").text() == MARKUP_DESCRIPTION
    assert page.find("p", class_="description").find_all() == []
    assert MARKUP_REF in page.find("h1").text()


SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def test_an_entity_page_lists_what_needs_work_most_severe_first(client):
    page = get_page(client, "/entities/component/default/status-page")
    severities = [a.attrs["data-severity"] for a in page.find_all("article", class_="check")]
    ranks = [SEVERITY_RANK[severity] for severity in severities]
    assert len(set(ranks)) > 1
    assert ranks == sorted(ranks)


def test_markdown_code_in_a_remediation_shows_as_code_not_backticks(client):
    page = get_page(client, "/entities/component/default/status-page")
    fix = page.find("article", id="check-owner-is-team").find("div", class_="remediation")
    assert [code.text() for code in fix.find_all("code")] == [
        "owner: group:default/merchant-experience"
    ]
    assert "`" not in fix.text()


def test_the_entity_page_says_when_it_was_evaluated_as_other_pages_do(client):
    page = get_page(client, "/entities/component/default/status-page")
    assert f"evaluated {NOW:%Y-%m-%d %H:%M} UTC" in page.find("main").text()
    assert "T12:00:00" not in page.find("main").text()


def test_the_overview_tallies_results_that_count_but_not_skipped_ones(client):
    page = get_page(client, "/")
    shown = [
        tile.attrs["data-status"]
        for tile in page.find_all("div", class_="stat")
        if "data-status" in tile.attrs
    ]
    assert "fail" in shown and "pass" in shown
    assert "skip" not in shown


def test_the_overview_level_legend_runs_up_the_levels_with_no_level_last(client):
    chart = get_page(client, "/").find("div", class_="card").find("svg")
    legend = [text.text() for text in chart.find_all("text")][-5:]
    assert legend == ["Adopted", "Bronze", "Silver", "Gold", "none"]


def test_a_repositorys_last_push_is_shown_to_the_minute_like_other_times(client):
    page = get_page(client, "/completeness")
    row = page.find("tr", data_repository="acme/billing-cron")
    assert row.find("td", class_="pushed-at").text() == "2026-11-20 10:00 UTC"


def test_a_mistyped_change_since_day_gets_a_page_saying_how_to_write_it(client):
    page = get_page(client, "/teams?since=11/02/2026", status=422)
    assert "write it as YYYY-MM-DD" in page.find("main").text()
