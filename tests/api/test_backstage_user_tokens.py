"""What a Backstage user token must be for a read (SCORECARDS_API_BACKSTAGE_AUTH_URL): the
edge cases the real auth backend will not produce on demand (expired, another audience,
another token type, unsigned or HMAC-signed with the public key).

An issuer on 127.0.0.1 publishes one EC key at `/api/auth/.well-known/jwks.json`, as
Backstage's auth backend does, and signs tokens shaped like its user tokens. The real
auth backend itself is in tests/backstage/test_protected_reads.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm

from tests.api.conftest import ApiServer, ServerFactory

ENTITY = "/api/v1/entities/component/default/payments-api"
KEY_ID = "test-key-1"


@dataclass
class Issuer:
    url: str  # the auth backend's base URL, and every token's `iss`
    key: ec.EllipticCurvePrivateKey

    def token(self, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {"iss": self.url, "sub": "user:default/guest", "aud": "backstage"}
        body |= {"iat": now, "exp": now + 3600, **claims}
        header = {"kid": KEY_ID, "typ": "vnd.backstage.user", **(headers or {})}
        return jwt.encode(body, self.key, algorithm="ES256", headers=header)


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**ECAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": KEY_ID, "alg": "ES256"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == "/api/auth/.well-known/jwks.json"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Issuer(f"http://127.0.0.1:{server.server_address[1]}/api/auth", key)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def checking(server_factory: ServerFactory, issuer: Issuer) -> ApiServer:
    return server_factory(
        SCORECARDS_API_READ_REQUIRES_TOKEN="true", SCORECARDS_API_BACKSTAGE_AUTH_URL=issuer.url
    )


def read_with(server: ApiServer, token: str) -> int:
    with server.client(token) as client:
        return client.get(ENTITY).status_code


def test_a_user_token_of_the_issuer_reads(checking, issuer):
    assert read_with(checking, issuer.token()) == 200


def test_an_expired_user_token_is_refused(checking, issuer):
    assert read_with(checking, issuer.token(exp=int(time.time()) - 60)) == 401


def test_a_token_for_another_audience_is_refused(checking, issuer):
    assert read_with(checking, issuer.token(aud="another-service")) == 401


def test_a_token_without_an_expiry_is_refused(checking, issuer):
    now = int(time.time())
    body = {"iss": issuer.url, "sub": "user:default/guest", "aud": "backstage", "iat": now}
    header = {"kid": KEY_ID, "typ": "vnd.backstage.user"}
    assert (
        read_with(checking, jwt.encode(body, issuer.key, algorithm="ES256", headers=header)) == 401
    )


def test_a_limited_user_token_is_refused(checking, issuer):
    # Backstage's cookie-only token: it may not stand for the user in API calls.
    assert read_with(checking, issuer.token(headers={"typ": "vnd.backstage.limited-user"})) == 401


def test_an_unsigned_token_is_refused(checking, issuer):
    assert read_with(checking, forge(issuer, "none", b"")) == 401


def test_a_token_signed_with_the_published_key_as_an_hmac_secret_is_refused(checking, issuer):
    public = issuer.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert read_with(checking, forge(issuer, "HS256", public)) == 401


def forge(issuer: Issuer, alg: str, secret: bytes) -> str:
    """A token with header `alg` whose signature, if any, is an HMAC with `secret`."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {"iss": issuer.url, "sub": "user:default/guest", "aud": "backstage", "exp": now + 60}
    signed = f"{part({'alg': alg, 'kid': KEY_ID, 'typ': 'vnd.backstage.user'})}.{part(claims)}"
    if alg == "none":
        return f"{signed}."
    mac = hmac.new(secret, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def test_a_token_signed_with_an_unknown_key_is_refused(checking, issuer):
    stranger = Issuer(issuer.url, ec.generate_private_key(ec.SECP256R1()))
    assert read_with(checking, stranger.token()) == 401


def test_a_user_token_may_not_write(checking, issuer):
    with checking.client(issuer.token()) as client:
        response = client.post("/api/v1/runs", json={})
    assert response.status_code == 401
