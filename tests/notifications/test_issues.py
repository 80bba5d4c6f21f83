"""Remediation issues: a failing opted-in check opens one GitHub issue in the entity's
repository, a later run updates it, a pass closes it — against a local stand-in for
GitHub's REST API answering with its response shapes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scorecards.engine.loading import load_definitions
from scorecards.notifications.dispatch import notify_run
from scorecards.records.notifications import Outcome
from tests.conftest import NOW
from tests.notifications.conftest import Receiver, hours

RUNBOOK = """
checks:
  - id: has-runbook
    name: Runbook linked
    severity: high
    applies: entity.kind == "Component"
    rule: '"runbook.example.com/url" in entity.metadata.annotations'
    message: '"no runbook for this " + entity.spec.?lifecycle.orValue("unknown") + " service"'
    remediation: Add the runbook.example.com/url annotation linking the on-call runbook.
"""

ISSUES = "/github/repos/acme/payments-api/issues"
JSON = {"Content-Type": "application/json; charset=utf-8"}
CREATED = json.dumps(
    {
        "number": 7,
        "html_url": "https://github.com/acme/payments-api/issues/7",
        "state": "open",
        "title": "Runbook linked fails for payments-api",
    }
)


def rule(api: str) -> str:
    return f"""
notifications:
  - id: runbook-issues
    events: [check-failing, check-recovered]
    checks: [has-runbook]
    destinations:
      - type: github-issue
        token: TEST_GITHUB_TOKEN
        api: {api}/github
        labels: [scorecards, reliability]
"""


def service(runbook: bool, lifecycle: str = "production") -> dict[str, Any]:
    annotations = {"github.com/project-slug": "acme/payments-api"}
    if runbook:
        annotations["runbook.example.com/url"] = "https://runbooks.example.com/payments"
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "payments-api", "annotations": annotations},
        "spec": {"type": "service", "lifecycle": lifecycle, "owner": "payments"},
    }


@pytest.fixture
def github(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("TEST_GITHUB_TOKEN", "ghp_test_token")
    receiver.script(ISSUES, (201, CREATED, JSON))
    receiver.script(f"{ISSUES}/7", (200, CREATED, JSON))
    receiver.script(f"{ISSUES}/7/comments", (201, json.dumps({"id": 1}), JSON))
    return receiver


def calls(receiver: Receiver) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in receiver.requests]


def test_a_failing_check_opens_one_issue_in_the_entitys_repository(
    scenario: Any, github: Receiver
) -> None:
    world = scenario(rule(github.url), RUNBOOK)
    world.score([service(runbook=True)], NOW)
    world.score([service(runbook=False)], hours(1))
    assert calls(github) == [("POST", ISSUES)]
    [opened] = github.requests
    assert opened.headers["Authorization"] == "Bearer ghp_test_token"
    body = opened.json()
    assert body["title"] == "Runbook linked fails for payments-api"
    assert body["labels"] == ["scorecards", "reliability"]
    assert "Add the runbook.example.com/url annotation" in body["body"]
    assert "> no runbook for this production service" in body["body"]
    marker = "<!-- scorecards: entity=component:default/payments-api check=has-runbook"
    assert marker in body["body"]


def test_a_later_run_updates_the_open_issue_instead_of_opening_another(
    scenario: Any, github: Receiver
) -> None:
    world = scenario(rule(github.url), RUNBOOK)
    world.score([service(runbook=True)], NOW)
    world.score([service(runbook=False)], hours(1))
    world.score([service(runbook=False)], hours(2))  # no change: nothing to do
    world.score([service(runbook=False, lifecycle="experimental")], hours(3))
    assert calls(github) == [("POST", ISSUES), ("PATCH", f"{ISSUES}/7")]
    assert "no runbook for this experimental service" in github.requests[1].json()["body"]


def test_a_pass_closes_the_issue_with_a_comment(scenario: Any, github: Receiver) -> None:
    world = scenario(rule(github.url), RUNBOOK)
    world.score([service(runbook=True)], NOW)
    world.score([service(runbook=False)], hours(1))
    world.score([service(runbook=True)], hours(2))
    assert calls(github) == [
        ("POST", ISSUES),
        ("POST", f"{ISSUES}/7/comments"),
        ("PATCH", f"{ISSUES}/7"),
    ]
    assert (
        "`has-runbook` passes for `component:default/payments-api`"
        in (github.requests[1].json()["body"])
    )
    assert github.requests[2].json() == {"state": "closed"}
    [record] = world.store.list_notifications()
    assert record.outcome == Outcome.SENT
    assert record.event_data == {"number": 7, "state": "closed"}


def test_failing_again_after_a_close_opens_a_new_issue(scenario: Any, github: Receiver) -> None:
    world = scenario(rule(github.url), RUNBOOK)
    world.score([service(runbook=True)], NOW)
    world.score([service(runbook=False)], hours(1))
    world.score([service(runbook=True)], hours(2))
    world.score([service(runbook=False)], hours(3))
    assert [c for c in calls(github) if c == ("POST", ISSUES)] == [("POST", ISSUES)] * 2


def test_a_dry_run_says_what_it_would_open_and_does_nothing(
    scenario: Any, github: Receiver
) -> None:
    world = scenario("", RUNBOOK)
    world.score([service(runbook=True)], NOW)
    run = world.score([service(runbook=False)], hours(1))
    (Path(world.folder) / "notifications.yaml").write_text(rule(github.url))
    definitions = load_definitions(world.folder, now=NOW)
    report = notify_run(world.store, definitions, run.evaluated_at, dry_run=True)
    assert [a.describe() for a in report.issues] == [
        "open issue acme/payments-api: Runbook linked on component:default/payments-api"
    ]
    assert github.requests == []
    assert world.store.list_notifications() == []


def test_an_entity_without_a_repository_gets_no_issue(scenario: Any, github: Receiver) -> None:
    world = scenario(rule(github.url), RUNBOOK)
    without = service(runbook=True)
    del without["metadata"]["annotations"]["github.com/project-slug"]
    world.score([without], NOW)
    del without["metadata"]["annotations"]["runbook.example.com/url"]
    world.score([without], hours(1))
    assert github.requests == []
