"""The declarative HTTP source (`type: http`) against a SonarQube-shaped API on 127.0.0.1."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Source
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError
from scorecards.records.entities import Entity, normalize_entity
from scorecards.settings import Settings
from scorecards.sources.collection import CollectionReport, collect_source
from scorecards.sources.fetch import FetchPolicy
from tests.conftest import NOW
from tests.sources.sonar_server import SonarServer

SONAR_TOKEN = "squ_test_4f1d2c3b5a6978"
GRANTS = {"SCORECARDS_SOURCE_SECRETS": '{"SONAR_TOKEN": ["127.0.0.1"]}'}
ENVIRON = {"SONAR_TOKEN": SONAR_TOKEN, **GRANTS}
QUICK = FetchPolicy(backoff=0.01, max_backoff=0.05)

SONARQUBE = """\
sources:
  - id: sonarqube
    type: http
    applies: '"sonarqube.org/project-key" in entity.metadata.annotations'
    url: '"{base}/api/measures/component?metricKeys=coverage&component=" + entity.metadata.annotations["sonarqube.org/project-key"]'
    headers: {{Authorization: "Bearer ${{SONAR_TOKEN}}"}}
    secrets: [SONAR_TOKEN]
    hosts: ["127.0.0.1"]
    timeout: 0.5
    retries: {retries}
    facts:
      coverage: double(response.component.measures.filter(m, m.metric == "coverage")[0].value)
      project: response.component.key
    schema:
      coverage: {{type: float, description: Line coverage in percent}}
      project: {{type: {project_type}}}
"""


@pytest.fixture
def sonar() -> Iterator[SonarServer]:
    with SonarServer(SONAR_TOKEN) as server:
        yield server


def component(name: str, project_key: str | None = None) -> Entity:
    annotations = {"sonarqube.org/project-key": project_key} if project_key else {}
    return normalize_entity(
        {
            "kind": "Component",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
        }
    )


def write_source(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "sources.yaml").write_text(textwrap.dedent(text))
    return folder


def sonar_source(
    tmp_path: Path, base: str, retries: int = 0, project_type: str = "string"
) -> Source:
    text = SONARQUBE.format(base=base, retries=retries, project_type=project_type)
    folder = write_source(tmp_path / "definitions", text)
    return load_definitions(folder, now=NOW, environ=ENVIRON).sources["sonarqube"]


def collect(
    source: Source, entities: list[Entity], environ: dict[str, str] | None = None
) -> CollectionReport:
    return collect_source(
        source,
        entities,
        Settings(),
        NOW,
        environ=ENVIRON if environ is None else environ,
        policy=QUICK,
    )


def facts_of(report: CollectionReport) -> dict[str, dict[str, Any]]:
    return {fact.entity_ref: dict(fact.values) for fact in report.facts}


def test_facts_are_cel_mappings_over_the_json_response(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    report = collect(source, [component("payments-api", "payments-api")])

    assert facts_of(report) == {
        "component:default/payments-api": {"coverage": 87.4, "project": "payments-api"}
    }
    assert (report.fetched, report.requests, report.errors) == (1, 1, [])
    assert [fact.timestamp for fact in report.facts] == [NOW]


def test_header_variables_are_filled_from_the_environment(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    collect(source, [component("payments-api", "payments-api")])

    assert sonar.requests[0]["authorization"] == f"Bearer {SONAR_TOKEN}"


def test_entities_the_source_does_not_apply_to_are_skipped(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    report = collect(source, [component("no-sonar"), component("payments-api", "payments-api")])

    assert (report.skipped, report.fetched, report.requests) == (1, 1, 1)


def test_a_failing_mapping_fails_only_its_entity(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)
    entities = [component("legacy", "no-coverage"), component("payments-api", "payments-api")]

    report = collect(source, entities)

    assert set(facts_of(report)) == {"component:default/payments-api"}
    [error] = report.errors
    assert (error.entity_ref, error.source) == ("component:default/legacy", "sonarqube")
    assert error.error.startswith("fact 'coverage' (")
    assert "sources.yaml:2" in error.error
    assert 'm.metric == "coverage"' in error.error  # the expression that failed


def test_a_body_that_is_not_json_fails_its_entity(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    report = collect(source, [component("web", "html-login")])

    assert report.facts == []
    assert "not JSON (text/html" in report.errors[0].error


def test_a_timeout_fails_its_entity_after_its_retries(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url, retries=1)

    report = collect(source, [component("slow", "slow")])

    assert (report.failed, report.requests) == (1, 2)
    assert "no answer within 0.5s" in report.errors[0].error


def test_an_error_status_fails_its_entity_with_the_status(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    report = collect(source, [component("gone", "missing")])

    assert "404 Not Found" in report.errors[0].error
    assert report.requests == 1  # a 404 is not retried


def test_a_value_that_breaks_the_declared_schema_fails_its_entity(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url, project_type="integer")

    report = collect(source, [component("payments-api", "payments-api")])

    assert report.facts == []
    assert "the schema declares integer, but the mapping gave 'payments-api'" in (
        report.errors[0].error
    )


def test_a_url_expression_that_raises_fails_its_entity(sonar, tmp_path):
    folder = write_source(
        tmp_path / "definitions",
        f"""\
        sources:
          - id: sonarqube
            type: http
            url: '"{sonar.url}/api/measures/component?component=" + entity.spec.sonarKey'
            facts: {{project: response.component.key}}
        """,
    )
    source = load_definitions(folder, now=NOW).sources["sonarqube"]

    report = collect(source, [component("payments-api")])

    assert report.requests == 0
    assert report.errors[0].error.startswith("url (")
    assert "sonarKey" in report.errors[0].error


def test_an_unset_variable_is_a_validation_error_naming_it(sonar, tmp_path):
    folder = write_source(
        tmp_path / "definitions", SONARQUBE.format(base=sonar.url, retries=0, project_type="string")
    )

    with pytest.raises(DefinitionsError) as raised:
        load_definitions(folder, now=NOW, environ=GRANTS)

    [problem] = raised.value.problems
    assert (problem.file.endswith("sources.yaml"), problem.line) == (True, 6)
    assert "SONAR_TOKEN" in problem.message
    assert problem.hint is not None and "export SONAR_TOKEN" in problem.hint


def test_an_empty_variable_counts_as_unset(sonar, tmp_path):
    folder = write_source(
        tmp_path / "definitions", SONARQUBE.format(base=sonar.url, retries=0, project_type="string")
    )

    with pytest.raises(DefinitionsError, match="SONAR_TOKEN"):
        load_definitions(folder, now=NOW, environ={"SONAR_TOKEN": "", **GRANTS})


def test_commands_that_do_not_collect_load_definitions_without_the_variable(sonar, tmp_path):
    folder = write_source(
        tmp_path / "definitions", SONARQUBE.format(base=sonar.url, retries=0, project_type="string")
    )

    definitions = load_definitions(folder, now=NOW)  # no environ: header variables unchecked

    assert "sonarqube" in definitions.sources


def test_an_unset_variable_at_collection_fails_the_source_without_requests(sonar, tmp_path):
    source = sonar_source(tmp_path, sonar.url)

    report = collect(source, [component("payments-api", "payments-api")], environ=GRANTS)

    assert report.error is not None and "SONAR_TOKEN" in report.error
    assert (report.requests, report.facts, sonar.requests) == (0, [], [])


def test_a_malformed_header_reference_is_a_validation_error(tmp_path):
    folder = write_source(
        tmp_path / "definitions",
        """\
        sources:
          - id: cmdb
            type: http
            url: '"https://cmdb.example.com/api/" + entity.metadata.name'
            headers: {X-Api-Key: "${CMDB KEY}"}
            facts: {tier: response.tier}
        """,
    )

    with pytest.raises(DefinitionsError, match="malformed reference"):
        load_definitions(folder, now=NOW)


def test_a_doubled_dollar_writes_a_literal_reference(sonar, tmp_path):
    folder = write_source(
        tmp_path / "definitions",
        f"""\
        sources:
          - id: sonarqube
            type: http
            url: '"{sonar.url}/api/measures/component?component=echo"'
            headers: {{Authorization: "Bearer ${{SONAR_TOKEN}}", X-Template: "$${{HOME}}"}}
            secrets: [SONAR_TOKEN]
            hosts: ["127.0.0.1"]
            facts: {{template: 'response.headers["X-Template"]'}}
        """,
    )
    source = load_definitions(folder, now=NOW, environ=ENVIRON).sources["sonarqube"]

    report = collect(source, [component("payments-api")])

    assert facts_of(report)["component:default/payments-api"] == {"template": "${HOME}"}


def test_a_github_source_takes_no_url_headers_or_facts(tmp_path):
    folder = write_source(
        tmp_path / "definitions",
        """\
        sources:
          - id: github
            type: github
            facts: {stars: response.stargazers_count}
        """,
    )

    with pytest.raises(DefinitionsError, match="a github source takes no 'facts'"):
        load_definitions(folder, now=NOW)
