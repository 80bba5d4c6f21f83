"""Fine-grained behaviour of the app in-process (FastAPI TestClient): run start-up
conflicts and failures, store outages, definitions reloads, error shapes."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scorecards.api import create_app
from scorecards.records.results import EntityEvaluation
from scorecards.settings import Settings
from scorecards.stores.sqlite import SQLiteStore
from tests.api.conftest import CATALOG, DEFINITIONS, FACTS, TOKEN
from tests.conftest import free_port

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class GatedStore(SQLiteStore):
    """A SQLite store whose evaluation writes wait for the test to open the gate."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()

    def write_evaluations(self, evaluations: Sequence[EntityEvaluation]) -> None:
        assert self.gate.wait(60), "the test never opened the gate"
        super().write_evaluations(evaluations)


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "catalog": str(CATALOG),
        "definitions": str(DEFINITIONS),
        "facts": str(FACTS),
        "store_url": f"sqlite:///{tmp_path / 'scores.db'}",
        "api_tokens": TOKEN,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[TestClient, GatedStore]]:
    store = GatedStore(tmp_path / "gated.db")
    app = create_app(settings_for(tmp_path), store=store)
    with TestClient(app) as client:
        yield client, store
        store.gate.set()
    store.close()


def test_a_second_run_while_one_is_running_is_a_409_naming_it(gated):
    client, _ = gated
    first = client.post("/api/v1/runs", headers=AUTH)
    assert first.status_code == 202
    second = client.post("/api/v1/runs", headers=AUTH)
    assert second.status_code == 409
    assert first.json()["id"] in second.json()["error"]["message"]


def test_a_run_in_progress_reports_partial_progress(gated):
    client, _ = gated
    run = client.post("/api/v1/runs", headers=AUTH).json()
    progress = client.get(f"/api/v1/runs/{run['id']}").json()
    assert progress["state"] == "running"
    assert progress["progress"] < 1.0


def test_a_run_is_refused_with_a_503_when_the_catalog_cannot_be_read(tmp_path):
    app = create_app(settings_for(tmp_path, catalog=str(tmp_path / "missing")))
    with TestClient(app) as client:
        response = client.post("/api/v1/runs", headers=AUTH)
        metrics = client.get("/metrics").text
    assert response.status_code == 503
    assert "catalog" in response.json()["error"]["message"]
    assert 'scorecards_source_errors_total{source="catalog"} 1.0' in metrics


def test_a_run_is_a_503_and_recorded_as_failed_when_the_broker_is_down(tmp_path):
    app = create_app(settings_for(tmp_path, broker_url=f"redis://127.0.0.1:{free_port()}/0"))
    with TestClient(app) as client:
        response = client.post("/api/v1/runs", headers=AUTH)
        [run] = client.get("/api/v1/runs").json()
    assert response.status_code == 503
    assert "SCORECARDS_BROKER_URL" in response.json()["error"]["message"]
    assert run["state"] == "failed"
    assert "could not queue the run" in run["errors"][-1]


def test_healthz_is_a_503_when_the_store_does_not_answer(tmp_path):
    store = SQLiteStore(tmp_path / "closed.db")
    app = create_app(settings_for(tmp_path), store=store)
    store.close()
    with TestClient(app) as client:
        response = client.get("/healthz")
        metrics = client.get("/metrics").text
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "scorecards_store_up 0.0" in metrics


def test_an_unexpected_failure_is_a_json_500_that_points_to_the_log(tmp_path):
    store = SQLiteStore(tmp_path / "closed.db")
    app = create_app(settings_for(tmp_path), store=store)
    store.close()
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/entities")
    assert response.status_code == 500
    assert response.json()["error"]["name"] == "InternalServerError"
    assert "server log" in response.json()["error"]["message"]


def test_reloading_invalid_definitions_keeps_serving_the_old_ones(tmp_path):
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    app = create_app(settings_for(tmp_path, definitions=str(folder)))
    with TestClient(app) as client:
        version = client.get("/api/v1/definitions").json()["version"]
        (folder / "broken.yaml").write_text("checks:\n  - id: Bad Id\n    name: x\n    rule: 1 +\n")
        response = client.post("/api/v1/definitions/reload", headers=AUTH)
        after = client.get("/api/v1/definitions").json()["version"]
    assert response.status_code == 422
    assert any("broken.yaml" in d["field"] for d in response.json()["details"])
    assert version in response.json()["error"]["message"]
    assert after == version


def test_reloading_valid_definitions_serves_the_new_ones(tmp_path):
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    app = create_app(settings_for(tmp_path, definitions=str(folder)))
    extra = (
        "checks:\n  - id: has-a-name\n    name: Has a name\n"
        "    rule: '\"name\" in entity.metadata'\n"
    )
    with TestClient(app) as client:
        before = client.get("/api/v1/definitions").json()["version"]
        (folder / "extra.yaml").write_text(extra)
        response = client.post("/api/v1/definitions/reload", headers=AUTH)
        checks = [c["id"] for c in client.get("/api/tech-insights/checks").json()]
    assert response.status_code == 200
    assert response.json()["previous_version"] == before
    assert response.json()["version"] != before
    assert "has-a-name" in checks


def test_reloading_definitions_needs_a_token(tmp_path):
    app = create_app(settings_for(tmp_path))
    with TestClient(app) as client:
        assert client.post("/api/v1/definitions/reload").status_code == 401


def test_every_error_body_has_the_backstage_error_shape(tmp_path):
    app = create_app(settings_for(tmp_path))
    with TestClient(app) as client:
        answers = [
            client.get("/api/v1/entities/component/default/nobody"),
            client.get("/api/v1/entities", params={"limit": 0}),
            client.post("/api/v1/facts", json={}),
            client.post("/api/tech-insights/checks/run", json={"entities": "all"}),
            client.get("/no/such/route"),
        ]
    for response in answers:
        body = response.json()
        assert 400 <= response.status_code < 500
        assert set(body["error"]) == {"name", "message"}
        assert body["error"]["message"]
        assert body["response"] == {"statusCode": response.status_code}
        assert body["request"]["url"] == response.request.url.path
