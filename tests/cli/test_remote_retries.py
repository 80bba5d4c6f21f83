"""The remote gate's client retries a busy server by the one retry policy, and gives up
in a bounded number of attempts with a message naming the server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scorecards.cli.remote import ScorecardsServer, ServerError

FACTS = {"github": {"timestamp": "2026-11-25T12:00:00Z", "facts": {"archived": False}}}


class BusyServer(ThreadingHTTPServer):
    """Answers 503 to the first `busy` requests, then the facts."""

    def __init__(self, busy: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.busy = busy
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: BusyServer

    def do_GET(self) -> None:
        self.server.requests += 1
        if self.server.requests <= self.server.busy:
            body, status = b'{"error": "busy"}', 503
        else:
            body, status = json.dumps(FACTS).encode(), 200
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("retry-after", "0")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serving(busy: int) -> Iterator[BusyServer]:
    server = BusyServer(busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def busy_once() -> Iterator[BusyServer]:
    yield from serving(busy=1)


@pytest.fixture
def always_busy() -> Iterator[BusyServer]:
    yield from serving(busy=1_000)


def test_a_server_busy_once_is_asked_again_and_answers(busy_once: BusyServer) -> None:
    with ScorecardsServer(busy_once.url, backoff=0.01) as remote:
        facts = remote.latest_facts("component:default/payments-api", ["github"])

    assert facts["github"].values == {"archived": False}
    assert busy_once.requests == 2


def test_a_server_that_stays_busy_is_given_up_after_the_attempts_allowed(
    always_busy: BusyServer,
) -> None:
    with (
        ScorecardsServer(always_busy.url, attempts=3, backoff=0.01) as remote,
        pytest.raises(ServerError) as gave_up,
    ):
        remote.latest_facts("component:default/payments-api", ["github"])

    assert always_busy.requests == 3
    assert str(gave_up.value).startswith(
        f"cannot reach the scorecards server at {always_busy.url} (HTTP 503; gave up after 3 attempts)"
    )
