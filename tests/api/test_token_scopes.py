"""Scoped API tokens (finding M5): a token configured in api_token_scopes may take only
its actions, push only its sources, and only for the entities its teams own or it names.
Plain tokens (SCORECARDS_API_TOKENS) keep every right."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.api.conftest import TOKEN, ApiServer, ServerFactory
from tests.api.test_what_if import AT, packs
from tests.conftest import free_port

PAYMENTS = "component:default/payments-api"  # owned by group:default/payments-team
LEDGER = "component:default/ledger-service"  # owned by group:default/ledger-team
PAYMENTS_CI = "payments-ci-token-5c1a9e"
CI_ONLY = "ci-only-token-0d7f21"
LEDGER_SERVICE = "ledger-service-token-91b3c4"
READER = "reader-token-e6a0f8"


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


SCOPES: dict[str, dict[str, Any]] = {
    "payments-ci": {
        "token_sha256": sha256(PAYMENTS_CI),
        "actions": ["push-facts"],
        "sources": ["ci", "github"],
        "owners": ["payments-team"],
    },
    "ci-only": {"token_sha256": sha256(CI_ONLY), "actions": ["push-facts"], "sources": ["ci"]},
    "ledger-service": {
        "token_sha256": sha256(LEDGER_SERVICE),
        "actions": ["push-facts", "start-runs"],
        "entities": [LEDGER],
    },
    "dashboards": {"token_sha256": sha256(READER), "actions": []},
}


@pytest.fixture(scope="module")
def scoped(server_factory: ServerFactory) -> ApiServer:
    return server_factory(
        SCORECARDS_API_TOKEN_SCOPES=json.dumps(SCOPES), SCORECARDS_API_READ_REQUIRES_TOKEN="true"
    )


def push(server: ApiServer, token: str, source: str, *refs: str) -> httpx.Response:
    values = {"ci": {"coverage": 55.5}, "github": {"dependabot_alerts_critical": 0}}[source]
    body = {"source": source, "facts": [{"entity": ref, "values": values} for ref in refs]}
    with server.client(token) as client:
        return client.post("/api/v1/facts", json=body)


def latest(server: ApiServer, ref: str, source: str) -> Any:
    with server.client(TOKEN) as client:
        response = client.get(
            "/api/tech-insights/facts/latest", params={"entity": ref, "ids[0]": source}
        )
    return response.json().get(source)


def test_a_team_token_cannot_push_github_facts_for_another_teams_entity(scoped):
    before = latest(scoped, LEDGER, "github")
    response = push(scoped, PAYMENTS_CI, "github", LEDGER)
    assert response.status_code == 403, response.text
    assert LEDGER in response.json()["error"]["message"]
    assert latest(scoped, LEDGER, "github") == before


def test_a_team_token_pushes_facts_for_its_own_teams_entities(scoped):
    response = push(scoped, PAYMENTS_CI, "github", PAYMENTS)
    assert response.status_code == 201, response.text


def test_a_push_mixing_allowed_and_refused_entities_stores_nothing(scoped):
    before = latest(scoped, PAYMENTS, "ci")
    response = push(scoped, PAYMENTS_CI, "ci", PAYMENTS, LEDGER)
    assert response.status_code == 403
    assert latest(scoped, PAYMENTS, "ci") == before


def test_a_token_cannot_push_a_source_outside_its_scope(scoped):
    response = push(scoped, CI_ONLY, "github", PAYMENTS)
    assert response.status_code == 403, response.text
    assert "'github'" in response.json()["error"]["message"]
    assert response.json()["details"][0]["field"] == "body.source"


def test_a_token_scoped_to_an_entity_pushes_for_that_entity(scoped):
    assert push(scoped, LEDGER_SERVICE, "ci", LEDGER).status_code == 201


def test_a_token_scoped_to_an_entity_cannot_push_for_another(scoped):
    assert push(scoped, LEDGER_SERVICE, "ci", PAYMENTS).status_code == 403


WRITES = [
    ("/api/v1/facts", {"source": "ci", "facts": [{"entity": PAYMENTS, "values": {}}]}),
    ("/api/v1/runs", None),
    ("/api/v1/what-if", {"files": {"a.yaml": "checks: []\n"}}),
    ("/api/v1/definitions/reload", None),
]


@pytest.mark.parametrize(("path", "body"), WRITES, ids=[path for path, _ in WRITES])
def test_a_read_only_token_cannot_write(scoped, path, body):
    with scoped.client(READER) as client:
        response = client.post(path, json=body)
    assert response.status_code == 403, response.text
    assert "dashboards" in response.json()["error"]["message"]


def test_a_read_only_token_reads(scoped):
    with scoped.client(READER) as client:
        assert client.get("/api/v1/entities", params={"limit": 1}).status_code == 200


def test_a_push_only_token_cannot_start_a_run(scoped):
    with scoped.client(PAYMENTS_CI) as client:
        assert client.post("/api/v1/runs").status_code == 403


def test_a_push_only_token_cannot_ask_for_a_what_if(scoped):
    with scoped.client(PAYMENTS_CI) as client:
        response = client.post("/api/v1/what-if", json={"files": packs(), "at": AT})
    assert response.status_code == 403


def test_refusals_never_echo_the_token(scoped):
    with scoped.client(READER) as client:
        response = client.post("/api/v1/runs")
    assert READER not in response.text
    assert READER not in scoped.log()


def test_malformed_token_scopes_stop_the_server_with_one_line_naming_the_entry(tmp_path):
    scopes = {"payments-ci": {"token_sha256": "not-a-digest", "actions": ["push-facts"]}}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env.update(
        SCORECARDS_CONFIG=str(tmp_path / "none.yaml"),
        SCORECARDS_STORE_URL=f"sqlite:///{tmp_path / 'scores.db'}",
        SCORECARDS_API_TOKEN_SCOPES=json.dumps(scopes),
    )
    command = [sys.executable, "-c", "from scorecards.cli import main; main()", "serve"]
    try:
        done = subprocess.run(
            [*command, "--port", str(free_port())],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the server started with malformed token scopes")
    output = done.stderr.decode() + done.stdout.decode()
    assert done.returncode == 2, output
    assert "api_token_scopes.payments-ci: token_sha256" in output
    assert "Traceback" not in output
