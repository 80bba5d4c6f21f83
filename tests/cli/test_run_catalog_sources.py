"""`scorecards run` reads the catalog from files or a Backstage URL and writes catalog facts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status
from scorecards.stores import Store, open_store
from tests.conftest import REPO_ROOT, free_port
from tests.sources.backstage_server import CatalogServer, recorded_entities

runner = CliRunner()
TOKEN = "catalog-test-token"
EXAMPLES = str(REPO_ROOT / "examples" / "catalog")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scorecards.yaml or SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in ("CATALOG", "BACKSTAGE_URL", "BACKSTAGE_TOKEN", "STORE_URL", "CONFIG"):
        monkeypatch.delenv(f"SCORECARDS_{name}", raising=False)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'scores.db'}"


@pytest.fixture
def small_definitions(write_definitions) -> str:
    """One check, so runs that test where entities come from stay quick."""
    return str(
        write_definitions(
            checks="""
            checks:
              - id: owner-known
                name: Owner is known
                severity: high
                applies: entity.kind == "Component"
                requires: [catalog]
                rule: facts.catalog.owner_exists
            """
        )
    )


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    with CatalogServer(recorded_entities(), TOKEN) as running:
        yield running


def opened(url: str) -> Store:
    return open_store(url)


def check_status(store: Store, ref: str, check: str) -> Status:
    evaluation = store.latest_evaluations([ref])[ref]
    return next(r.status for r in evaluation.checks if r.check_id == check)


def test_run_scores_every_entity_read_from_a_backstage_url(server, store_url, monkeypatch):
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_TOKEN", TOKEN)

    result = runner.invoke(app, ["run", "--catalog", server.url, "--store", store_url])

    assert result.exit_code == 0, result.output
    store = opened(store_url)
    assert set(store.list_entity_refs()) == {entity_ref(e) for e in recorded_entities()}
    assert check_status(store, "component:default/payments-api", "owner-exists") == Status.PASS
    assert check_status(store, "component:default/legacy-batch", "owner-exists") == Status.FAIL
    assert len(server.query_requests()) == 1  # 86 entities fit one page of 500


def test_the_backstage_url_setting_is_read_when_no_catalog_is_given(
    server, store_url, small_definitions, monkeypatch
):
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_URL", server.url)
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_TOKEN", TOKEN)

    result = runner.invoke(app, ["run", "--store", store_url, "--definitions", small_definitions])

    assert result.exit_code == 0, result.output
    assert server.query_requests()
    assert len(opened(store_url).list_entity_refs()) == 86


def test_an_explicit_catalog_wins_over_the_backstage_url(store_url, small_definitions, monkeypatch):
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_URL", f"http://127.0.0.1:{free_port()}")

    result = runner.invoke(
        app,
        ["run", "--catalog", EXAMPLES, "--store", store_url, "--definitions", small_definitions],
    )

    assert result.exit_code == 0, result.output
    assert len(opened(store_url).list_entity_refs()) == 81


def test_a_rejected_token_stops_the_run_with_a_hint_and_without_the_token(
    server, store_url, small_definitions, monkeypatch
):
    wrong = "not-the-token-8c1f2e"
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_TOKEN", wrong)

    result = runner.invoke(
        app,
        ["run", "--catalog", server.url, "--store", store_url, "--definitions", small_definitions],
    )

    assert result.exit_code == 2
    assert "refused the request (HTTP 401" in result.stderr
    assert "SCORECARDS_BACKSTAGE_TOKEN was rejected" in result.stderr
    assert wrong not in result.output
    assert not Path(store_url.removeprefix("sqlite:///")).exists()


def test_a_run_over_catalog_files_stores_catalog_facts_for_every_entity(
    store_url, small_definitions
):
    result = runner.invoke(
        app,
        ["run", "--catalog", EXAMPLES, "--store", store_url, "--definitions", small_definitions],
    )

    assert result.exit_code == 0, result.output
    store = opened(store_url)
    latest = store.latest_facts(sources=["catalog"])
    assert len(latest) == 81
    assert latest["component:default/chargeback-service"]["catalog"].values == {
        "owner_exists": False,
        "owner_ref": "group:default/disputes-team",
        "owner_kind": "group",
        "dependents": 0,
    }
    assert latest["group:default/risk-team"]["catalog"].values["ancestors"] == [
        "group:default/engineering",
        "group:default/acme-pay",
    ]
