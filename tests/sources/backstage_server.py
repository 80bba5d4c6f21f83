"""A Backstage-shaped catalog API on 127.0.0.1, for tests of the Backstage source.

It answers `GET /api/catalog/entities/by-query` the way the real catalog backend
does (shapes recorded from @backstage/plugin-catalog-backend 4.0.5): `filter`
(`key=value` pairs joined by commas; several filters are alternatives), `limit`
(default 20), `fields`, and opaque cursors that carry the query, so a cursor
request answers the rest of the same query. Every catalog route needs the static
token. Failures are scripted per request number (1-based, counting every
request), and every request is recorded so tests can count them.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

QUERY_PATH = "/api/catalog/entities/by-query"
RECORDED_ENTITIES = Path(__file__).resolve().parent.parent / "data" / "backstage" / "entities.json"


def recorded_entities() -> list[dict[str, Any]]:
    """The example catalog as the real catalog backend served it (86 entities, 5 Locations)."""
    entities: list[dict[str, Any]] = json.loads(RECORDED_ENTITIES.read_text())
    return entities


@dataclass(frozen=True)
class Fault:
    """A scripted answer: a status with headers and body, or a delay before the real answer."""

    status: int = 503
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    content_type: str = "application/json; charset=utf-8"
    delay: float = 0.0  # > 0: sleep, then answer normally (for client timeouts)


@dataclass(frozen=True)
class Request:
    number: int
    path: str
    params: dict[str, list[str]]
    authorization: str | None


def error_body(name: str, message: str, status: int) -> str:
    """A Backstage error response body (the `stack` the backend adds in development left out)."""
    return json.dumps(
        {
            "error": {"name": name, "message": message},
            "request": {"method": "GET", "url": QUERY_PATH},
            "response": {"statusCode": status},
        }
    )


class CatalogServer:
    """Serve `entities` like a Backstage catalog, on a free loopback port."""

    def __init__(
        self,
        entities: Sequence[Mapping[str, Any]],
        token: str | None = "catalog-test-token",
        *,
        faults: Mapping[int, Fault] | None = None,
        fail_always: Fault | None = None,
        endless_cursors: bool = False,
        repeat_cursor: bool = False,
    ) -> None:
        self.entities = list(entities)
        self.token = token
        self.faults = dict(faults or {})
        self.fail_always = fail_always
        self.endless_cursors = endless_cursors
        self.repeat_cursor = repeat_cursor
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CatalogServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def query_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == QUERY_PATH]

    def _record(self, path: str, params: dict[str, list[str]], auth: str | None) -> int:
        with self._lock:
            number = len(self.requests) + 1
            self.requests.append(Request(number, path, params, auth))
            return number

    def answer(
        self, path: str, params: dict[str, list[str]], auth: str | None
    ) -> tuple[int, dict[str, str], str]:
        number = self._record(path, params, auth)
        if not path.startswith("/api/catalog/"):
            return 404, {}, ""
        if self.token is not None:
            if auth is None:
                return 401, {}, error_body("AuthenticationError", "Missing credentials", 401)
            if auth != f"Bearer {self.token}":
                return 401, {}, error_body("AuthenticationError", "Illegal token", 401)
        fault = self.faults.get(number) or self.fail_always
        if fault is not None:
            if fault.delay <= 0:
                headers = {"Content-Type": fault.content_type, **fault.headers}
                return fault.status, headers, fault.body
            time.sleep(fault.delay)
        if path != QUERY_PATH:
            return 404, {}, ""
        return 200, {}, json.dumps(self._page(params))

    def _page(self, params: dict[str, list[str]]) -> dict[str, Any]:
        if "cursor" in params:
            state = json.loads(base64.urlsafe_b64decode(params["cursor"][0]))
            filters, offset = state["filters"], state["offset"]
        else:
            filters, offset = params.get("filter", []), 0
        limit = int(params.get("limit", ["20"])[0])
        matching = [e for e in self.entities if _matches_any(e, filters)]
        items = matching[offset : offset + limit]
        if "fields" in params:
            items = [_select(e, params["fields"][0].split(",")) for e in items]
        page_info: dict[str, str] = {}
        next_offset = offset + limit
        if self.repeat_cursor:
            next_offset = limit
        if next_offset < len(matching) or self.endless_cursors:
            page_info["nextCursor"] = _cursor(filters, next_offset)
        if offset > 0:
            page_info["prevCursor"] = _cursor(filters, max(0, offset - limit))
        return {"items": items, "totalItems": len(matching), "pageInfo": page_info}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = parse_qs(parts.query)
                status, headers, body = server.answer(
                    parts.path, params, self.headers.get("Authorization")
                )
                data = body.encode()
                self.send_response(status)
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _cursor(filters: list[str], offset: int) -> str:
    return base64.urlsafe_b64encode(
        json.dumps({"filters": filters, "offset": offset}).encode()
    ).decode()


def _lookup(entity: Mapping[str, Any], path: str) -> Any:
    value: Any = entity
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _matches_any(entity: Mapping[str, Any], filters: list[str]) -> bool:
    if not filters:
        return True
    for text in filters:
        pairs = [part.partition("=") for part in text.split(",")]
        if all(str(_lookup(entity, k) or "").lower() == v.lower() for k, _, v in pairs):
            return True
    return False


def _select(entity: Mapping[str, Any], fields: list[str]) -> dict[str, Any]:
    selected: dict[str, Any] = {}
    for path in fields:
        value = _lookup(entity, path)
        if value is None:
            continue
        target = selected
        *parents, last = path.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return selected
