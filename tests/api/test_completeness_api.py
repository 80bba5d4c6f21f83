"""GET /api/v1/reports/completeness on a real `scorecards serve`, whose store holds the
examples run plus the recorded `acme` organisation listed from the GitHub-shaped
server on 127.0.0.1 (see tests/cli/test_completeness_cli.py for the numbers)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from scorecards.settings import Settings
from scorecards.sources.collection import collect_organizations
from scorecards.stores.sqlite import SQLiteStore
from tests.api.conftest import ApiServer, start_server
from tests.conftest import NOW, REPO_ROOT
from tests.sources.fake_github import FakeGitHub

TOKEN = "ghp_CompletenessApiToken00000000000000005"
GOLDEN = REPO_ROOT / "tests" / "data" / "completeness" / "acme.csv"
TOPICS = json.dumps({"team-risk": "group:default/risk-team"})
ROUTE = "/api/v1/reports/completeness"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seeded_store: Path) -> Iterator[ApiServer]:
    folder = tmp_path_factory.mktemp("completeness-api")
    store_path = folder / "scores.db"
    shutil.copyfile(seeded_store, store_path)
    with FakeGitHub(TOKEN) as github:
        settings = Settings(
            github_token=SecretStr(TOKEN), github_api_url=github.url, github_orgs="acme"
        )
        report = collect_organizations(settings, NOW)
    store = SQLiteStore(store_path)
    try:
        store.write_facts(report.facts)
    finally:
        store.close()
    started = start_server(
        folder,
        f"sqlite:///{store_path}",
        SCORECARDS_GITHUB_ORGS="acme",
        SCORECARDS_GITHUB_TOPIC_TEAMS=TOPICS,
    )
    yield started
    started.stop()


def test_the_report_gives_the_totals_of_the_stored_listing(server):
    with server.client() as client:
        answer = client.get(ROUTE)

    assert answer.status_code == 200
    assert answer.json()["totals"] == {
        "repositories": 31,
        "catalogued": 24,
        "uncatalogued": 7,
        "percentage": 77.4,
    }


def test_the_report_names_when_each_organisation_was_listed(server):
    with server.client() as client:
        [organization] = client.get(ROUTE).json()["organizations"]

    assert organization == {
        "org": "acme",
        "collected_at": "2026-11-25T12:00:00.000000Z",
        "listed": 34,
        "truncated": False,
        "notes": [],
    }


def test_the_csv_form_is_the_cli_export(server):
    with server.client() as client:
        answer = client.get(ROUTE, params={"format": "csv"})

    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text == GOLDEN.read_text()


def test_archived_repositories_and_forks_count_when_the_query_includes_them(server):
    with server.client() as client:
        totals = client.get(ROUTE, params={"include_archived": "true", "include_forks": "true"})

    assert totals.json()["totals"]["repositories"] == 34


def test_a_time_before_the_first_listing_finds_none_and_says_how_to_get_one(server):
    with server.client() as client:
        answer = client.get(ROUTE, params={"at": "2026-11-01T00:00:00Z"})

    assert answer.status_code == 404
    assert "at or before 2026-11-01" in answer.json()["error"]["message"]


def test_a_time_that_is_not_rfc_3339_is_refused_with_an_example(server):
    with server.client() as client:
        answer = client.get(ROUTE, params={"at": "yesterday"})

    assert answer.status_code == 422
    assert "2026-11-01T00:00:00Z" in answer.json()["error"]["message"]


def test_an_unknown_format_is_refused(server):
    with server.client() as client:
        answer = client.get(ROUTE, params={"format": "xml"})

    assert answer.status_code == 422


def test_a_server_without_organisations_names_the_setting(api):
    with api.client() as client:
        answer = client.get(ROUTE)

    assert answer.status_code == 404
    assert "SCORECARDS_GITHUB_ORGS" in answer.json()["error"]["message"]
