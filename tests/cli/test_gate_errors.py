"""`scorecards gate` when it cannot decide: exit 2 (never 1, never a traceback), the reason in
one line, and the `--output` report written all the same.

Real subprocesses and a real SQLite store, as tests/cli/test_gate_cli.py; the server
that answers about something else is a plain HTTP server on 127.0.0.1 replaying a
recorded answer of a real gate.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli.test_gate_cli import gate, seed_store
from tests.conftest import NOW, free_port


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed_store(tmp_path_factory.mktemp("gate-errors") / "scores.db", NOW)


@pytest.fixture(scope="module")
def damaged_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file whose pages after the first hold garbage."""
    path = tmp_path_factory.mktemp("damaged") / "scores.db"
    seed_store(path, NOW)
    with path.open("r+b") as file:
        file.seek(4096)
        file.write(bytes(range(256)) * ((path.stat().st_size - 4096) // 256))
    return f"sqlite:///{path}"


def undecidable_reason(report: Path) -> str:
    """The reason a JUnit gate report gives for not deciding."""
    (error,) = ET.parse(report).getroot().iter("error")
    assert error.get("type") == "undecidable"
    return str(error.get("message"))


def why(stdout: str) -> list[str]:
    return [line.removeprefix("  why:").strip() for line in stdout.splitlines() if "why:" in line]


# ------------------------------------------------------------------ every outcome writes its report

OUTCOMES = {
    # name: (entity, options, environment, what the reason says)
    "both thresholds": (
        "payments-api",
        ["--min-level", "Silver", "--min-score", "60"],
        {},
        "give exactly one threshold",
    ),
    "no threshold": ("payments-api", [], {}, "give exactly one threshold"),
    "score out of range": (
        "payments-api",
        ["--min-score", "150"],
        {},
        "--min-score 150 is not a score",
    ),
    "unreadable max age": (
        "payments-api",
        ["--min-level", "Silver", "--max-age", "soon"],
        {},
        "'soon' is not a duration",
    ),
    "absurd max age": (
        "payments-api",
        ["--min-level", "Silver", "--max-age", "99999999999d"],
        {},
        "max age '99999999999d' is longer than 5200w",
    ),
    "malformed entity ref": (
        "component:/payments-api",
        ["--min-level", "Silver"],
        {},
        "entity ref 'component:/payments-api' is malformed",
    ),
    "timeout out of range": (
        "payments-api",
        ["--min-level", "Silver", "--timeout", "0"],
        {},
        "--timeout 0 is out of range",
    ),
    "invalid setting": (
        "payments-api",
        ["--min-level", "Silver"],
        {"SCORECARDS_PORT": "99999"},
        "SCORECARDS_PORT=99999 is invalid",
    ),
    "unreachable Redis store": (
        "payments-api",
        ["--min-level", "Silver", "--store", f"redis://127.0.0.1:{free_port()}/0"],
        {},
        "cannot reach the Redis store",
    ),
    "malformed server URL": (
        "payments-api",
        ["--min-level", "Silver", "--server", "http://[::1"],
        {},
        "--server 'http://[::1' is not a server URL",
    ),
}


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_a_gate_that_cannot_decide_exits_2_and_still_writes_its_report(
    outcome: str, tmp_path: Path, store_url: str
) -> None:
    entity, options, environment, reason = OUTCOMES[outcome]
    report = tmp_path / "reports" / "gate.xml"
    store = [] if "--store" in options else ["--store", store_url]

    done = gate(
        entity, *options, *store, "--format", "junit", "--output", str(report),
        cwd=tmp_path, **environment,
    )  # fmt: skip

    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert reason in undecidable_reason(report)
    assert any(reason in line for line in why(done.stdout))


def test_a_damaged_store_makes_the_gate_undecidable_with_a_report(
    tmp_path: Path, damaged_store: str
) -> None:
    report = tmp_path / "gate.sarif"

    done = gate(
        "payments-api", "--min-level", "Silver", "--format", "sarif", "--output", str(report),
        cwd=tmp_path, store=damaged_store,
    )  # fmt: skip

    assert done.returncode == 2, done.stdout + done.stderr
    (result,) = json.loads(report.read_text())["runs"][0]["results"]
    assert "is damaged (database disk image is malformed)" in result["message"]["text"]


def test_bad_input_to_the_gate_is_also_one_line_on_stderr(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "payments-api", "--min-level", "Silver", "--max-age", "99999999999d",
        cwd=tmp_path, store=store_url,
    )  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: max age '99999999999d' is longer than 5200w — "
        "give how old results may be, e.g. 1d or 12h"
    ]


# ------------------------------------------------------------------ a server answering another question


class Replay(BaseHTTPRequestHandler):
    """Answers every gate request with the same recorded answer, as a stale cache would."""

    answer = b"{}"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def replaying_server(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[str]:
    """A server that answers every gate with payments-api's PASS on readiness."""
    recorded = gate(
        "payments-api", "--min-level", "Silver", "--format", "json",
        cwd=tmp_path_factory.mktemp("record"), store=store_url,
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stdout
    handler = type("RecordedPass", (Replay,), {"answer": recorded.stdout.encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_pass_for_another_entity_cannot_decide(
    tmp_path: Path, replaying_server: str
) -> None:
    done = gate("checkout-web", "--min-level", "Silver", "--server", replaying_server, cwd=tmp_path)

    assert done.returncode == 2, done.stdout
    (reason,) = why(done.stdout)
    assert reason == (
        f"{replaying_server}/api/v1/gate did not answer the question asked: the answer is "
        "about component:default/payments-api and scorecard 'readiness', not "
        "component:default/checkout-web and scorecard 'readiness' — check --server "
        "(a proxy or cache in front of it?)"
    )


def test_a_server_pass_for_another_scorecard_cannot_decide(
    tmp_path: Path, replaying_server: str
) -> None:
    done = gate(
        "payments-api", "--min-level", "Silver", "--server", replaying_server,
        "--scorecard", "security", cwd=tmp_path,
    )  # fmt: skip

    assert done.returncode == 2, done.stdout
    assert (
        "the answer is about component:default/payments-api and scorecard 'readiness', "
        "not component:default/payments-api and scorecard 'security'"
    ) in done.stdout


def test_a_server_pass_for_a_lower_threshold_cannot_decide(
    tmp_path: Path, replaying_server: str
) -> None:
    done = gate("payments-api", "--min-level", "Gold", "--server", replaying_server, cwd=tmp_path)

    assert done.returncode == 2, done.stdout
    assert "the answer judges level Silver or better, not level Gold or better" in done.stdout
