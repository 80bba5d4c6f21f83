"""/healthz, /metrics, /docs and error answers of a real server."""

from __future__ import annotations


def test_healthz_says_ok_when_the_store_answers(api):
    with api.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_metrics_time_requests_by_route_template_not_raw_path(api):
    with api.client() as client:
        client.get("/api/v1/entities/component/default/payments-api")
        client.get("/api/v1/entities/component/default/ledger-service")
        text = client.get("/metrics").text
    assert (
        'scorecards_http_request_duration_seconds_count{method="GET",'
        'route="/api/v1/entities/{kind}/{namespace}/{name}",status="200"}'
    ) in text
    assert "payments-api" not in text


def test_metrics_report_the_newest_run_in_the_store(api):
    with api.client() as client:
        text = client.get("/metrics").text
    assert "scorecards_store_up 1.0" in text
    assert 'scorecards_last_run_state{state="succeeded"} 1.0' in text
    assert 'scorecards_last_run_entities{outcome="done"}' in text


def test_openapi_is_served_with_the_docs(api):
    with api.client() as client:
        schema = client.get("/openapi.json").json()
        docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/api/tech-insights/checks/run/{namespace}/{kind}/{name}" in schema["paths"]
    assert "/api/v1/facts" in schema["paths"]


def test_an_unknown_route_is_a_json_404(api):
    with api.client() as client:
        response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert "/docs" in response.json()["error"]["message"]


def test_a_wrong_method_is_a_json_405(api):
    with api.client() as client:
        response = client.delete("/api/v1/entities")
    assert response.status_code == 405
    assert response.json()["error"]["name"] == "MethodNotAllowedError"


def test_a_query_parameter_of_the_wrong_type_is_a_422_naming_it(api):
    with api.client() as client:
        response = client.get("/api/v1/entities", params={"limit": "many"})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "query.limit"
