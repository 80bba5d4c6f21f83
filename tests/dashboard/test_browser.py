"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright):
pages load without console errors, charts render, links lead to working pages.

Skipped, with the reason, only where chromium is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import ApiServer
from tests.dashboard.conftest import IMPROVING_TEAM

if TYPE_CHECKING:
    from playwright.sync_api import Browser as Chromium

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH: apt-get install -y chromium (.ci/run does)"
)
PAGES = [
    "/",
    "/teams",
    "/teams?scorecard=security&since=2026-11-01",
    "/campaigns",
    "/campaigns/platform-annotations",
    "/completeness",
    "/entities",
    "/entities/component/default/status-page",
]
CRAWL_LIMIT = 45  # pages a crawl visits; every kind of page is reached well before


class Browser:
    """One Chromium for the module; `visit` opens a page and records its console errors."""

    def __init__(self, base_url: str, browser: Chromium) -> None:
        self.base_url = base_url
        self.browser = browser
        self.context = browser.new_context(viewport={"width": 1366, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.errors.append(f"{self.page.url}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))

    def visit(self, path: str) -> int:
        response = self.page.goto(self.base_url + path)
        assert response is not None
        return int(response.status)

    def internal_links(self) -> list[str]:
        hrefs: list[str] = self.page.eval_on_selector_all(
            "a[href]", "elements => elements.map(e => e.getAttribute('href'))"
        )
        return [h for h in hrefs if h.startswith("/") and not h.startswith(("/docs", "/api/"))]


@pytest.fixture(scope="module")
def browser(dashboard: ApiServer) -> Iterator[Browser]:
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield Browser(dashboard.url, chromium)
        finally:
            chromium.close()


@pytest.fixture(autouse=True)
def fresh_errors(browser: Browser) -> None:
    browser.errors.clear()


@pytest.mark.parametrize("path", PAGES)
def test_each_page_loads_without_console_errors(browser, path):
    assert browser.visit(path) == 200
    assert browser.page.locator("main h1").count() == 1
    assert browser.errors == []


@pytest.mark.parametrize(
    "path",
    ["/", "/teams", "/campaigns/platform-annotations", "/completeness", PAGES[-1]],
)
def test_charts_render_with_a_size_and_an_accessible_name(browser, path):
    browser.visit(path)
    charts = browser.page.locator("svg.chart")
    assert charts.count() >= 1
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20
        assert chart.locator("title").first.text_content()
    assert browser.errors == []


def test_the_overview_histogram_bars_are_drawn_with_height(browser):
    browser.visit("/")
    bars = browser.page.locator("#scorecard-service-maturity rect.bar")
    heights = [bars.nth(i).bounding_box() for i in range(bars.count())]
    assert bars.count() == 10
    assert any(box is not None and box["height"] > 5 for box in heights)


def test_clicking_from_the_overview_to_a_team_to_an_entity_and_its_owner(browser):
    page = browser.page
    browser.visit("/")
    page.get_by_role("navigation").get_by_role("link", name="Teams").click()
    page.wait_for_url("**/teams")
    page.locator(f'tr[data-team="{IMPROVING_TEAM}"] a').first.click()
    page.wait_for_url("**/entities?team=*")
    assert page.locator("#entity-count").inner_text() != "0"
    page.locator('tr[data-ref="component:default/payments-api"] td a').first.click()
    page.wait_for_url("**/entities/component/default/payments-api")
    assert "payments-api" in page.locator("main h1").inner_text()
    page.locator("main p a", has_text="payments-team").first.click()
    page.wait_for_url("**/entities?owner=*")
    assert page.locator('tr[data-ref="component:default/payments-api"]').count() == 1
    assert browser.errors == []


def test_every_link_followed_from_the_overview_leads_to_a_page_that_loads(browser):
    queue, seen, failures = deque(["/"]), {"/"}, []
    visited = 0
    kinds: set[str] = set()
    while queue and visited < CRAWL_LIMIT:
        path = queue.popleft()
        status = browser.visit(path)
        visited += 1
        if status != 200:
            failures.append(f"{path}: {status}")
            continue
        kinds.add(urlsplit(path).path.split("/")[1] if path != "/" else "")
        for link in browser.internal_links():
            if link not in seen:
                seen.add(link)
                queue.append(link)
    assert failures == []
    assert browser.errors == []
    assert {"", "teams", "campaigns", "completeness", "entities"} <= kinds


def test_a_screenshot_of_the_overview_is_saved(browser, tmp_path: Path):
    browser.visit("/")
    target = tmp_path / "overview.png"
    browser.page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes().startswith(b"\x89PNG")
    assert target.stat().st_size > 10_000


SCREENSHOT_WIDTH = 1400  # as an engineering manager's laptop shows it


def dashboard_screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots are kept for review: the run's pytest temp folder, not the repo."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize(
    "name, path",
    [
        ("overview", "/"),
        ("teams", "/teams"),
        ("campaign", "/campaigns/platform-annotations"),
        ("completeness", "/completeness"),
        ("entity", "/entities/component/default/status-page"),
    ],
)
def test_a_full_page_screenshot_at_1400px_is_kept_for_review(browser, tmp_path_factory, name, path):
    folder = dashboard_screenshots(tmp_path_factory)
    browser.page.set_viewport_size({"width": SCREENSHOT_WIDTH, "height": 900})
    try:
        browser.visit(path)
        target = folder / f"{name}.png"
        browser.page.screenshot(path=str(target), full_page=True)
    finally:
        browser.page.set_viewport_size({"width": 1366, "height": 900})
    assert target.read_bytes().startswith(b"\x89PNG")
    assert browser.errors == []


def test_what_needs_work_on_an_entity_page_reads_most_severe_first(browser):
    browser.visit("/entities/component/default/status-page")
    cards = browser.page.locator("article.check")
    shown = []
    for index in range(cards.count()):
        box = cards.nth(index).bounding_box()
        assert box is not None
        shown.append((box["y"], cards.nth(index).get_attribute("data-severity")))
    ranks = [["critical", "high", "medium", "low"].index(s or "") for _, s in sorted(shown)]
    assert len(set(ranks)) > 1
    assert ranks == sorted(ranks)


def test_a_failing_checks_fix_text_is_in_ordinary_ink_with_the_card_marked_by_its_edge(browser):
    browser.visit("/entities/component/default/status-page")
    page = browser.page
    ink = page.evaluate("getComputedStyle(document.body).color")
    card = page.locator("article.check-fail").first
    fix = card.locator(".fix-text")
    assert fix.evaluate("e => getComputedStyle(e).color") == ink
    assert card.locator(".message").evaluate("e => getComputedStyle(e).color") == ink
    edge = card.evaluate("e => getComputedStyle(e).borderLeftColor")
    assert edge != card.evaluate("e => getComputedStyle(e).borderTopColor")


def test_markdown_code_in_a_remediation_renders_in_a_monospace_font(browser):
    browser.visit("/entities/component/default/status-page")
    code = browser.page.locator("#check-owner-is-team .remediation code")
    assert code.inner_text() == "owner: group:default/merchant-experience"
    assert "mono" in code.evaluate("e => getComputedStyle(e).fontFamily")
    assert "`" not in browser.page.locator("#check-owner-is-team").inner_text()


@pytest.mark.parametrize(
    "path", ["/", "/teams", "/campaigns/platform-annotations", "/completeness", PAGES[-1]]
)
def test_every_chart_fills_the_width_of_its_card(browser, path):
    browser.visit(path)
    charts = browser.page.locator(".card svg.chart")
    assert charts.count() >= 1
    for index in range(charts.count()):
        chart = charts.nth(index)
        room = chart.evaluate(
            "e => { const c = e.closest('.card'); const s = getComputedStyle(c);"
            " return c.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"
        )
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] >= 0.98 * room, (path, index, box["width"], room)
        # drawn near the size it is shown at, so its text is neither tiny nor huge
        drawn = float(chart.get_attribute("width") or 0)
        assert 0.75 <= box["width"] / drawn <= 1.25, (path, index, box["width"], drawn)


def test_check_ids_failing_most_for_a_team_are_never_broken_across_lines(browser):
    browser.visit("/teams?scorecard=platform-adoption")
    ids = browser.page.locator("td.failing-most .check-id")
    assert ids.count() > 3
    lines = ids.evaluate_all("spans => spans.map(s => s.getClientRects().length)")
    assert set(lines) == {1}


def test_the_change_since_field_shows_the_iso_day_the_page_text_uses(browser):
    browser.visit("/teams?scorecard=security&since=2026-11-01")
    field = browser.page.locator("input[name=since]")
    assert field.input_value() == "2026-11-01"
    assert field.evaluate("e => e.type") == "text"
    assert "change since 2026-11-01" in browser.page.locator("section.teams").inner_text()


def test_the_api_docs_render_with_the_network_cut_off_but_for_this_machine(
    browser, dashboard: ApiServer, tmp_path_factory
):
    context = browser.browser.new_context(viewport={"width": 1400, "height": 900})
    refused: list[str] = []

    def only_loopback(route, request) -> None:
        if urlsplit(request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_loopback)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(dashboard.url + "/docs")
        operations = page.locator(".swagger-ui .opblock")
        operations.first.wait_for(state="visible", timeout=15_000)
        assert operations.count() > 20
        assert "scorecards" in page.locator(".swagger-ui .info .title").inner_text()
        folder = dashboard_screenshots(tmp_path_factory)
        page.screenshot(path=str(folder / "docs-offline.png"), full_page=True)
        assert refused == []
        assert errors == []
    finally:
        context.close()
