"""Real API servers for the API tests: `scorecards serve` subprocesses on 127.0.0.1.

Each server reads its own SQLite file, seeded by an embedded run over the bundled
examples (catalog, fact files, check packs) at the fixed test clock.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.results import EntityEvaluation
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores import open_store
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW, REPO_ROOT, free_port

TOKEN = "test-token-4f1d0c2e9b"
OTHER_TOKEN = "second-token-77aa31"
CATALOG = REPO_ROOT / "examples" / "catalog"
FACTS = REPO_ROOT / "examples" / "facts"
DEFINITIONS = REPO_ROOT / "checks"
STARTUP_SECONDS = 60.0
BACKSTAGE_ORIGIN = "https://backstage.example.com"


def seed_store(path: Path) -> None:
    """An embedded run over the bundled examples, as `scorecards run` does it, at NOW."""
    definitions = load_definitions(DEFINITIONS)
    entities = load_catalog_files(CATALOG)
    facts = [*catalog_facts(entities, NOW), *load_fact_files(FACTS, NOW)]
    store = SQLiteStore(path)
    try:
        run_in_process(store, definitions, entities, facts, NOW)
    finally:
        store.close()


@dataclass
class ApiServer:
    url: str
    store_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def store_path(self) -> Path:
        """The file of a server on a SQLite store."""
        assert self.store_url.startswith("sqlite:///"), self.store_url
        return Path(self.store_url.removeprefix("sqlite:///"))

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def evaluations(self) -> dict[str, EntityEvaluation]:
        """What the store holds, read directly (what the API should serve)."""
        store = open_store(self.store_url)
        try:
            return store.latest_evaluations()
        finally:
            store.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(
    folder: Path, store_url: str, port: int | None = None, /, **environment: str
) -> ApiServer:
    """`scorecards serve` on `port` (default: a free loopback port); returns once /healthz answers."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env.update(
        SCORECARDS_CONFIG=str(folder / "no-config.yaml"),
        SCORECARDS_STORE_URL=store_url,
        SCORECARDS_DEFINITIONS=str(DEFINITIONS),
        SCORECARDS_CATALOG=str(CATALOG),
        SCORECARDS_FACTS=str(FACTS),
        SCORECARDS_API_TOKENS=f"{TOKEN},{OTHER_TOKEN}",
        # Should a check pack ever define a GitHub source, runs must not leave the machine.
        SCORECARDS_GITHUB_API_URL="http://127.0.0.1:9",
    )
    env.update(environment)
    log_path = folder / f"server-{port}.log"
    command = [sys.executable, "-c", "from scorecards.cli import main; main()", "serve"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ApiServer(f"http://127.0.0.1:{port}", store_url, log_path, process)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"scorecards serve exited with {process.returncode}:\n{server.log()}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"scorecards serve did not answer within {STARTUP_SECONDS}s:\n{server.log()}"
    )


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding one embedded run of the examples; copy it before writing."""
    path = tmp_path_factory.mktemp("seed") / "scores.db"
    seed_store(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


ServerFactory = Callable[..., ApiServer]


@pytest.fixture(scope="session")
def server_factory(
    tmp_path_factory: pytest.TempPathFactory, seeded_store: Path
) -> Iterator[ServerFactory]:
    """Start a server on a private copy of the seeded store; stopped at the end of the session."""
    servers: list[ApiServer] = []

    def start(**environment: str) -> ApiServer:
        folder = tmp_path_factory.mktemp("server")
        store_path = folder / "scores.db"
        shutil.copyfile(seeded_store, store_path)
        server = start_server(folder, f"sqlite:///{store_path}", **environment)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def api(server_factory: ServerFactory) -> ApiServer:
    """The read-only server most tests share: tokens configured, reads open."""
    return server_factory()


@pytest.fixture(scope="session")
def writable(server_factory: ServerFactory) -> ApiServer:
    """The server tests that push facts or start runs share; others must not rely on it."""
    return server_factory()


@pytest.fixture(scope="session")
def configured(server_factory: ServerFactory) -> ApiServer:
    """A server with the optional settings on: reads need a token, pushes may name new
    entities, and the Backstage app at BACKSTAGE_ORIGIN may call it from the browser."""
    return server_factory(
        SCORECARDS_API_READ_REQUIRES_TOKEN="true",
        SCORECARDS_API_PUSH_UNKNOWN_ENTITIES="true",
        SCORECARDS_API_CORS_ORIGINS=f"{BACKSTAGE_ORIGIN}, http://localhost:3000",
    )
