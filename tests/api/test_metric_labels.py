"""Metric labels come from closed sets, so no client can grow /metrics (finding M3)."""

from __future__ import annotations

import uuid


def series(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("scorecards_http_")]


def test_made_up_http_methods_share_one_label(api):
    methods = [f"X{uuid.uuid4().hex[:12].upper()}" for _ in range(200)]
    with api.client() as client:
        for method in methods:
            assert client.request(method, "/healthz").status_code == 405
        text = client.get("/metrics").text
    assert not [method for method in methods if method in text]
    assert 'method="other",route="/healthz",status="405"' in text


def test_made_up_methods_do_not_grow_the_metrics(api):
    with api.client() as client:
        client.request("XFIRST", "/healthz")
        client.get("/metrics")  # its own series exist from the second scrape on
        before = series(client.get("/metrics").text)
        for _ in range(100):
            client.request(f"X{uuid.uuid4().hex[:12].upper()}", "/healthz")
        after = series(client.get("/metrics").text)
    assert len(after) == len(before)


def test_unknown_paths_share_one_route_label(api):
    paths = [f"/made-up/{uuid.uuid4().hex}" for _ in range(20)]
    with api.client() as client:
        for path in paths:
            assert client.get(path).status_code == 404
        text = client.get("/metrics").text
    assert not [path for path in paths if path in text]
    assert 'route="unmatched",status="404"' in text
