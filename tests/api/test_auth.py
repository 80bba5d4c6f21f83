"""Bearer tokens on a real server: writes always need one, reads when configured."""

from __future__ import annotations

from tests.api.conftest import BACKSTAGE_ORIGIN, OTHER_TOKEN, TOKEN, ServerFactory

PUSH = {"source": "ci", "facts": [{"entity": "component:default/payments-api", "values": {}}]}
WRONG_TOKEN = "wrong-token-c0ffee-5ecret"


def test_a_write_without_a_token_is_a_401_with_a_bearer_challenge(api):
    with api.client() as client:
        response = client.post("/api/v1/facts", json=PUSH)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.json()["error"]["message"]


def test_a_wrong_token_is_refused_and_never_echoed_or_logged(api):
    with api.client(WRONG_TOKEN) as client:
        response = client.post("/api/v1/runs")
    assert response.status_code == 401
    assert WRONG_TOKEN not in response.text
    assert WRONG_TOKEN not in api.log()
    assert TOKEN not in api.log()


def test_every_configured_token_is_accepted(writable):
    with writable.client(OTHER_TOKEN) as client:
        response = client.post("/api/v1/facts", json=PUSH)
    assert response.status_code == 201


def test_a_token_of_another_scheme_is_refused(api):
    with api.client() as client:
        response = client.post(
            "/api/v1/facts", json=PUSH, headers={"Authorization": f"Basic {TOKEN}"}
        )
    assert response.status_code == 401


def test_open_reads_ignore_whatever_token_backstage_sends(api):
    with api.client("a-backstage-user-token") as client:
        assert client.get("/api/tech-insights/checks").status_code == 200
        assert client.get("/api/v1/entities").status_code == 200


def test_locked_reads_need_a_token(configured):
    with configured.client() as client:
        assert client.get("/api/v1/entities").status_code == 401
        assert client.get("/api/tech-insights/checks").status_code == 401
    with configured.client(TOKEN) as client:
        assert client.get("/api/v1/entities").status_code == 200


def test_tech_insights_run_routes_follow_the_read_rule(api, configured):
    path = "/api/tech-insights/checks/run/default/component/payments-api"
    with api.client() as client:
        assert client.post(path, json={}).status_code == 200
    with configured.client() as client:
        assert client.post(path, json={}).status_code == 401
    with configured.client(TOKEN) as client:
        assert client.post(path, json={}).status_code == 200


def test_health_and_metrics_need_no_token_even_when_reads_do(configured):
    with configured.client() as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_a_server_without_tokens_refuses_every_write(server_factory: ServerFactory):
    server = server_factory(SCORECARDS_API_TOKENS="")
    with server.client(TOKEN) as client:
        response = client.post("/api/v1/facts", json=PUSH)
    assert response.status_code == 403
    assert "SCORECARDS_API_TOKENS" in response.json()["error"]["message"]


def test_the_backstage_origin_may_call_from_the_browser(configured):
    preflight = {
        "Origin": BACKSTAGE_ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    path = "/api/tech-insights/checks/run/default/component/payments-api"
    with configured.client() as client:
        response = client.options(path, headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == BACKSTAGE_ORIGIN
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_another_origin_is_not_allowed_from_the_browser(configured):
    with configured.client(TOKEN) as client:
        response = client.get(
            "/api/tech-insights/checks", headers={"Origin": "https://evil.example.net"}
        )
    assert "access-control-allow-origin" not in response.headers
