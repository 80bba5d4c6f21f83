"""`scorecards run` lists SCORECARDS_GITHUB_ORGS and `scorecards report --completeness`
compares it with the bundled examples catalog, end to end against the recorded `acme`
organisation on a GitHub-shaped server on 127.0.0.1.

The recording (tests/data/github/orgs/acme/) has 34 repositories: 25 that the 26
annotated example components name (acme/iso8583-codec is missing: dangling), of
which legacy-batch is archived; 7 more that no entity names; old-admin-panel
(archived) and envoy (a fork). So 31 count, 24 of them catalogued.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.stores import open_store
from tests.conftest import REPO_ROOT
from tests.sources.fake_github import FakeGitHub

runner = CliRunner()
TOKEN = "ghp_CompletenessCliToken00000000000000004"
GOLDEN = REPO_ROOT / "tests" / "data" / "completeness" / "acme.csv"
TOPICS = json.dumps({"team-risk": "group:default/risk-team"})


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        server.page_size = 10
        yield server


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("completeness")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        for name in list(os.environ):
            if name.startswith("SCORECARDS_"):
                patch.delenv(name)
        yield {
            "SCORECARDS_CONFIG": str(folder / "no-config.yaml"),
            "SCORECARDS_CATALOG": str(REPO_ROOT / "examples" / "catalog"),
            "SCORECARDS_DEFINITIONS": str(REPO_ROOT / "checks"),
            "SCORECARDS_FACTS": str(REPO_ROOT / "examples" / "facts"),
            "SCORECARDS_STORE_URL": f"sqlite:///{folder / 'scores.db'}",
            "SCORECARDS_GITHUB_ORGS": "acme",
            "SCORECARDS_GITHUB_TOPIC_TEAMS": TOPICS,
        }


@pytest.fixture(scope="module")
def collected(github: FakeGitHub, workspace: dict[str, str]) -> dict[str, str]:
    """The workspace after one `scorecards run` with a GitHub token; the run's output."""
    env = {**workspace, "SCORECARDS_GITHUB_TOKEN": TOKEN, "SCORECARDS_GITHUB_API_URL": github.url}
    result = runner.invoke(app, ["run"], env=env)
    assert result.exit_code == 0, result.output
    return {**workspace, "output": result.output}


def report(workspace: dict[str, str], *options: str, **env: str) -> Any:
    variables = {k: v for k, v in workspace.items() if k != "output"}
    result = runner.invoke(app, ["report", "--completeness", *options], env={**variables, **env})
    assert result.exit_code == 0, result.output
    return result.output


def as_json(workspace: dict[str, str], **env: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report(workspace, "--format", "json", **env))
    return data


def test_a_run_lists_the_configured_organisation_and_says_so(collected):
    assert "source github-repositories: 1 fetched, 0 failed, 0 skipped" in collected["output"]


def test_the_totals_count_catalogued_repositories_of_the_examples(collected):
    assert as_json(collected)["totals"] == {
        "repositories": 31,
        "catalogued": 24,
        "uncatalogued": 7,
        "percentage": 77.4,
    }


def test_archived_repositories_and_the_fork_are_left_out(collected):
    assert as_json(collected)["excluded"] == {"archived": 2, "forks": 1}


def test_archived_repositories_count_when_the_setting_includes_them(collected):
    totals = as_json(collected, SCORECARDS_COMPLETENESS_INCLUDE_ARCHIVED="true")["totals"]

    assert (totals["repositories"], totals["catalogued"]) == (33, 25)


def test_each_team_has_its_numbers_most_uncatalogued_first(collected):
    teams = [
        (t["team"], t["repositories"], t["catalogued"], t["percentage"])
        for t in as_json(collected)["teams"]
    ]

    # kyc-verifier: identity-team is admin on GitHub, so it counts there although the
    # catalog says risk-team; ml-feature-store has only the mapped topic team-risk;
    # chargeback-service has no GitHub team, so its catalog owner counts.
    assert teams == [
        ("group:default/platform-team", 6, 4, 66.7),
        ("group:default/identity-team", 3, 2, 66.7),
        ("group:default/ledger-team", 4, 3, 75.0),
        ("group:default/payments-team", 6, 5, 83.3),
        ("group:default/risk-team", 4, 3, 75.0),
        (None, 1, 0, 0.0),
        ("group:default/data-team", 2, 2, 100.0),
        ("group:default/disputes-team", 1, 1, 100.0),
        ("group:default/merchant-experience", 3, 3, 100.0),
        ("group:default/security-team", 1, 1, 100.0),
    ]


def test_the_uncatalogued_repositories_are_listed_with_team_and_last_push(collected):
    uncatalogued = as_json(collected)["uncatalogued"]

    assert [(r["name"], r["team"]) for r in uncatalogued] == [
        (".github", "group:default/platform-team"),
        ("hackathon-2025", None),
        ("identity-admin-ui", "group:default/identity-team"),
        ("ledger-migrations", "group:default/ledger-team"),
        ("ml-feature-store", "group:default/risk-team"),
        ("payments-reconciliation", "group:default/payments-team"),
        ("terraform-modules", "group:default/platform-team"),
    ]
    assert uncatalogued[5]["url"] == "https://github.com/acme/payments-reconciliation"
    assert uncatalogued[5]["pushed_at"] == "2026-11-24T12:30:00Z"


def test_an_entity_naming_a_repository_not_in_the_organisation_is_dangling(collected):
    assert as_json(collected)["dangling"] == [
        {
            "entity": "component:default/iso8583-codec",
            "slug": "acme/iso8583-codec",
            "owner": "group:default/payments-team",
        }
    ]


def test_the_csv_export_matches_its_golden_file(collected):
    assert report(collected, "--format", "csv") == GOLDEN.read_text()


def test_the_table_leads_with_the_catalogued_share(collected):
    assert "77.4% catalogued: 24 of 31 repositories" in report(collected)


def test_the_html_report_is_one_self_contained_page(collected, tmp_path):
    target = tmp_path / "completeness.html"
    report(collected, "--format", "html", "--output", str(target))

    page = target.read_text()
    assert page.lower().startswith("<!doctype html>")
    assert (
        '<a href="https://github.com/acme/hackathon-2025" rel="noopener noreferrer">'
        "acme/hackathon-2025</a>"
    ) in page
    assert "<script" not in page and "<link" not in page


def test_without_a_stored_listing_the_report_says_how_to_get_one(workspace, tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(empty).close()
    env = {**workspace, "SCORECARDS_STORE_URL": empty}
    result = runner.invoke(app, ["report", "--completeness"], env=env)

    assert result.exit_code == 2
    assert "no repository listing of acme is stored" in result.output
    assert "SCORECARDS_GITHUB_TOKEN" in result.output


def test_a_run_without_a_token_skips_the_listing_with_a_note(workspace, tmp_path):
    env = {**workspace, "SCORECARDS_STORE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    result = runner.invoke(app, ["run"], env=env)

    assert result.exit_code == 0, result.output
    assert "source github-repositories: skipped — SCORECARDS_GITHUB_TOKEN is not set" in (
        result.output
    )


def test_without_organisations_the_report_names_the_setting(workspace):
    env = {**workspace, "SCORECARDS_GITHUB_ORGS": ""}
    result = runner.invoke(app, ["report", "--completeness"], env=env)

    assert result.exit_code == 2
    assert "set SCORECARDS_GITHUB_ORGS" in result.output
