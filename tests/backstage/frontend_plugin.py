"""The Backstage frontend plugin (backstage/plugins/scorecards) under test.

install.sh (in frontend/ beside this file) installs its tools and Backstage packages
into a cache folder; `PluginCopy` copies the plugin's sources into a fresh folder
inside that cache, where Node finds the packages (the tracked tree gets no
node_modules), and runs the tools there. `HostPage` serves the plugin's dev page and
forwards `/api/proxy/scorecards/*` to a scorecards server with a token, as
Backstage's proxy does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.backstage.backend import install as install_script
from tests.conftest import REPO_ROOT

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "frontend" / "install.sh"
PLUGIN = REPO_ROOT / "backstage" / "plugins" / "scorecards"
PLUGIN_PARTS = (
    "package.json",
    "tsconfig.json",
    "jest.config.js",
    "eslint.config.mjs",
    "src",
    "dev",
)
PROXY_PREFIX = "/api/proxy/scorecards"


def install() -> Path:
    """Run frontend/install.sh (a no-op when the cache is current); the folder holding node_modules."""
    return install_script(script=INSTALL_SCRIPT)


class PluginCopy:
    """The plugin's sources in a folder of their own under the tool cache."""

    def __init__(self, cache: Path) -> None:
        runs = cache / "runs"
        runs.mkdir(exist_ok=True)
        self.cache = cache
        self.folder = Path(tempfile.mkdtemp(prefix="plugin-", dir=runs))
        for part in PLUGIN_PARTS:
            source = PLUGIN / part
            if source.is_dir():
                shutil.copytree(source, self.folder / part)
            else:
                shutil.copyfile(source, self.folder / part)

    def run(
        self, tool: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """A tool from the cache's node_modules/.bin, run in the copy; output as text,
        with the copy's paths shown as the plugin's own."""
        environment = {**os.environ, "CI": "true", "FORCE_COLOR": "0", **(env or {})}
        completed = subprocess.run(
            [str(self.cache / "node_modules" / ".bin" / tool), *args],
            cwd=self.folder,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        plugin = str(PLUGIN.relative_to(REPO_ROOT))
        completed.stdout = completed.stdout.replace(str(self.folder), plugin)
        completed.stderr = completed.stderr.replace(str(self.folder), plugin)
        return completed

    def build_host_page(self) -> Path:
        """dev/host.tsx bundled by esbuild (production React), beside dev/index.html."""
        out = self.folder / "out"
        built = self.run(
            "esbuild",
            "dev/host.tsx",
            "--bundle",
            "--minify",
            "--jsx=automatic",
            "--define:process.env.NODE_ENV='production'",
            "--loader:.svg=file",
            "--loader:.css=empty",
            "--log-level=warning",
            f"--outfile={out / 'host.js'}",
        )
        if built.returncode != 0:
            raise RuntimeError(f"esbuild failed:\n{built.stdout}{built.stderr}")
        shutil.copyfile(self.folder / "dev" / "index.html", out / "index.html")
        return out

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class HostPage:
    """Serves a built host page on 127.0.0.1 and forwards the proxy path to `api_url`."""

    def __init__(self, folder: Path, api_url: str, token: str) -> None:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith(PROXY_PREFIX + "/"):
                    page.forward(self)
                else:
                    page.serve_file(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.folder = folder
        self.api = httpx.Client(
            base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def forward(self, request: BaseHTTPRequestHandler) -> None:
        answer = self.api.get(request.path.removeprefix(PROXY_PREFIX))
        body = answer.content
        request.send_response(answer.status_code)
        request.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def serve_file(self, request: BaseHTTPRequestHandler) -> None:
        name = request.path.split("?", 1)[0].lstrip("/") or "index.html"
        path = (self.folder / name).resolve()
        if path.parent != self.folder.resolve() or not path.is_file():
            request.send_error(404)
            return
        body = path.read_bytes()
        kind = "text/html" if path.suffix == ".html" else "text/javascript"
        request.send_response(200)
        request.send_header("Content-Type", f"{kind}; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.api.close()
