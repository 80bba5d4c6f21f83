"""Shared fixtures: a fixed clock, definitions folders written from text, stores."""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions

# PostgreSQL fixtures (a database per session, a schema per test) for every folder.
pytest_plugins = ["tests.postgresql_server"]

REPO_ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


WriteDefinitions = Callable[..., Path]


@pytest.fixture
def write_definitions(tmp_path: Path) -> WriteDefinitions:
    """Write YAML texts (dedented) as files of a definitions folder: name=text."""

    def write(**files: str) -> Path:
        folder = tmp_path / "definitions"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text))
        return folder

    return write


@pytest.fixture
def load(write_definitions: WriteDefinitions) -> Callable[..., Definitions]:
    """Write and load definitions in one step."""

    def load_texts(**files: str) -> Definitions:
        return load_definitions(write_definitions(**files), now=NOW)

    return load_texts


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A private redis-server on a free loopback port, in its own folder."""

    def __init__(self, folder: Path, appendonly: bool = False) -> None:
        self.folder = folder
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import shutil
        import time

        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: apt-get install -y redis-server")
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "always",
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self, kill: bool = False) -> None:
        process = self.process
        if process is not None:
            if kill:
                process.kill()
            else:
                process.terminate()
            process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One private redis-server for the whole test session (never the shared 6379)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()
