"""Secrets never reach logs, errors, stored facts, run records or the ETag cache.

The servers here misbehave on purpose, and several echo the token back (in error
messages, a branch name, a response body a mapping copies), so there is
something to leak; every place scorecards writes to is then searched for it.
"""

from __future__ import annotations

import json
import logging
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.engine.loading import load_definitions
from scorecards.settings import Settings
from scorecards.sources.collection import collect_source
from scorecards.sources.redaction import Redactor
from tests.conftest import NOW
from tests.sources.fake_github import DATA, Answer, FakeGitHub, secondary_rate_limit
from tests.sources.sonar_server import SonarServer
from tests.sources.test_github import component
from tests.stores.file_text import sqlite_store_text

GITHUB_TOKEN = "ghp_SECRET9f3Kq7Lm2Wx8Zr4Tn6Yb1Vc5"
SONAR_TOKEN = "squ_SECRET4d8Hs2Jp7Fk1Gq9Xw3"
SECRETS = (GITHUB_TOKEN, SONAR_TOKEN)
GRANTS = '{"SONAR_TOKEN": ["127.0.0.1"]}'

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    github.com/project-slug: acme/{name}
    sonarqube.org/project-key: {key}
spec: {{type: service, lifecycle: production, owner: group:default/payments-team}}
"""

DEFINITIONS = """\
checks:
  - id: branch-protected
    name: Default branch is protected
    requires: [github]
    rule: '"branch_protection_enabled" in facts.github && facts.github.branch_protection_enabled'
sources:
  - id: github
    type: github
    retries: 1
  - id: sonarqube
    type: http
    retries: 1
    url: '"{sonar}/api/measures/component?component=" + entity.metadata.annotations["sonarqube.org/project-key"]'
    headers: {{Authorization: "Bearer ${{SONAR_TOKEN}}"}}
    secrets: [SONAR_TOKEN]
    hosts: ["127.0.0.1"]
    facts:
      project: response.component.key
"""
ECHO_DEFINITIONS = """\
  - id: sonar-echo
    type: http
    url: '"{sonar}/api/measures/component?component=echo"'
    headers: {{Authorization: "Bearer ${{SONAR_TOKEN}}"}}
    secrets: [SONAR_TOKEN]
    hosts: ["127.0.0.1"]
    facts:
      seen: response.headers
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(GITHUB_TOKEN) as server:
        leaky = f"upstream auth failed for 'Authorization: Bearer {GITHUB_TOKEN}'"
        server.script("/repos/acme/payments-api", *[Answer(500, {"message": leaky})] * 3)
        repository = json.loads((DATA / "repos/acme/legacy-batch.json").read_text())
        server.script(
            "/repos/acme/legacy-batch", Answer(200, dict(repository, pushed_at=GITHUB_TOKEN))
        )
        server.script(
            "/repos/acme/ghost", Answer(200, dict(repository, default_branch=GITHUB_TOKEN))
        )
        next_page = f"<{server.url}/repos/acme/ghost/secret-scanning/alerts?after={GITHUB_TOKEN}>"
        server.script(
            "/repos/acme/ghost/secret-scanning/alerts",
            Answer(200, [], {"link": f'{next_page}; rel="next"'}),
        )
        server.script(
            "/repos/acme/status-page/dependabot/alerts",
            secondary_rate_limit(0),
            Answer(422, {"message": f"Validation Failed: token {GITHUB_TOKEN} is not allowed"}),
        )
        yield server


@pytest.fixture
def sonar() -> Iterator[SonarServer]:
    with SonarServer(SONAR_TOKEN) as server:
        yield server


def write_workspace(tmp_path: Path, sonar: SonarServer) -> list[str]:
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    entities = [("payments-api", "payments-api"), ("legacy-batch", "html-login")]
    entities += [("status-page", "missing"), ("ghost", "echo")]
    text = "---\n".join(CATALOG.format(name=name, key=key) for name, key in entities)
    (catalog / "components.yaml").write_text(text)
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "all.yaml").write_text(
        textwrap.dedent(DEFINITIONS + ECHO_DEFINITIONS).format(sonar=sonar.url)
    )
    (tmp_path / "facts").mkdir()
    return [
        f"--catalog={catalog}",
        f"--definitions={definitions}",
        f"--facts={tmp_path / 'facts'}",
        f"--store=sqlite:///{tmp_path / 'scores.db'}",
    ]


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret leaked into {where}"


def test_a_run_against_failing_servers_leaks_no_secret_anywhere(
    github, sonar, tmp_path, caplog: pytest.LogCaptureFixture
):
    options = write_workspace(tmp_path, sonar)
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    env = {
        "SCORECARDS_GITHUB_TOKEN": GITHUB_TOKEN,
        "SCORECARDS_GITHUB_API_URL": github.url,
        "SONAR_TOKEN": SONAR_TOKEN,
        "SCORECARDS_SOURCE_SECRETS": GRANTS,
    }

    result = CliRunner().invoke(app, ["run", *options], env=env)

    assert result.exit_code == 0, result.output
    # the secrets did travel, and came back in answers: there was something to leak
    assert {r.headers["authorization"] for r in github.requests} == {f"Bearer {GITHUB_TOKEN}"}
    assert len(result.stderr.splitlines()) >= 5  # errors from both sources were reported
    assert "[redacted]" in result.stderr
    database = tmp_path / "scores.db"
    assert '"pushed_at": "[redacted]"' in sqlite_store_text(database)
    assert "next-page link would carry a secret" in result.stderr
    assert_no_secret("the command output", result.output)
    assert_no_secret("the logs", caplog.text)
    assert_no_secret("the store (facts and runs)", sqlite_store_text(database))
    assert_no_secret("the ETag cache", (tmp_path / "scores.http-cache.json").read_text())


def test_a_mapping_that_copies_a_secret_stores_it_masked(sonar, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "echo.yaml").write_text(
        textwrap.dedent("sources:\n" + ECHO_DEFINITIONS).format(sonar=sonar.url)
    )
    source = load_definitions(folder, now=NOW).sources["sonar-echo"]
    environ = {"SONAR_TOKEN": SONAR_TOKEN, "SCORECARDS_SOURCE_SECRETS": GRANTS}

    report = collect_source(source, [component("a")], Settings(), NOW, environ=environ)

    seen: dict[str, Any] = dict(report.facts[0].values)["seen"]
    assert seen["Authorization"] == "Bearer [redacted]"


def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it(github, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "github.yaml").write_text("sources:\n  - id: github\n    type: github\n")
    source = load_definitions(folder, now=NOW).sources["github"]
    token = SecretStr(f"{GITHUB_TOKEN} {GITHUB_TOKEN}")

    report = collect_source(
        source,
        [component("payments-api", "acme/payments-api")],
        Settings(github_token=token, github_api_url=github.url),
        NOW,
    )

    assert report.error is not None and "SCORECARDS_GITHUB_TOKEN" in report.error
    assert_no_secret("the source error", report.error)
    assert github.requests == []


def test_an_api_url_holding_a_password_is_refused_without_echoing_it(github, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "github.yaml").write_text("sources:\n  - id: github\n    type: github\n")
    source = load_definitions(folder, now=NOW).sources["github"]
    url = github.url.replace("http://", f"http://proxy-user:{SONAR_TOKEN}@")

    report = collect_source(
        source,
        [component("payments-api", "acme/payments-api")],
        Settings(github_token=SecretStr(GITHUB_TOKEN), github_api_url=url),
        NOW,
    )

    assert report.error is not None and "must not hold a user name or password" in report.error
    assert_no_secret("the source error", report.error)
    assert github.requests == []


def test_the_redactor_masks_escaped_forms_too():
    redactor = Redactor(['to"ken\n'])

    assert redactor.text('{"a": "to\\"ken\\n"} and repr \'to"ken\\n\'') == (
        '{"a": "[redacted]"} and repr \'[redacted]\''
    )


def test_a_url_that_would_carry_a_secret_is_never_requested(sonar, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "sonar.yaml").write_text(
        textwrap.dedent(
            f"""\
            sources:
              - id: sonarqube
                type: http
                url: '"{sonar.url}/api/measures/component?component=" + entity.metadata.annotations["sonarqube.org/project-key"]'
                headers: {{Authorization: "Bearer ${{SONAR_TOKEN}}"}}
                secrets: [SONAR_TOKEN]
                hosts: ["127.0.0.1"]
                facts: {{project: response.component.key}}
            """
        )
    )
    source = load_definitions(folder, now=NOW).sources["sonarqube"]
    entity = component("pasted")
    entity["metadata"]["annotations"]["sonarqube.org/project-key"] = SONAR_TOKEN

    environ = {"SONAR_TOKEN": SONAR_TOKEN, "SCORECARDS_SOURCE_SECRETS": GRANTS}
    report = collect_source(source, [entity], Settings(), NOW, environ=environ)

    assert (report.failed, report.requests, sonar.requests) == (1, 0, [])
    assert "the URL would carry a secret" in report.errors[0].error
    assert_no_secret("the entity error", report.errors[0].error)
