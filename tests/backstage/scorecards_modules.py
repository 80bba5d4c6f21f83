"""A real Backstage backend with our modules added (backstage/plugins, built by
modules/install.sh), for tests/backstage/test_catalog_module.py and
test_tech_insights_module.py.

The catalog backend of backend.py, from the modules' own install: its entry adds the
given features (our modules with `backend.add(import(...))`, as the README says) and its
app-config is backend.py's merged with the test's sections.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.backstage.backend import BackstageBackend, install, missing_tools

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "modules" / "install.sh"
CATALOG_MODULE = "@scorecards/backstage-plugin-catalog-backend-module-scorecards"
TECH_INSIGHTS_MODULE = "@scorecards/backstage-plugin-tech-insights-backend-module-scorecards"
# The variable app-config reads the scorecards token from, as the README's recipe has it.
TOKEN_VARIABLE = "SCORECARDS_API_TOKEN"


def built_modules() -> Path:
    """The folder modules/install.sh installed and built our modules in; skips the test
    when Node or npm is missing."""
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found: our Backstage modules and the real backends "
            "they run in need Node.js (20 or later) and npm"
        )
    return install(script=INSTALL_SCRIPT)


class ModulesBackend(BackstageBackend):
    """Backstage with `features` (JavaScript expressions for `backend.add`) and more app-config."""

    def __init__(
        self,
        modules: Path,
        folder: Path,
        catalog_files: list[Path],
        port: int,
        token: str,
        *,
        features: list[str],
        config: dict[str, Any],
        scorecards_token: str,
    ) -> None:
        super().__init__(modules, folder, catalog_files, port, token)
        self.features = features
        self.config = config
        self.scorecards_token = scorecards_token

    def write_files(self) -> Path:
        path = super().write_files()
        lines = [
            "const { createBackend } = require('@backstage/backend-defaults');",
            "const backend = createBackend();",
            *(f"backend.add({feature});" for feature in self.features),
            "backend.start();",
        ]
        (self.folder / "entry.cjs").write_text("\n".join(lines) + "\n")
        # import() ignores NODE_PATH: it finds packages in a node_modules beside the entry.
        link = self.folder / "node_modules"
        if not link.exists():
            link.symlink_to(self.modules / "node_modules", target_is_directory=True)
        merged = deep_merge(yaml.safe_load(path.read_text()), self.config)
        path.write_text(yaml.safe_dump(merged, sort_keys=False))
        return path

    def environment(self) -> dict[str, str]:
        return {TOKEN_VARIABLE: self.scorecards_token, "LOG_LEVEL": "info"}

    @property
    def catalog_folder(self) -> Path:
        """Where the catalog files this backend reads are (edit them to change the catalog)."""
        return self.folder / "catalog"

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def entities(self, *filters: str) -> dict[str, dict[str, Any]]:
        """The catalog's entities by lower-case ref, through /entities/by-query, every page."""
        found: dict[str, dict[str, Any]] = {}
        params = httpx.QueryParams([*(("filter", f) for f in filters), ("limit", "200")])
        with self.client() as client:
            while True:
                response = client.get("/api/catalog/entities/by-query", params=params)
                response.raise_for_status()
                body = response.json()
                for item in body["items"]:
                    metadata = item["metadata"]
                    ref = (
                        f"{item['kind']}:{metadata.get('namespace', 'default')}/{metadata['name']}"
                    )
                    found[ref.lower()] = item
                cursor = body["pageInfo"].get("nextCursor")
                if not cursor:
                    return found
                params = httpx.QueryParams({"cursor": cursor})

    def wait_until(self, what: str, holds: Any, timeout: float = 120.0) -> Any:
        """Poll `holds()` until it returns something truthy; that value."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the backend exited early:\n{self.log_tail()}")
            try:
                last = holds()
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(0.5)
        raise AssertionError(f"after {timeout:.0f}s, {what} (last: {last!r}):\n{self.log_tail()}")


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` laid over it: maps merge, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
