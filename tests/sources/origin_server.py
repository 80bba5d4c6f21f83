"""A small JSON API on 127.0.0.1 that records every request and can redirect.

Two of them, on two ports, are two origins: the tests of where a source's secrets
may go send a request to one and see what (if anything) reaches the other.
`GET /echo` answers the request's headers; a path given to `redirect` answers a
redirect; every other path answers `{"path": ..., "tier": "gold"}`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]  # names lower-case


class OriginServer:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._redirects: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Answer `path` with a redirect to `location`."""
        self._redirects[path] = (status, location)

    def __enter__(self) -> OriginServer:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(Seen(path, headers))
        if path in self._redirects:
            status, location = self._redirects[path]
            return status, {"Location": location}, {"redirect": location}
        if path == "/echo":
            return 200, {}, {"headers": headers}
        return 200, {}, {"path": path, "tier": "gold"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers = {name.lower(): value for name, value in self.headers.items()}
                status, extra, body = server._answer(self.path, headers)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **extra}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
