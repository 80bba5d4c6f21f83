"""The README's direct recipe in a real headless Chromium (Debian's `chromium`, driven by
Playwright): a page on the Backstage app's origin calls scorecards the way the stock
Tech Insights client does (JSON content type, bearer token), and the browser's own CORS
checks let it through only from an origin in SCORECARDS_API_CORS_ORIGINS.

The page comes from a plain HTTP server on 127.0.0.1 (a page in the loopback address
space, as Chromium's local network access rules want for calls to a loopback server);
the calls go to a real `scorecards serve`.
Skipped, with the reason, only where chromium is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.conftest import TOKEN, ApiServer, ServerFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]'")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH: apt-get install -y chromium (.ci/run does)"
)
# What TechInsightsClient sends: fetch with these headers, so the browser preflights.
CALL = """async ([url, method, token]) => {
  try {
    const response = await fetch(url, {
      method,
      headers: {'content-type': 'application/json', authorization: 'Bearer ' + token},
      body: method === 'POST' ? '{}' : undefined,
    });
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


class BlankPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Backstage</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    """Two page origins: (the Backstage app's, another)."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), BlankPage) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    app, other = (f"http://127.0.0.1:{server.server_address[1]}" for server in servers)
    yield app, other
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def allowing(server_factory: ServerFactory, origins: tuple[str, str]) -> ApiServer:
    """The README's direct recipe: reads need a token, the app's origin may call."""
    return server_factory(
        SCORECARDS_API_READ_REQUIRES_TOKEN="true", SCORECARDS_API_CORS_ORIGINS=origins[0]
    )


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


def call_from(
    chromium: Browser, origin: str, server: ApiServer, method: str, path: str
) -> dict[str, Any]:
    """Open a blank page at `origin` and let its script call `server`."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"{origin}/")
        result: dict[str, Any] = page.evaluate(CALL, [f"{server.url}{path}", method, TOKEN])
        return result
    finally:
        context.close()


def test_the_app_origin_reads_checks_from_the_browser(chromium, origins, allowing):
    result = call_from(chromium, origins[0], allowing, "GET", "/api/tech-insights/checks")
    assert result.get("status") == 200, result
    assert any(check["id"] == "has-owner" for check in result["body"])


def test_the_app_origin_runs_an_entitys_checks_from_the_browser(chromium, origins, allowing):
    path = "/api/tech-insights/checks/run/default/component/payments-api"
    result = call_from(chromium, origins[0], allowing, "POST", path)
    assert result.get("status") == 200, result
    assert result["body"] and all(isinstance(r["result"], bool) for r in result["body"])


def test_another_origin_is_stopped_by_the_browser(chromium, origins, allowing):
    result = call_from(chromium, origins[1], allowing, "GET", "/api/tech-insights/checks")
    assert "status" not in result
    assert "Failed to fetch" in result["error"]


def test_without_cors_origins_the_browser_stops_even_the_app_origin(chromium, origins, api):
    result = call_from(chromium, origins[0], api, "GET", "/api/tech-insights/checks")
    assert "status" not in result
    assert "Failed to fetch" in result["error"]
