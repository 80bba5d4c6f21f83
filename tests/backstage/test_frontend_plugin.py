"""The Backstage frontend plugin (backstage/plugins/scorecards) against a live server.

A `scorecards serve` over the seeded example store (the bundled examples scored at
several times, so there is history and a campaign), with reads behind a token as
Backstage's proxy would send it. Its component tests (Jest, Backstage's
`renderInTestApp`) read that server over real HTTP and compare the card with
`scorecards score --format json`; then the card and the content render in headless
Chromium, light and dark, and the screenshots are kept under build/test-artifacts/.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.conftest import TOKEN, ApiServer, start_server
from tests.backstage.backend import BackstageBackend, missing_tools
from tests.backstage.backend import install as install_backend
from tests.backstage.frontend_plugin import HostPage, PluginCopy, install
from tests.conftest import REPO_ROOT, free_port
from tests.seeded_history import SeededHistory, seeded_history

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [
    pytest.mark.backstage,
    pytest.mark.skipif(bool(missing_tools()), reason="needs Node and npm on PATH"),
]

WITH_EXEMPTION = "component:default/api-gateway"  # provides-apis exempt until 2027-06-30
WITH_HISTORY = "component:default/notification-service"  # gained a runbook and PagerDuty
WITHOUT_SCORECARD = "resource:default/payments-db"  # no scorecard applies to resources
ENTITIES = (WITH_EXEMPTION, WITH_HISTORY, WITHOUT_SCORECARD)
ARTIFACTS = REPO_ROOT / "build" / "test-artifacts" / "backstage-plugin"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def plugin() -> Iterator[PluginCopy]:
    copy = PluginCopy(install())
    yield copy
    copy.remove()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> SeededHistory:
    return seeded_history(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, history: SeededHistory) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("plugin-server")
    store = folder / "scores.db"
    shutil.copyfile(history.store_path, store)
    api = start_server(
        folder,
        f"sqlite:///{store}",
        SCORECARDS_DEFINITIONS=str(history.definitions_folder),
        SCORECARDS_API_READ_REQUIRES_TOKEN="true",
    )
    yield api
    api.stop()


def cli_score(ref: str, server: ApiServer, history: SeededHistory) -> dict[str, Any]:
    command = [sys.executable, "-c", "from scorecards.cli import main; main()", "score", ref]
    command += ["--store", server.store_url, "--definitions", str(history.definitions_folder)]
    answer = subprocess.run(
        [*command, "--format", "json"], capture_output=True, text=True, check=True, timeout=120
    )
    score: dict[str, Any] = json.loads(answer.stdout)
    return score


@pytest.fixture(scope="module")
def expected(
    tmp_path_factory: pytest.TempPathFactory, server: ApiServer, history: SeededHistory
) -> Path:
    """`scorecards score --format json` of each entity the component tests render."""
    path = tmp_path_factory.mktemp("plugin-expected") / "expected.json"
    path.write_text(json.dumps({ref: cli_score(ref, server, history) for ref in ENTITIES}))
    return path


LABELLED_CATALOG = Path(__file__).resolve().parent / "frontend" / "labelled-catalog.yaml"
CATALOG_TOKEN = "frontend-plugin-catalog-token"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackstageBackend]:
    """A real Backstage catalog serving components with the catalog module's level labels."""
    folder = tmp_path_factory.mktemp("plugin-catalog")
    backend = BackstageBackend(
        install_backend(), folder, [LABELLED_CATALOG], free_port(), CATALOG_TOKEN
    )
    backend.start()
    try:
        names = ("gold-one", "gold-two", "silver-one", "none-one", "unscored")
        backend.wait_for_entities({f"component:default/{name}" for name in names})
        yield backend
    finally:
        backend.stop()


def test_cli_scores_cover_an_exemption_and_an_entity_without_scorecard(expected: Path) -> None:
    scores = json.loads(expected.read_text())
    assert any(c["status"] == "exempt" for c in scores[WITH_EXEMPTION]["checks"])
    assert scores[WITHOUT_SCORECARD]["scorecards"] == []


def test_plugin_type_checks(plugin: PluginCopy) -> None:
    checked = plugin.run("tsc", "-p", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_plugin_lints_clean_with_backstage_rules(plugin: PluginCopy) -> None:
    linted = plugin.run("eslint", "--max-warnings", "0", ".")
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_card_and_content_show_what_the_live_server_and_cli_say(
    plugin: PluginCopy, server: ApiServer, expected: Path, catalog: BackstageBackend
) -> None:
    tested = plugin.run(
        "jest",
        "--ci",
        "--silent",
        "--maxWorkers=2",
        # Beside the packages, so the transformed Backstage packages outlive /tmp.
        f"--cacheDirectory={plugin.cache / 'jest-cache'}",
        env={
            "SCORECARDS_TEST_URL": server.url,
            "SCORECARDS_TEST_TOKEN": TOKEN,
            "SCORECARDS_TEST_EXPECTED": str(expected),
            "SCORECARDS_TEST_DOWN_URL": f"http://127.0.0.1:{free_port()}",
            "SCORECARDS_TEST_CATALOG_URL": catalog.url,
            "SCORECARDS_TEST_CATALOG_TOKEN": CATALOG_TOKEN,
        },
    )
    output = tested.stdout + tested.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "jest.log").write_text(output)
    failures = re.findall(r"^\s*● .*$", output, re.MULTILINE)
    assert tested.returncode == 0, f"{failures} (all of it: {ARTIFACTS / 'jest.log'})"
    summary = re.search(r"^Tests:\s+(?:(\d+) failed, )?(\d+) passed", output, re.MULTILINE)
    assert summary is not None, output[-3000:]
    assert summary.group(1) is None and int(summary.group(2)) >= 29, summary.group(0)


@pytest.fixture(scope="module")
def host_page(plugin: PluginCopy, server: ApiServer) -> Iterator[HostPage]:
    page = HostPage(plugin.build_host_page(), server.url, TOKEN)
    yield page
    page.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: apt-get install -y chromium (.ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


# Every element of the card inside the card's box, and the box not scrolling sideways.
LAYOUT = """box => {
  const card = box.firstElementChild;
  const edge = card.getBoundingClientRect();
  const outside = [];
  for (const element of card.querySelectorAll('*')) {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.left < edge.left - 0.5 || rect.right > edge.right + 0.5) {
      outside.push(`${element.tagName} "${(element.textContent || '').slice(0, 40)}"`);
    }
  }
  return {
    outside,
    scrolls: card.scrollWidth > card.clientWidth + 1,
    text: card.innerText,
    rows: card.querySelectorAll('li[role=group]').length,
  };
}"""


# WCAG contrast of every piece of text against the background it is drawn on
# (translucent text blended first); the pieces under 4.5:1, with their ratio.
LOW_CONTRAST = """box => {
  const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const background = element => {
    for (let e = element; e; e = e.parentElement) {
      const color = rgba(getComputedStyle(e).backgroundColor);
      if (color[3] > 0) return color;
    }
    return [255, 255, 255, 1];
  };
  const luminance = ([r, g, b]) => {
    const linear = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const low = [];
  for (const element of box.querySelectorAll('*')) {
    const ownText = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || element.getBoundingClientRect().width === 0) continue;
    const back = background(element);
    const [r, g, b, a] = rgba(getComputedStyle(element).color);
    const fore = [r, g, b].map((c, i) => c * a + back[i] * (1 - a));
    const [light, dark] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    if (ratio < 4.5) low.push(`${element.textContent.trim().slice(0, 30)}: ${ratio.toFixed(2)}`);
  }
  return low;
}"""


def open_entity_page(
    chromium: Any, host_page: HostPage, ref: str, theme: str
) -> tuple[Page, list[str]]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{host_page.url}/?entity={ref}&theme={theme}")
    page.wait_for_selector("[data-testid=card-box] :is(ul[aria-label=Scorecards], [role=status] p)")
    page.wait_for_selector("[data-testid=content-box] :is(#scorecards-campaigns, [role=status] p)")
    page.wait_for_load_state("networkidle")
    return page, errors


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_card_and_content_render_in_chromium_without_overflow_or_console_errors(
    chromium: Any, host_page: HostPage, theme: str
) -> None:
    page, errors = open_entity_page(chromium, host_page, WITH_HISTORY, theme)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"entity-page-{theme}.png"), full_page=True)
    page.locator("[data-testid=card-box]").screenshot(path=str(ARTIFACTS / f"card-{theme}.png"))
    card = page.eval_on_selector("[data-testid=card-box]", LAYOUT)
    content = page.eval_on_selector("[data-testid=content-box]", LAYOUT)
    low_contrast = page.eval_on_selector("#root", LOW_CONTRAST)
    page.context.close()
    assert errors == []
    assert low_contrast == [], sorted(set(low_contrast))
    assert card["rows"] == 4 and page_has_rows(card["text"]), card["text"]
    assert card["outside"] == [] and not card["scrolls"], card
    assert content["outside"] == [] and not content["scrolls"], content
    assert "Campaigns" in content["text"]


def page_has_rows(text: str) -> bool:
    """The card lists at least one scorecard with a number for its score."""
    return re.search(r"^\d+(\.\d+)?$", text, re.MULTILINE) is not None


def test_skipped_checks_toggle_works_from_the_keyboard_in_chromium(
    chromium: Any, host_page: HostPage
) -> None:
    page, errors = open_entity_page(chromium, host_page, WITH_EXEMPTION, "light")
    toggle = page.get_by_role("button", name=re.compile(r"^Show skipped checks"))
    skipped = page.get_by_role("list", name=re.compile(r": skipped checks$"))
    assert skipped.count() == 0
    toggle.focus()
    page.keyboard.press("Enter")
    pressed = page.get_by_role("button", name=re.compile(r"^Hide skipped checks"))
    assert pressed.get_attribute("aria-pressed") == "true"
    assert skipped.count() > 0
    page.context.close()
    assert errors == []


def test_card_of_an_entity_without_scorecard_says_so_in_chromium(
    chromium: Any, host_page: HostPage
) -> None:
    page, errors = open_entity_page(chromium, host_page, WITHOUT_SCORECARD, "light")
    card = page.eval_on_selector("[data-testid=card-box]", LAYOUT)
    page.context.close()
    assert errors == []
    assert "No scorecard applies to this entity." in card["text"]
