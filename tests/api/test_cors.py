"""CORS, for a Backstage app whose browser calls scorecards directly (README: "Viewing
scores in Backstage"): the stock Tech Insights client sends `content-type:
application/json` and `authorization`, so every call is preceded by a preflight."""

from __future__ import annotations

from tests.api.conftest import BACKSTAGE_ORIGIN

CHECKS = "/api/tech-insights/checks"


def preflight(origin: str, method: str = "GET") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type",
    }


def test_a_preflight_from_an_allowed_origin_gets_the_headers_the_browser_needs(configured):
    with configured.client() as client:
        response = client.options(CHECKS, headers=preflight(BACKSTAGE_ORIGIN))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == BACKSTAGE_ORIGIN
    assert {"GET", "POST"} <= set(response.headers["access-control-allow-methods"].split(", "))
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


def test_a_preflight_from_another_origin_gets_no_cors_headers(configured):
    with configured.client() as client:
        response = client.options(CHECKS, headers=preflight("https://evil.example.net"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_a_preflight_for_a_method_we_do_not_serve_is_refused(configured):
    with configured.client() as client:
        response = client.options(CHECKS, headers=preflight(BACKSTAGE_ORIGIN, "DELETE"))
    assert response.status_code == 400


def test_without_cors_origins_a_preflight_gets_no_cors_headers(api):
    # Why the README's direct recipe sets SCORECARDS_API_CORS_ORIGINS: the browser would
    # stop at this answer before sending the request.
    with api.client() as client:
        response = client.options(CHECKS, headers=preflight(BACKSTAGE_ORIGIN))
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
