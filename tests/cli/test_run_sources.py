"""`scorecards run` collects GitHub and HTTP sources before scoring; `validate` checks ${VAR}s."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.records.results import Status
from scorecards.stores import open_store
from tests.sources.fake_github import FakeGitHub

runner = CliRunner()
TOKEN = "ghp_CliTestToken000000000000000000000002"

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations: {github.com/project-slug: acme/payments-api}
spec: {type: service, lifecycle: production, owner: group:default/payments-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: legacy-batch
  annotations: {github.com/project-slug: acme/legacy-batch}
spec: {type: service, lifecycle: deprecated, owner: group:default/payments-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: docs-site}
spec: {type: website, lifecycle: production, owner: group:default/payments-team}
"""

DEFINITIONS = """\
checks:
  - id: branch-protected
    name: Default branch is protected
    applies: '"github.com/project-slug" in entity.metadata.annotations'
    requires: [github]
    rule: '"branch_protection_enabled" in facts.github && facts.github.branch_protection_enabled'
sources:
  - id: github
    type: github
    maxAge: 7d
"""

SONAR = """\
sources:
  - id: sonarqube
    type: http
    url: '"http://127.0.0.1:9/api/measures/component?component=" + entity.metadata.name'
    headers: {Authorization: "Bearer ${SONAR_TOKEN}"}
    secrets: [SONAR_TOKEN]
    hosts: ["127.0.0.1:9"]
    facts:
      coverage: double(response.component.measures[0].value)
"""
GRANTS = {"SCORECARDS_SOURCE_SECRETS": '{"SONAR_TOKEN": ["127.0.0.1"]}'}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scorecards.yaml or SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_") or name == "SONAR_TOKEN":
            monkeypatch.delenv(name)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, str]:
    for folder, name, text in (
        ("catalog", "components.yaml", CATALOG),
        ("definitions", "github.yaml", DEFINITIONS),
        ("facts", ".keep", ""),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(textwrap.dedent(text))
    return {
        "catalog": str(tmp_path / "catalog"),
        "definitions": str(tmp_path / "definitions"),
        "facts": str(tmp_path / "facts"),
        "store": f"sqlite:///{tmp_path / 'scores.db'}",
    }


def run(workspace: dict[str, str], env: dict[str, str] | None = None) -> str:
    options = [f"--{name}={value}" for name, value in workspace.items()]
    result = runner.invoke(app, ["run", *options], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def github_env(github: FakeGitHub) -> dict[str, str]:
    return {"SCORECARDS_GITHUB_TOKEN": TOKEN, "SCORECARDS_GITHUB_API_URL": github.url}


def test_run_collects_github_before_scoring_and_prints_a_line_for_the_source(github, workspace):
    output = run(workspace, github_env(github))

    assert "source github: 2 fetched, 0 failed, 1 skipped; 14 requests" in output
    store = open_store(workspace["store"])
    evaluation = store.latest_evaluations(["component:default/payments-api"])
    assert evaluation["component:default/payments-api"].checks[0].status == Status.PASS
    assert store.list_runs(1)[0].sources["github"]["fetched"] == 2


def test_a_second_run_sends_the_etags_kept_beside_the_store(github, workspace, tmp_path):
    run(workspace, github_env(github))

    output = run(workspace, github_env(github))

    assert "14 requests (10 not modified)" in output  # GitHub's 403/404 answers carry no ETag
    assert (tmp_path / "scores.http-cache.json").is_file()


def test_run_without_a_github_token_skips_the_source_with_a_note_and_still_scores(workspace):
    output = run(workspace)

    assert "source github: skipped — SCORECARDS_GITHUB_TOKEN is not set" in output
    store = open_store(workspace["store"])
    evaluation = store.latest_evaluations(["component:default/payments-api"])
    assert evaluation["component:default/payments-api"].checks[0].status == Status.UNKNOWN
    assert store.list_runs(1)[0].errors == []


def test_entity_errors_are_printed_and_kept_on_the_run(github, workspace, tmp_path):
    catalog = tmp_path / "catalog" / "components.yaml"
    catalog.write_text(catalog.read_text().replace("acme/legacy-batch", "acme/ghost"))

    result = runner.invoke(
        app, ["run", *(f"--{k}={v}" for k, v in workspace.items())], env=github_env(github)
    )

    assert result.exit_code == 0, result.output
    assert "source github: 1 fetched, 1 failed" in result.stdout
    assert "error: source github: component:default/legacy-batch: GET " in result.stderr
    assert open_store(workspace["store"]).list_runs(1)[0].sources["github"]["failed"] == 1


def test_validate_names_a_header_variable_that_is_not_set(workspace):
    (Path(workspace["definitions"]) / "sonar.yaml").write_text(SONAR)

    result = runner.invoke(app, ["validate", workspace["definitions"]], env=GRANTS)

    assert result.exit_code == 1
    assert "sonar.yaml:5: source 'sonarqube': header 'Authorization' uses ${SONAR_TOKEN}" in (
        result.output
    )


def test_validate_passes_once_the_variable_is_set(workspace):
    (Path(workspace["definitions"]) / "sonar.yaml").write_text(SONAR)

    result = runner.invoke(
        app, ["validate", workspace["definitions"]], env={"SONAR_TOKEN": "x1", **GRANTS}
    )

    assert result.exit_code == 0, result.output


def test_an_unset_variable_stops_only_its_source_in_a_run(workspace):
    (Path(workspace["definitions"]) / "sonar.yaml").write_text(SONAR)

    result = runner.invoke(app, ["run", *(f"--{k}={v}" for k, v in workspace.items())], env=GRANTS)

    assert result.exit_code == 0, result.output
    assert "source sonarqube: not collected — " in result.stdout
    assert "SONAR_TOKEN" in result.stdout
    assert "error: source sonarqube:" in result.stderr
