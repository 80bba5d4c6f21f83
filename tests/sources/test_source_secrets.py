"""A source sends only the secrets it declares and the operator grants, only to its hosts.

The operator grants environment variables to sources, each with the hosts it may
go to, in SCORECARDS_SOURCE_SECRETS; scorecards' own tokens are refused unless
granted by name. `validate` names every violation at file:line; a collection
checks again and sends nothing a grant or `hosts` does not allow.
"""

from __future__ import annotations

import json
import logging
import os
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.definitions.compiled import Source
from scorecards.definitions.hosts import parse_host_pattern
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError, Problem
from scorecards.records.entities import Entity, normalize_entity
from scorecards.settings import Settings
from scorecards.sources.collection import CollectionReport, collect_source
from tests.conftest import NOW
from tests.stores.file_text import sqlite_store_text

KEY = "key_SECRET2b7d4f9e1a6c"
PROJECT_TOKENS = {
    "SCORECARDS_API_TOKENS": "api_SECRET11a,api_SECRET22b",
    "SCORECARDS_TOKEN": "push_SECRET33c",
    "SCORECARDS_BACKSTAGE_TOKEN": "bs_SECRET44d",
    "SCORECARDS_GITHUB_TOKEN": "ghp_SECRET55e",
}
SECRETS = (KEY, *PROJECT_TOKENS.values(), *PROJECT_TOKENS["SCORECARDS_API_TOKENS"].split(","))

# Line 6: the header; 7: secrets; 8: hosts.
CMDB = """\
sources:
  - id: cmdb
    type: http
    url: '{url}'
    headers:
      X-Api-Key: "${{{variable}}}"
    secrets: [{secrets}]
    hosts: [{hosts}]
    facts: {{tier: response.tier}}
"""
PER_ENTITY_URL = 'entity.metadata.annotations["cmdb/api"] + "/cmdb/" + entity.metadata.name'


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)


def cmdb(
    tmp_path: Path,
    *,
    url: str = PER_ENTITY_URL,
    variable: str = "CMDB_KEY",
    secrets: str = "CMDB_KEY",
    hosts: str = '"127.0.0.1"',
) -> Path:
    folder = tmp_path / "definitions"
    folder.mkdir(exist_ok=True)
    text = CMDB.format(url=url, variable=variable, secrets=secrets, hosts=hosts)
    (folder / "cmdb.yaml").write_text(text)
    return folder


def grants(**hosts: list[str]) -> str:
    return json.dumps(hosts)


def environ(granted: str | None = None, **variables: str) -> dict[str, str]:
    granted = grants(CMDB_KEY=["127.0.0.1"]) if granted is None else granted
    return {"CMDB_KEY": KEY, "SCORECARDS_SOURCE_SECRETS": granted, **variables}


def problems(folder: Path, env: dict[str, str] | None) -> list[Problem]:
    with pytest.raises(DefinitionsError) as raised:
        load_definitions(folder, now=NOW, environ=env)
    return raised.value.problems


def at(problem: Problem) -> str:
    return f"{Path(problem.file).name}:{problem.line}"


def entity(name: str, api: str) -> Entity:
    return normalize_entity(
        {
            "kind": "Component",
            "metadata": {"name": name, "annotations": {"cmdb/api": api}},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
        }
    )


def collect(source: Source, entities: list[Entity], env: dict[str, str]) -> CollectionReport:
    return collect_source(source, entities, Settings(), NOW, environ=env)


# validate: every violation at file:line


def test_a_header_using_a_variable_the_source_does_not_declare_is_an_error_at_its_line(
    tmp_path,
):
    folder = cmdb(tmp_path, variable="SONAR_TOKEN")

    found = problems(folder, None)

    assert [(at(p), p.message) for p in found if "SONAR_TOKEN" in p.message] == [
        (
            "cmdb.yaml:6",
            "header 'X-Api-Key' uses ${SONAR_TOKEN}, which the source does not "
            "declare in `secrets`",
        )
    ]


def test_a_variable_the_operator_has_not_granted_is_an_error_at_its_line(tmp_path):
    folder = cmdb(tmp_path)

    [problem] = problems(folder, environ(granted=grants(OTHER_KEY=["127.0.0.1"])))

    assert at(problem) == "cmdb.yaml:7"
    assert "CMDB_KEY is not granted to sources" in problem.message
    assert problem.hint is not None and "SCORECARDS_SOURCE_SECRETS" in problem.hint


@pytest.mark.parametrize("token", sorted(PROJECT_TOKENS))
def test_the_projects_own_tokens_are_refused_unless_granted_by_name(tmp_path, token):
    folder = cmdb(tmp_path, variable=token, secrets=token)

    [problem] = problems(folder, environ(**PROJECT_TOKENS))

    assert at(problem) == "cmdb.yaml:7"
    assert f"secret {token} is one of scorecards' own settings" in problem.message


def test_a_project_token_granted_by_name_is_sent_to_the_granted_host(tmp_path, first):
    token = "SCORECARDS_GITHUB_TOKEN"
    env = environ(granted=grants(**{token: ["127.0.0.1"]}), **PROJECT_TOKENS)
    folder = cmdb(tmp_path, variable=token, secrets=token)
    source = load_definitions(folder, now=NOW, environ=env).sources["cmdb"]

    report = collect(source, [entity("payments", first.url)], env)

    assert report.fetched == 1
    assert first.requests[0].headers["x-api-key"] == PROJECT_TOKENS[token]


def test_a_source_with_secret_headers_but_no_hosts_is_an_error(tmp_path):
    folder = cmdb(tmp_path, hosts="")

    [problem] = problems(folder, None)

    assert at(problem) == "cmdb.yaml:7"
    assert problem.message == "the source sends secrets but declares no `hosts` they may go to"


def test_a_host_beyond_the_grant_is_an_error_at_its_line(tmp_path):
    folder = cmdb(tmp_path, hosts='"127.0.0.1", "*.example.com"')

    [problem] = problems(folder, environ(granted=grants(CMDB_KEY=["127.0.0.1", "a.example.com"])))

    assert at(problem) == "cmdb.yaml:8"
    assert problem.message == (
        "host *.example.com is not one SCORECARDS_SOURCE_SECRETS lets CMDB_KEY go to "
        "(127.0.0.1, a.example.com)"
    )


def test_a_url_literal_naming_a_host_outside_the_hosts_is_an_error_at_the_url_line(tmp_path):
    folder = cmdb(tmp_path, url='"https://cmdb.example.net/api/" + entity.metadata.name')

    [problem] = problems(folder, None)

    assert at(problem) == "cmdb.yaml:4"
    assert "url goes to cmdb.example.net:443, which is not among the source's hosts" in (
        problem.message
    )


@pytest.mark.parametrize("written", ["https://api.example.com", "api.example.com/v1", "*.com", "*"])
def test_a_host_that_is_not_a_host_pattern_is_an_error_at_its_line(tmp_path, written):
    folder = cmdb(tmp_path, hosts=json.dumps(written))

    [problem] = problems(folder, None)

    assert at(problem) == "cmdb.yaml:8"
    assert problem.message.startswith(f"hosts.0: '{written}' is ")


def test_grants_that_are_not_a_json_object_are_an_error_naming_the_variable(tmp_path):
    folder = cmdb(tmp_path)

    [problem] = problems(folder, environ(granted="CMDB_KEY=127.0.0.1"))

    assert at(problem) == "cmdb.yaml:7"
    assert problem.message.startswith("SCORECARDS_SOURCE_SECRETS is not JSON")


def test_an_unset_granted_variable_is_an_error_naming_it(tmp_path):
    folder = cmdb(tmp_path)
    env = environ()
    del env["CMDB_KEY"]

    [problem] = problems(folder, env)

    assert at(problem) == "cmdb.yaml:6"
    assert "the environment variable CMDB_KEY is not set" in problem.message


def test_a_source_within_its_grant_loads(tmp_path):
    folder = cmdb(tmp_path, hosts='"127.0.0.1:8443", "api.example.com"')
    env = environ(granted=grants(CMDB_KEY=["127.0.0.1", "*.example.com"]))

    assert "cmdb" in load_definitions(folder, now=NOW, environ=env).sources


@pytest.mark.parametrize(
    ("pattern", "host", "port", "allowed"),
    [
        ("api.example.com", "API.example.com", 443, True),
        ("api.example.com", "api.example.com.evil.net", 443, False),
        ("api.example.com:8443", "api.example.com", 443, False),
        ("*.example.com", "a.b.example.com", 80, True),
        ("*.example.com", "example.com", 443, False),
        ("*.example.com", "badexample.com", 443, False),
        ("[::1]:9000", "::1", 9000, True),
    ],
)
def test_a_host_pattern_matches_only_the_hosts_it_names(pattern, host, port, allowed):
    assert parse_host_pattern(pattern).matches(host, port) is allowed


# collection: checked again, nothing sent that is not allowed


def test_a_url_outside_the_declared_hosts_fails_its_entity_and_sends_nothing(
    tmp_path, first, second
):
    folder = cmdb(tmp_path, hosts=f'"127.0.0.1:{first.port}"')
    source = load_definitions(folder, now=NOW, environ=environ()).sources["cmdb"]

    report = collect(source, [entity("kept", first.url), entity("sent-off", second.url)], environ())

    assert [fact.entity_ref for fact in report.facts] == ["component:default/kept"]
    assert second.requests == []
    [error] = report.errors
    assert error.entity_ref == "component:default/sent-off"
    assert f"refusing GET {second.url}/cmdb/sent-off: its host is not among the source's hosts" in (
        error.error
    )


def test_a_secret_the_collecting_environment_does_not_grant_fails_the_source_unsent(
    tmp_path, first
):
    source = load_definitions(cmdb(tmp_path), now=NOW).sources["cmdb"]  # as a worker loads it

    report = collect(source, [entity("payments", first.url)], environ(granted=""))

    assert report.error is not None and "CMDB_KEY is not granted to sources" in report.error
    assert (report.requests, first.requests) == (0, [])


def test_no_secret_reaches_logs_errors_or_stored_facts(tmp_path, first, second, caplog):
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "echo.yaml").write_text(
        textwrap.dedent(
            f"""\
            sources:
              - id: echo
                type: http
                url: '"{first.url}/" + entity.metadata.name'
                headers: {{X-Api-Key: "${{CMDB_KEY}}"}}
                secrets: [CMDB_KEY]
                hosts: ["127.0.0.1:{first.port}"]
                facts: {{seen: response}}
            """
        )
    )
    first.redirect("/leak", f"{second.url}/x?k={KEY}")
    source = load_definitions(folder, now=NOW, environ=environ()).sources["echo"]
    entities = [entity("echo", ""), entity("leak", "")]

    report = collect(source, entities, environ())

    assert first.requests[0].headers["x-api-key"] == KEY  # it was sent, and echoed back
    assert (report.fetched, report.failed, second.requests) == (1, 1, [])
    recorded = {
        "logs": caplog.text,
        "errors": "\n".join(map(str, report.errors)),
        "facts": json.dumps([fact.values for fact in report.facts]),
    }
    for where, text in recorded.items():
        assert KEY not in text, f"the secret leaked into the {where}"
    assert "[redacted]" in recorded["facts"] and "[redacted]" in recorded["errors"]


# the attack of issue 13 (H2), as written: no secrets or hosts declared

EXFILTRATE = """\
sources:
  - id: exfiltrate
    type: http
    url: '"{url}/collect/" + entity.metadata.name'
    headers:
      X-A: "${{SCORECARDS_GITHUB_TOKEN}}"
      X-B: "${{SCORECARDS_BACKSTAGE_TOKEN}}"
      X-C: "${{SCORECARDS_API_TOKENS}}"
    facts: {{got: response.path}}
"""
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments-api}
spec: {type: service, lifecycle: production, owner: group:default/payments-team}
"""


def attack_workspace(tmp_path: Path, url: str) -> list[str]:
    for folder, name, text in (
        ("definitions", "exfiltrate.yaml", EXFILTRATE.format(url=url)),
        ("catalog", "components.yaml", COMPONENT),
        ("facts", ".keep", ""),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(text)
    return [
        f"--catalog={tmp_path / 'catalog'}",
        f"--definitions={tmp_path / 'definitions'}",
        f"--facts={tmp_path / 'facts'}",
        f"--store=sqlite:///{tmp_path / 'scores.db'}",
    ]


def test_validate_refuses_a_source_that_sends_the_projects_tokens_anywhere(tmp_path, first):
    attack_workspace(tmp_path, first.url)

    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "definitions")], env=PROJECT_TOKENS
    )

    assert result.exit_code != 0
    for line, variable in ((6, "SCORECARDS_GITHUB_TOKEN"), (8, "SCORECARDS_API_TOKENS")):
        assert f"exfiltrate.yaml:{line}: source 'exfiltrate': header 'X-" in result.output
        assert f"uses ${{{variable}}}, which the source does not declare" in result.output
    for secret in SECRETS:
        assert secret not in result.output


def test_a_run_sends_the_projects_tokens_nowhere(tmp_path, first):
    options = attack_workspace(tmp_path, first.url)

    result = CliRunner().invoke(app, ["run", *options], env=PROJECT_TOKENS)

    assert first.requests == []
    stored = tmp_path / "scores.db"
    text = sqlite_store_text(stored) if stored.exists() else ""
    for secret in SECRETS:
        assert secret not in result.output + text
