"""A SonarQube-shaped measures API on 127.0.0.1, for the declarative HTTP source.

GET /api/measures/component?component=KEY&metricKeys=coverage answers like
SonarQube does for a known project; a few project keys misbehave on purpose:
`html-login` answers a login page, `slow` answers too late, `missing` is 404,
`no-coverage` has no measures, `echo` puts the request headers in the body.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SLOW_SECONDS = 2.0


class SonarServer:
    def __init__(self, token: str) -> None:
        self.token = token
        self.requests: list[dict[str, str]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> SonarServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake.requests.append({k.lower(): v for k, v in self.headers.items()})
                status, kind, body = fake._answer(self)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, str, bytes]:
        parts = urlsplit(handler.path)
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"errors": [{"msg": "Authentication required"}]})
        if parts.path != "/api/measures/component":
            return _json(404, {"errors": [{"msg": "Unknown url : " + parts.path}]})
        key = parse_qs(parts.query).get("component", [""])[0]
        if key == "html-login":
            page = b"<!DOCTYPE html><html><head><title>SonarQube</title></head><body>Log in</body></html>"
            return 200, "text/html;charset=utf-8", page
        if key == "slow":
            time.sleep(SLOW_SECONDS)
        if key == "missing":
            return _json(404, {"errors": [{"msg": f"Component key '{key}' not found"}]})
        if key == "echo":
            return _json(200, {"headers": dict(handler.headers.items())})
        measures = [] if key == "no-coverage" else [_measure("coverage", "87.4")]
        measures.append(_measure("ncloc", "18342"))
        component = {
            "key": key,
            "name": key,
            "description": "",
            "qualifier": "TRK",
            "measures": measures,
        }
        return _json(200, {"component": component})


def _measure(metric: str, value: str) -> dict[str, Any]:
    return {"metric": metric, "value": value, "bestValue": False}


def _json(status: int, body: Any) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(body).encode()
