"""`POST /api/v1/what-if` on a real server over the seeded example store."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import yaml

from tests.api.conftest import DEFINITIONS, TOKEN, ApiServer
from tests.conftest import NOW

AT = NOW.isoformat().replace("+00:00", "Z")
LONGER = "Records every money movement as balanced double-entry postings for every currency."


def packs() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in DEFINITIONS.glob("*.yaml")}


def stricter_packs() -> dict[str, str]:
    """The served packs with has-description asking for 60 characters instead of 20."""
    files = packs()
    document = yaml.safe_load(files["maturity.yaml"])
    (check,) = [c for c in document["checks"] if c["id"] == "has-description"]
    check["rule"] = check["rule"].replace(">= 20", ">= 60")
    for test in check["tests"]:
        if test["expect"] == "pass":
            test["entity"]["metadata"]["description"] = LONGER
    files["maturity.yaml"] = yaml.safe_dump(document, sort_keys=False)
    return files


def post(server: ApiServer, body: dict[str, Any], token: str | None = TOKEN) -> Any:
    with server.client(token) as client:
        return client.post("/api/v1/what-if", json=body, timeout=120)


def store_contents(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return list(connection.iterdump())


def test_edited_definitions_report_the_level_drops_they_cause(api: ApiServer) -> None:
    response = post(api, {"files": stricter_packs(), "at": AT})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["definitions"]["changed"]["checks"] == ["has-description"]
    drops = [c for c in report["level_changes"] if c["direction"] == "down"]
    assert len(drops) == report["summary"]["level_drops"] >= 3
    assert {"scorecard_id", "entity_ref", "owner", "before", "after"} <= set(drops[0])


def test_the_served_definitions_against_themselves_change_nothing(api: ApiServer) -> None:
    response = post(api, {"files": packs(), "at": AT})
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["level_changes"] == 0


def test_markdown_is_served_for_a_pull_request_comment(api: ApiServer) -> None:
    response = post(api, {"files": stricter_packs(), "at": AT, "format": "markdown"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("### Scorecards what-if:")


def test_what_if_leaves_the_store_as_it_was(api: ApiServer) -> None:
    before = store_contents(api.store_path)
    assert post(api, {"files": stricter_packs(), "at": AT}).status_code == 200
    assert store_contents(api.store_path) == before


def test_invalid_definitions_are_a_422_naming_the_sent_file_and_line(api: ApiServer) -> None:
    files = packs()
    files["maturity.yaml"] = files["maturity.yaml"].replace(
        "size(entity.metadata.description) >= 20", "size(entity.metadata.description) >= 90"
    )
    response = post(api, {"files": files, "at": AT})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"]["message"].startswith(
        "the edited definitions are not valid: maturity.yaml:"
    )
    assert body["details"][0]["file"] == "maturity.yaml"
    assert "scorecards-what-if-" not in response.text


def test_file_names_with_folders_are_refused(api: ApiServer) -> None:
    response = post(api, {"files": {"../escape.yaml": "checks: []"}})
    assert response.status_code == 422
    assert "plain *.yaml names" in response.json()["error"]["message"]


def test_what_if_needs_a_token(api: ApiServer) -> None:
    response = post(api, {"files": packs()}, token=None)
    assert response.status_code == 401


def test_the_route_is_documented_in_openapi(api: ApiServer) -> None:
    with api.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/what-if"]
