"""A real Backstage catalog backend for tests marked `backstage`.

The npm packages are installed once by install.sh (beside this file) into a cache
folder outside the tracked tree; each backend gets its own tmp folder holding a
CommonJS entry, an app-config (127.0.0.1, in-memory SQLite, a static
external-access token, every kind allowed) and a copy of the catalog files it
serves through file locations.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "install.sh"
KINDS = ("Component", "API", "System", "Domain", "Resource", "Group", "User", "Location")
ENTRY = textwrap.dedent(
    """\
    const { createBackend } = require('@backstage/backend-defaults');
    const backend = createBackend();
    backend.add(require('@backstage/plugin-catalog-backend'));
    backend.start();
    """
)


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None]


def install(timeout: float = 900.0, script: Path = INSTALL_SCRIPT) -> Path:
    """Run install.sh, or another cached install `script` that prints its folder last (a
    no-op when the cache is current); the folder holding node_modules."""
    process = subprocess.Popen(
        ["bash", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout can stop npm and the compiler too
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
        raise RuntimeError(f"{script} took longer than {timeout:.0f}s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{script} failed ({process.returncode}):\n{stderr[-4000:]}")
    return Path(stdout.strip().splitlines()[-1])


class BackstageBackend:
    """One catalog backend process on a loopback port, serving `catalog_files`."""

    def __init__(
        self, modules: Path, folder: Path, catalog_files: list[Path], port: int, token: str
    ) -> None:
        self.modules = modules
        self.folder = folder
        self.catalog_files = catalog_files
        self.port = port
        self.token = token
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = folder / "backend.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_files(self) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        catalog = self.folder / "catalog"
        catalog.mkdir(exist_ok=True)
        targets = []
        for source in self.catalog_files:
            copy = catalog / source.name
            shutil.copyfile(source, copy)
            targets.append(f"    - {{type: file, target: '{copy}'}}")
        (self.folder / "entry.cjs").write_text(ENTRY)
        # Backstage looks for the package root upwards from its working folder.
        (self.folder / "package.json").write_text(
            '{"name": "scorecards-backstage-test", "private": true}\n'
        )
        config = self.folder / "app-config.yaml"
        config.write_text(
            textwrap.dedent(
                f"""\
                app:
                  baseUrl: http://127.0.0.1:3000
                backend:
                  baseUrl: {self.url}
                  listen: {{host: 127.0.0.1, port: {self.port}}}
                  database: {{client: better-sqlite3, connection: ':memory:'}}
                  auth:
                    externalAccess:
                      - type: static
                        options: {{token: {self.token}, subject: scorecards-tests}}
                        accessRestrictions: [{{plugin: catalog}}]
                catalog:
                  rules:
                    - allow: [{", ".join(KINDS)}]
                  locations:
                """
            )
            + "\n".join(targets)
            + "\n"
        )
        return config

    def environment(self) -> dict[str, str]:
        """Variables for the node process beyond the defaults (a subclass's)."""
        return {}

    def start(self) -> None:
        config = self.write_files()
        env = {
            **os.environ,
            "NODE_PATH": str(self.modules / "node_modules"),
            "NODE_ENV": "development",
            "LOG_LEVEL": "warn",
            **self.environment(),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                ["node", str(self.folder / "entry.cjs"), "--config", str(config)],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_for_entities(self, refs: set[str], timeout: float = 120.0) -> set[str]:
        """Poll until the catalog serves every one of `refs`; the refs it serves then."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"Bearer {self.token}"}
        params = {"limit": "10000", "fields": "kind,metadata.name,metadata.namespace"}
        served: set[str] = set()
        with httpx.Client(base_url=self.url, headers=headers, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"the backend exited early:\n{self.log_tail()}")
                try:
                    response = client.get("/api/catalog/entities/by-query", params=params)
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200:
                    served = {_ref(item) for item in response.json()["items"]}
                    if refs <= served:
                        return served
                time.sleep(0.5)
        raise RuntimeError(
            f"after {timeout:.0f}s the catalog still lacks {sorted(refs - served)} "
            f"(a rejected entity is logged by the backend):\n{self.log_tail()}"
        )

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process = self.process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        self.process = None


def _ref(item: dict[str, Any]) -> str:
    metadata = item["metadata"]
    return f"{item['kind']}:{metadata.get('namespace', 'default')}/{metadata['name']}".lower()
