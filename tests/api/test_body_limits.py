"""Request bodies cost the server nothing before they are allowed: the size limit is
checked before a byte of the body is read, and so is the token (finding M4)."""

from __future__ import annotations

import pytest

from tests.api.conftest import TOKEN, ApiServer, ServerFactory
from tests.api.raw_http import exchange
from tests.api.test_what_if import AT, packs, post

LIMIT = 65_536
JSON = ("content-type", "application/json")
AUTH = ("authorization", f"Bearer {TOKEN}")


@pytest.fixture(scope="module")
def limited(server_factory: ServerFactory) -> ApiServer:
    return server_factory(SCORECARDS_API_MAX_BODY_BYTES=str(LIMIT))


def test_an_announced_body_over_the_limit_is_a_413_before_any_of_it_is_sent(limited):
    response = exchange(
        limited.url, "POST", "/api/v1/facts", [JSON, AUTH, ("content-length", "49000000")]
    )
    assert response.status == 413
    assert response.json()["error"]["name"] == "PayloadTooLargeError"
    assert f"{LIMIT} bytes" in response.json()["error"]["message"]
    assert "SCORECARDS_API_MAX_BODY_BYTES" in response.json()["error"]["message"]


def test_a_chunked_body_is_refused_with_a_413_as_soon_as_it_passes_the_limit(limited):
    # One byte past the limit, and the body's end never sent: the server must answer now.
    parts = [b"[" + b"0," * (LIMIT // 2), b"0]"]
    response = exchange(
        limited.url, "POST", "/api/v1/facts", [JSON, AUTH, ("transfer-encoding", "chunked")], parts
    )
    assert response.status == 413
    assert "larger than this server's limit" in response.json()["error"]["message"]


def test_a_write_without_a_token_is_refused_before_its_body_is_read(api):
    response = exchange(api.url, "POST", "/api/v1/facts", [JSON, ("content-length", "60000")])
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_write_with_a_wrong_token_is_refused_before_its_body_is_read(api):
    wrong = ("authorization", "Bearer not-a-token")
    response = exchange(
        api.url, "POST", "/api/v1/what-if", [JSON, wrong, ("content-length", "500")]
    )
    assert response.status == 401


def test_a_streamed_body_without_a_token_is_refused_before_it_is_read(api):
    chunked = ("transfer-encoding", "chunked")
    response = exchange(api.url, "POST", "/api/v1/facts", [JSON, chunked], [b'{"source": '])
    assert response.status == 401


def test_a_read_route_with_a_body_keeps_the_limit(limited):
    response = exchange(
        limited.url,
        "POST",
        "/api/tech-insights/checks/run",
        [JSON, ("content-length", str(LIMIT + 1))],
    )
    assert response.status == 413


def test_the_default_limit_takes_the_bundled_definitions_in_a_what_if(api):
    response = post(api, {"files": packs(), "at": AT})
    assert response.status_code == 200, response.text
