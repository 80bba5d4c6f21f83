"""A GitHub REST API stand-in on 127.0.0.1, serving recorded responses from tests/data/github/.

`repos/acme/x.json` answers GET /repos/acme/x with 200; `x.404.json` answers with
404 and that body; anything else is GitHub's 404 "Not Found". Like GitHub it
checks the bearer token, sends weak ETags and answers a matching If-None-Match
with 304 (which costs no quota), paginates alert, repository and team lists with Link headers
(page numbers for code and secret scanning, cursors for Dependabot), reports
x-ratelimit-* headers and refuses requests with 403 once the primary quota is
used up until its reset. Tests script one-off answers (secondary rate limits,
5xx) per path and read back every request it saw.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

DATA = Path(__file__).resolve().parent.parent / "data" / "github"
DOCS = "https://docs.github.com/rest"
RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
PAGED = ("/alerts", "/repos", "/teams")  # list routes GitHub pages (org repos, teams, team repos)


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    path: str  # below the API prefix, with the query
    status: int
    headers: Mapping[str, str]

    @property
    def route(self) -> str:
        return self.path.split("?")[0]


def secondary_rate_limit(retry_after: int = 1) -> Answer:
    """GitHub's answer when requests come too fast (real ones say retry-after: 60)."""
    return Answer(
        403,
        {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again. If you reach out to GitHub Support for help, please "
            "include the request ID C2F4:3A8E:1B7E2A4:1C3F0B9:6745A1E2.",
            "documentation_url": RATE_DOCS + "#about-secondary-rate-limits",
            "status": "403",
        },
        {"retry-after": str(retry_after)},
    )


def unavailable() -> Answer:
    return Answer(503, {"message": "Service Unavailable", "documentation_url": DOCS})


class FakeGitHub:
    def __init__(self, token: str, prefix: str = "/api/v3", data: Path = DATA) -> None:
        self.token = token
        self.prefix = prefix
        self.data = data
        self.page_size = 100
        self.delay = 0.0
        self.requests: list[SeenRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.refused_for_quota = 0
        self._scripts: dict[str, deque[Answer]] = {}
        self._remaining = 5000
        self._reset_at = math.ceil(time.time()) + 3600
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGitHub:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def script(self, route: str, *answers: Answer) -> None:
        """Answer the next requests to `route` (e.g. /repos/acme/x) with these, in order."""
        self._scripts.setdefault(route, deque()).extend(answers)

    def limit_quota(self, remaining: int, reset_in: float) -> None:
        """Allow `remaining` more counted requests until a reset `reset_in` seconds away."""
        with self._lock:
            self._remaining = remaining
            self._reset_at = math.ceil(time.time() + reset_in)

    def seen(self, route_part: str = "", status: int | None = None) -> list[SeenRequest]:
        return [
            r
            for r in self.requests
            if route_part in r.route and (status is None or r.status == status)
        ]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
            parts = urlsplit(handler.path)
            route = parts.path.removeprefix(self.prefix)
            answer = self._answer(handler, route, dict(parse_qsl(parts.query)))
            headers = {k.lower(): v for k, v in handler.headers.items()}
            with self._lock:
                self.requests.append(
                    SeenRequest(
                        route + (f"?{parts.query}" if parts.query else ""), answer.status, headers
                    )
                )
            self._write(handler, answer)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, handler: BaseHTTPRequestHandler, route: str, query: dict[str, str]) -> Answer:
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return Answer(401, {"message": "Bad credentials", "documentation_url": DOCS})
        answer = self._quota_answer()
        if answer is not None:
            return answer
        queue = self._scripts.get(route)
        if queue:
            answer = queue.popleft()
        else:
            answer = self._recorded(route)
            if answer.status == 200 and isinstance(answer.body, list) and route.endswith(PAGED):
                answer = self._page(handler, route, query, answer.body)
        if answer.status == 200:
            etag = 'W/"' + hashlib.sha256(_encode(answer.body)).hexdigest()[:40] + '"'
            answer.headers["etag"] = etag
            if handler.headers.get("If-None-Match") == etag:
                return Answer(304, None, {"etag": etag, **self._quota_headers(count=False)})
        answer.headers.update(self._quota_headers(count=True))
        return answer

    def _quota_answer(self) -> Answer | None:
        with self._lock:
            if time.time() >= self._reset_at:
                self._remaining, self._reset_at = 5000, math.ceil(time.time()) + 3600
            if self._remaining > 0:
                return None
            self.refused_for_quota += 1
        return Answer(
            403,
            {
                "message": "API rate limit exceeded for user ID 583231. If you reach out to "
                "GitHub Support for help, please include the request ID "
                "D4B2:2F1C:96A3E1:9B0C4D:6745A2F0 and timestamp 2026-11-25 12:00:00 UTC.",
                "documentation_url": RATE_DOCS,
                "status": "403",
            },
            self._quota_headers(count=False),
        )

    def _quota_headers(self, count: bool) -> dict[str, str]:
        with self._lock:
            if count and self._remaining > 0:
                self._remaining -= 1
            return {
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": str(self._remaining),
                "x-ratelimit-reset": str(self._reset_at),
                "x-ratelimit-resource": "core",
            }

    def _recorded(self, route: str) -> Answer:
        relative = route.strip("/")
        if ".." in relative:
            return Answer(400, {"message": "Bad request"})
        plain = self.data / f"{relative}.json"
        if plain.is_file():
            return Answer(200, json.loads(plain.read_text()))
        for status in (403, 404, 409, 422):
            path = self.data / f"{relative}.{status}.json"
            if path.is_file():
                return Answer(status, json.loads(path.read_text()))
        return Answer(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def _page(
        self,
        handler: BaseHTTPRequestHandler,
        route: str,
        query: dict[str, str],
        items: list[Any],
    ) -> Answer:
        size = min(int(query.get("per_page", 30)), self.page_size)
        by_cursor = "/dependabot/" in route
        if by_cursor:
            start = int(base64.b64decode(query["after"]).decode()) if "after" in query else 0
        else:
            start = (int(query.get("page", 1)) - 1) * size
        end = start + size
        answer = Answer(200, items[start:end])
        if end < len(items):
            base = f"http://{handler.headers['Host']}{self.prefix}{route}"
            following = dict(query)
            if by_cursor:
                following["after"] = base64.b64encode(str(end).encode()).decode()
                links = [f'<{base}?{urlencode(following)}>; rel="next"']
            else:
                following["page"] = str(end // size + 1)
                last = dict(query, page=str(math.ceil(len(items) / size)))
                links = [
                    f'<{base}?{urlencode(following)}>; rel="next"',
                    f'<{base}?{urlencode(last)}>; rel="last"',
                ]
            answer.headers["link"] = ", ".join(links)
        return answer

    def _write(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        body = b"" if answer.status == 304 else _encode(answer.body)
        handler.send_response(answer.status)
        if answer.status != 304:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
        handler.send_header("X-GitHub-Request-Id", "C2F4:3A8E:1B7E2A4:1C3F0B9:6745A1E2")
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()
