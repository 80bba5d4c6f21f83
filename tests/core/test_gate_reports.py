"""How a gate decision is rendered for CI: escaping and locations (golden files cover the rest)."""

from __future__ import annotations

import json

from scorecards.gate import Decision, GateCheck, GateDecision, Threshold
from scorecards.gate.reports import render_github_commands, render_job_summary, render_text
from scorecards.gate.sarif import render_sarif
from scorecards.records.results import Status
from tests.conftest import NOW

TRICKY = GateCheck(
    id="has-owner",
    name="Owner, team: set",
    status=Status.FAIL,
    message="100% missing | line one\nline two",
    remediation="Set spec.owner | see docs",
)


def decision(
    outcome: Decision = Decision.FAIL,
    location: str | None = None,
    checks: tuple[GateCheck, ...] = (TRICKY,),
) -> GateDecision:
    return GateDecision(
        outcome,
        ("level Bronze (score 40) is below the minimum level Silver",),
        "component:default/payments-api",
        "readiness",
        Threshold(min_level="Silver"),
        score=40.0,
        level="Bronze",
        evaluated_at=NOW,
        definitions_version="abc",
        checks=checks,
        entity_location=location,
    )


def test_workflow_commands_escape_percent_newlines_colons_and_commas() -> None:
    first = render_github_commands(decision()).splitlines()[0]
    assert first == (
        "::error title=has-owner%3A Owner%2C team%3A set::"
        "fail: 100%25 missing | line one%0Aline two%0Afix: Set spec.owner | see docs"
    )


def test_workflow_commands_point_at_a_catalog_file_in_the_repository() -> None:
    lines = render_github_commands(decision(location="services/a/catalog-info.yaml"))
    assert lines.startswith("::error file=services/a/catalog-info.yaml,title=")


def test_workflow_commands_name_no_file_for_a_catalog_url() -> None:
    lines = render_github_commands(decision(location="https://github.com/acme/a/blob/main/x.yaml"))
    assert "file=" not in lines


def test_passing_gate_ends_with_a_notice() -> None:
    last = render_github_commands(decision(Decision.PASS, checks=())).splitlines()[-1]
    assert last.startswith(
        "::notice title=scorecards gate passed%3A component%3Adefault/payments-api::"
    )


def test_job_summary_escapes_table_cells() -> None:
    row = render_job_summary(decision()).splitlines()[-3]
    assert row == (
        "| ❌ fail | Owner, team: set (`has-owner`) | 100% missing \\| line one<br>line two "
        "| Set spec.owner \\| see docs |"
    )


def test_text_report_of_a_pass_lists_no_checks_to_fix() -> None:
    passing = GateCheck("has-owner", "Has an owner", Status.PASS)
    text = render_text(decision(Decision.PASS, checks=(passing,)))
    assert text.splitlines()[0] == "PASS component:default/payments-api — readiness (readiness)"
    assert "has-owner" not in text


def test_sarif_points_at_an_absolute_catalog_path_with_a_file_uri() -> None:
    log = json.loads(render_sarif(decision(location="/srv/repo/catalog-info.yaml")))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "file:///srv/repo/catalog-info.yaml"


def test_sarif_without_a_known_catalog_file_names_the_entity_only() -> None:
    log = json.loads(render_sarif(decision()))
    (location,) = log["runs"][0]["results"][0]["locations"]
    assert location == {
        "logicalLocations": [
            {"name": "payments-api", "fullyQualifiedName": "component:default/payments-api"}
        ]
    }
