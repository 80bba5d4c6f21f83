"""HTTP/1.1 spoken by hand (h11 over a socket), for requests httpx does not send: a body
announced but never sent, or cut off after its first bytes.

`exchange` sends the request head and some body bytes, never the end of the body,
then reads the answer. A server that waits for the rest of the body never
answers, and the read times out (TimeoutError), which fails the test.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import h11

ANSWER_SECONDS = 15.0


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def exchange(
    url: str,
    method: str,
    path: str,
    headers: Sequence[tuple[str, str]],
    body_parts: Sequence[bytes] = (),
) -> RawResponse:
    """Send the head, then `body_parts` (a body left unfinished), then read the answer."""
    address = urlsplit(url)
    assert address.hostname == "127.0.0.1", "tests talk to loopback servers only"
    connection = h11.Connection(h11.CLIENT)
    with socket.create_connection((address.hostname, address.port or 80)) as sock:
        sock.settimeout(ANSWER_SECONDS)
        head = [("host", f"{address.hostname}:{address.port}"), *headers]
        sock.sendall(connection.send(h11.Request(method=method, target=path, headers=head)))
        try:
            for part in body_parts:
                sock.sendall(connection.send(h11.Data(data=part)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking everything; read its answer
        return _read_response(sock, connection)


def _read_response(sock: socket.socket, connection: h11.Connection) -> RawResponse:
    status, found, body = 0, {}, b""
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            connection.receive_data(sock.recv(65536))
        elif isinstance(event, h11.Response):
            status = event.status_code
            found = {name.decode(): value.decode() for name, value in event.headers}
        elif isinstance(event, h11.Data):
            body += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            return RawResponse(status, found, body)
