"""Protected reads the stock frontend can use: a signed-in Backstage user reaches
scorecards through Backstage's proxy backend, which adds our read-only token.

Real packages (tests/backstage/install.sh): backend-defaults, the auth backend with the
guest provider, the proxy backend. `scorecards serve` needs a token for reads
(SCORECARDS_API_READ_REQUIRES_TOKEN); the proxy holds a scoped token that may read and
nothing else (README: "Viewing scores in Backstage", through Backstage's proxy). Then
the optional way: scorecards checks the users' Backstage tokens itself against the
real auth backend's keys (SCORECARDS_API_BACKSTAGE_AUTH_URL).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import TOKEN, ApiServer, seed_store, start_server
from tests.backstage.backend import install, missing_tools
from tests.backstage.proxy_backend import ProxyBackend
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.backstage

CATALOG_TOKEN = "scorecards-backstage-test-token"
READ_TOKEN = "backstage-proxy-read-token-93c1"
PROXY = "/api/proxy/scorecards"
ENTITY = "component/default/payments-api"
TECHINSIGHTS_CLIENT = REPO_ROOT / "tests" / "api" / "techinsights"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedded run of the examples; each server gets a copy."""
    path = tmp_path_factory.mktemp("seed") / "scores.db"
    seed_store(path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def copy_of(seeded: Path, folder: Path) -> str:
    shutil.copyfile(seeded, folder / "scores.db")
    return f"sqlite:///{folder / 'scores.db'}"


@pytest.fixture(scope="module")
def scorecards(tmp_path_factory: pytest.TempPathFactory, seeded: Path) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("scorecards")
    scopes = {
        "backstage-proxy": {
            "token_sha256": hashlib.sha256(READ_TOKEN.encode()).hexdigest(),
            "actions": [],
        }
    }
    server = start_server(
        folder,
        copy_of(seeded, folder),
        SCORECARDS_API_READ_REQUIRES_TOKEN="true",
        SCORECARDS_API_TOKEN_SCOPES=json.dumps(scopes),
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def backstage(
    tmp_path_factory: pytest.TempPathFactory, scorecards: ApiServer
) -> Iterator[ProxyBackend]:
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found: the real Backstage backend needs "
            "Node.js (20 or later) and npm"
        )
    modules = install()
    running = ProxyBackend(
        modules,
        tmp_path_factory.mktemp("backstage"),
        [REPO_ROOT / "examples" / "catalog" / "org.yaml"],
        free_port(),
        CATALOG_TOKEN,
        target=scorecards.url,
        read_token=READ_TOKEN,
    )
    running.start()
    try:
        running.wait_for_entities({"group:default/payments-team"})
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def user_token(backstage: ProxyBackend) -> str:
    return backstage.sign_in_as_guest()


def through_proxy(backstage: ProxyBackend, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{backstage.url}{PROXY}", headers=headers, timeout=30)


def test_a_signed_in_user_reads_an_entitys_scores_through_the_proxy(backstage, user_token):
    with through_proxy(backstage, user_token) as client:
        response = client.get(f"/api/v1/entities/{ENTITY}")
    assert response.status_code == 200, response.text
    assert response.json()["ref"] == "component:default/payments-api"


def test_a_signed_in_user_runs_tech_insights_checks_through_the_proxy(backstage, user_token):
    with through_proxy(backstage, user_token) as client:
        checks = client.get("/api/tech-insights/checks")
        results = client.post(
            "/api/tech-insights/checks/run/default/component/payments-api", json={}
        )
    assert checks.status_code == 200, checks.text
    assert results.status_code == 200, results.text
    assert {r["check"]["id"] for r in results.json()} <= {c["id"] for c in checks.json()}


def run_stock_client(base_url: str, token: str) -> dict[str, Any]:
    """Backstage's own TechInsightsClient (tests/api/techinsights) against `base_url`,
    sending `token` as the signed-in user's: what each of its calls got."""
    done = subprocess.run(
        ["bash", str(TECHINSIGHTS_CLIENT / "install.sh")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    node_modules = Path(done.stdout.strip().splitlines()[-1]) / "node_modules"
    probe = subprocess.run(
        [
            shutil.which("node") or "node",
            str(TECHINSIGHTS_CLIENT / "client-probe.cjs"),
            base_url,
            "component:default/payments-api",
            token,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(node_modules)},
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    out: dict[str, Any] = json.loads(probe.stdout)
    return out


def test_the_stock_tech_insights_client_works_with_the_proxy_as_its_discovery_target(
    backstage, user_token
):
    """The stock frontend's client, given `discovery.endpoints` pointing tech-insights at
    the proxy, sends the signed-in user's token there: every call it makes succeeds."""
    out = run_stock_client(f"{backstage.url}{PROXY}/api/tech-insights", user_token)
    assert out["run"] and all(isinstance(r["result"], bool) for r in out["run"])


def test_the_proxy_refuses_a_read_without_a_backstage_token(backstage):
    with through_proxy(backstage, None) as client:
        response = client.get(f"/api/v1/entities/{ENTITY}")
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "AuthenticationError"


def test_the_proxy_refuses_a_token_backstage_did_not_issue(backstage, user_token):
    header, payload, _ = user_token.split(".")
    forged = f"{header}.{payload}.{'A' * 86}"
    with through_proxy(backstage, forged) as client:
        assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 401


def test_scorecards_refuses_a_direct_read_without_a_token(scorecards):
    with scorecards.client() as client:
        assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 401
        assert client.get("/api/tech-insights/checks").status_code == 401


def test_the_users_backstage_token_alone_does_not_open_scorecards(scorecards, user_token):
    # So a read through the proxy succeeds only because the proxy put our token in its place.
    with scorecards.client(user_token) as client:
        assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 401


def test_the_proxys_read_only_token_cannot_start_a_run(backstage, user_token):
    with through_proxy(backstage, user_token) as client:
        response = client.post("/api/v1/runs", json={})
    assert response.status_code == 403, response.text
    assert "backstage-proxy" in response.json()["error"]["message"]


# Optional: scorecards checks Backstage user tokens itself (api_backstage_auth_url).


def start_checking_server(seeded: Path, folder: Path, auth_url: str) -> ApiServer:
    return start_server(
        folder,
        copy_of(seeded, folder),
        SCORECARDS_API_READ_REQUIRES_TOKEN="true",
        SCORECARDS_API_BACKSTAGE_AUTH_URL=auth_url,
    )


@pytest.fixture(scope="module")
def checking(
    tmp_path_factory: pytest.TempPathFactory, seeded: Path, backstage: ProxyBackend
) -> Iterator[ApiServer]:
    """scorecards checking Backstage user tokens against the real auth backend."""
    server = start_checking_server(
        seeded, tmp_path_factory.mktemp("checking"), f"{backstage.url}/api/auth"
    )
    yield server
    server.stop()


def test_a_backstage_user_token_reads_directly_when_scorecards_checks_it(checking, user_token):
    with checking.client(user_token) as client:
        assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 200
        assert client.get("/api/tech-insights/checks").status_code == 200


def test_the_stock_client_reads_directly_with_the_users_backstage_token(checking, user_token):
    out = run_stock_client(f"{checking.url}/api/tech-insights", user_token)
    assert out["run"] and all(isinstance(r["result"], bool) for r in out["run"])


def test_a_backstage_user_token_cannot_write(checking, user_token):
    with checking.client(user_token) as client:
        assert client.post("/api/v1/runs", json={}).status_code == 401


def test_a_backstage_user_token_with_a_changed_claim_is_refused(checking, user_token):
    header, payload, signature = user_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "user:default/someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with checking.client(f"{header}.{forged}.{signature}") as client:
        response = client.get(f"/api/v1/entities/{ENTITY}")
    assert response.status_code == 401
    assert "Backstage user token" in response.json()["error"]["message"]


def test_our_own_tokens_still_read_where_backstage_tokens_are_checked(checking):
    with checking.client(TOKEN) as client:
        assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 200


def test_a_backstage_token_from_another_issuer_is_refused(
    tmp_path_factory: pytest.TempPathFactory, seeded: Path, backstage: ProxyBackend, user_token: str
):
    # The same auth backend under another name: its keys verify the signature, but the
    # token names the issuer it was signed for.
    other_name = backstage.url.replace("127.0.0.1", "localhost") + "/api/auth"
    server = start_checking_server(seeded, tmp_path_factory.mktemp("other-issuer"), other_name)
    try:
        with server.client(user_token) as client:
            assert client.get(f"/api/v1/entities/{ENTITY}").status_code == 401
    finally:
        server.stop()


def test_an_unreachable_auth_backend_is_a_503_naming_where_the_keys_were_looked_for(
    tmp_path_factory: pytest.TempPathFactory, seeded: Path, user_token: str
):
    server = start_checking_server(
        seeded, tmp_path_factory.mktemp("no-auth"), f"http://127.0.0.1:{free_port()}/api/auth"
    )
    try:
        with server.client(user_token) as client:
            response = client.get(f"/api/v1/entities/{ENTITY}")
        assert response.status_code == 503
        assert "/api/auth/.well-known/jwks.json" in response.json()["error"]["message"]
    finally:
        server.stop()
