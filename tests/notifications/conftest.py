"""Local stand-ins for where notifications go, and a small catalog to score.

`receiver`: an HTTP server on 127.0.0.1 answering as Slack's incoming webhooks do
(`200 ok`), or as a test scripts it per path (a 500 first, a 429 with Retry-After),
recording every request's path, headers and raw body. `smtp`: aiosmtpd's server,
collecting every message. `scenario`: definitions with notification rules written
from text, two teams (payments: a Slack channel and an email address; search: a
Slack channel only; infra: neither) and their components, scored by real in-process
runs into a SQLite store.
"""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.runs import Run
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW, free_port


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        """The raw body as text, to look for content in."""
        return self.body.decode()


@dataclass
class Receiver:
    url: str
    requests: list[Request] = field(default_factory=list)
    # path -> answers (status, body, headers) in turn; the last one repeats.
    scripts: dict[str, list[tuple[int, str, dict[str, str]]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *answers: tuple[int, str, dict[str, str]]) -> None:
        self.scripts[path] = list(answers)

    def answer(self, path: str) -> tuple[int, str, dict[str, str]]:
        with self.lock:
            answers = self.scripts.get(path)
            if not answers:
                return 200, "ok", {"Content-Type": "text/html"}  # what Slack answers
            return answers.pop(0) if len(answers) > 1 else answers[0]

    def delivered(self, path: str | None = None) -> list[Request]:
        """The requests the receiver accepted (2xx), to `path` when given."""
        return [
            r for r in self.requests if 200 <= r.status < 300 and (path is None or r.path == path)
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PATCH(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, text, headers = state.answer(self.path)
            with state.lock:
                state.requests.append(
                    Request(self.command, self.path, dict(self.headers), body, status)
                )
            payload = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []  # sender, recipients, message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd calls it so
        message = message_from_bytes(envelope.content)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class Smtp:
    port: int
    mailbox: Mailbox


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield Smtp(port, mailbox)
    controller.stop()


CHECKS = """
checks:
  - id: has-pagerduty
    name: PagerDuty service linked
    severity: critical
    applies: entity.kind == "Component"
    rule: '"pagerduty.com/service-id" in entity.metadata.annotations'
    remediation: Add the pagerduty.com/service-id annotation to catalog-info.yaml.
    links:
      - title: PagerDuty guide
        url: https://wiki.example.com/pagerduty
  - id: has-description
    name: Has a description
    severity: low
    applies: entity.kind == "Component"
    rule: has(entity.metadata.description)
scorecards:
  - id: readiness
    name: Production readiness
    applies: entity.kind == "Component"
    checks: [has-pagerduty, has-description]
    levels:
      - name: Bronze
        checks: [has-description]
      - name: Gold
        checks: [has-pagerduty]
"""


def group(name: str, channel: str | None = None, email: str | None = None) -> dict[str, Any]:
    annotations = {"slack.com/channel": channel} if channel else {}
    spec: dict[str, Any] = {"type": "team", "children": []}
    if email:
        spec["profile"] = {"email": email}
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Group",
        "metadata": {"name": name, "annotations": annotations},
        "spec": spec,
    }


def component(name: str, owner: str, *, pagerduty: bool = True) -> dict[str, Any]:
    annotations = {"pagerduty.com/service-id": "P123"} if pagerduty else {}
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "description": f"The {name}", "annotations": annotations},
        "spec": {"type": "service", "lifecycle": "production", "owner": owner},
    }


GROUPS = [
    group("payments", channel="#payments", email="payments@example.com"),
    group("search", channel="#search"),
    group("infra"),
]


@dataclass
class Scenario:
    """Definitions with notification rules and a store, scored run after run."""

    folder: Path
    store: SQLiteStore
    definitions: Definitions
    runs: list[Run] = field(default_factory=list)

    def score(self, components: Sequence[dict[str, Any]], at: datetime) -> Run:
        run = run_in_process(self.store, self.definitions, [*GROUPS, *components], [], at)
        self.runs.append(run)
        return run


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Iterator[Any]:
    """scenario(notifications_yaml, extra_yaml="") -> a Scenario; webhook URLs point at `receiver`."""
    for name in ("payments", "search", "platform", "hook"):
        monkeypatch.setenv(f"TEST_WEBHOOK_{name.upper()}", f"{receiver.url}/hooks/{name}")
    opened: list[SQLiteStore] = []

    def make(notifications: str, extra: str = "") -> Scenario:
        folder = tmp_path / "definitions"
        folder.mkdir(exist_ok=True)
        (folder / "checks.yaml").write_text(CHECKS)
        (folder / "extra.yaml").write_text(textwrap.dedent(extra))
        (folder / "notifications.yaml").write_text(textwrap.dedent(notifications))
        store = SQLiteStore(tmp_path / "store.db")
        opened.append(store)
        return Scenario(folder, store, load_definitions(folder, now=NOW))

    yield make
    for store in opened:
        store.close()


def hours(count: float) -> datetime:
    return NOW + timedelta(hours=count)
