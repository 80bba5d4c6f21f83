"""A remote `scorecards gate` (`--server` alone) starts with only what asking a server needs:
no engine, CEL, store, settings library or API server; and it still honours every setting.

Real subprocesses (`python -m scorecards gate`, listing the modules they imported) against
a real HTTP server on 127.0.0.1 that answers the gate question and records what it was sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scorecards.gate.decision import Decision, GateDecision, Threshold
from tests.conftest import REPO_ROOT

ASKED = ("payments-api", "--scorecard", "service-maturity", "--min-level", "Silver")
PASS = GateDecision(
    decision=Decision.PASS,
    reasons=("level Gold (score 95) is at least Silver",),
    entity_ref="component:default/payments-api",
    scorecard_id="service-maturity",
    threshold=Threshold(min_level="Silver"),
    scorecard_name="Service maturity",
    levels=("Bronze", "Silver", "Gold"),
    score=95.0,
    level="Gold",
)
# Modules a remote gate must not import: each costs start-up and none is needed to ask.
HEAVY = (
    "fastapi",
    "pydantic_settings",
    "redis",
    "celery",
    "sqlite3",
    "scorecards.api",
    "scorecards.cel",
    "scorecards.definitions",
    "scorecards.engine",
    "scorecards.settings",
    "scorecards.sources",
    "scorecards.stores",
)


class GateServer(ThreadingHTTPServer):
    """Answers `POST /api/v1/gate` with PASS and keeps the authorization header it got."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.authorizations: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer(BaseHTTPRequestHandler):
    server: GateServer

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.authorizations.append(self.headers.get("authorization"))
        body = json.dumps(PASS.to_dict()).encode()
        self.send_response(200 if self.path == "/api/v1/gate" else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[GateServer]:
    running = GateServer()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


# `python -m scorecards`, writing the modules it imported to the file named last on exit.
# (importtime would not see modules imported with importlib.import_module, as commands are.)
RUN_AND_LIST_MODULES = """
import atexit, runpy, sys
listing = sys.argv.pop()
atexit.register(lambda: open(listing, "w").write("\\n".join(sorted(sys.modules))))
runpy.run_module("scorecards", run_name="__main__", alter_sys=True)
"""


def remote_gate(
    server: GateServer, cwd: Path, **variables: str
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`python -m scorecards gate ... --server URL`, as a CI step runs it: its result and the
    modules it imported."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SCORECARDS_")}
    env |= {"PYTHONPATH": str(REPO_ROOT), "COLUMNS": "300", **variables}
    listing = cwd / "modules.txt"
    command = [sys.executable, "-c", RUN_AND_LIST_MODULES, "gate", *ASKED, "--server", server.url]
    done = subprocess.run(
        [*command, str(listing)], cwd=cwd, env=env, capture_output=True, text=True
    )
    return done, set(listing.read_text().split())


def test_a_remote_gate_imports_no_engine_store_settings_or_api(
    server: GateServer, tmp_path: Path
) -> None:
    done, imported = remote_gate(server, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS component:default/payments-api" in done.stdout
    assert "scorecards.cli.gate" in imported  # the listing is of the process that ran it
    heavy = sorted(m for m in imported if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []


def test_a_remote_gate_sends_the_token_in_scorecards_token(
    server: GateServer, tmp_path: Path
) -> None:
    done, _ = remote_gate(server, tmp_path, SCORECARDS_TOKEN="from-the-environment")

    assert done.returncode == 0, done.stdout + done.stderr
    assert server.authorizations == ["Bearer from-the-environment"]


def test_a_remote_gate_sends_the_token_in_the_settings_file(
    server: GateServer, tmp_path: Path
) -> None:
    (tmp_path / "scorecards.yaml").write_text("token: from-the-file\n")

    done, _ = remote_gate(server, tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr
    assert server.authorizations == ["Bearer from-the-file"]


def test_a_remote_gate_without_a_token_sends_no_authorization(
    server: GateServer, tmp_path: Path
) -> None:
    done, _ = remote_gate(server, tmp_path, SCORECARDS_CONFIG=os.devnull)

    assert done.returncode == 0, done.stdout + done.stderr
    assert server.authorizations == [None]


def test_a_bad_setting_still_makes_a_remote_gate_undecidable_saying_which(
    server: GateServer, tmp_path: Path
) -> None:
    done, _ = remote_gate(server, tmp_path, SCORECARDS_PORT="not-a-port")

    assert done.returncode == 2
    assert "SCORECARDS_PORT=not-a-port is invalid: port should be a valid integer" in done.stdout
    assert server.authorizations == []
