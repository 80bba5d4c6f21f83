"""Notification rules in the definitions: validated like the rest (file:line), and what they
match, where they route and what events results give — the pure part."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Campaign, Definitions, Exemption, Location
from scorecards.definitions.specs import CampaignSpec, ExemptionSpec
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError
from scorecards.notifications.events import Event, campaign_events, entity_events, exemption_events
from scorecards.notifications.routing import address_of, is_wanted, last_fire
from scorecards.records.results import CheckResult, EntityEvaluation, ScorecardResult, Status
from tests.conftest import NOW, REPO_ROOT, WriteDefinitions
from tests.notifications.conftest import CHECKS, group

RULE = """
notifications:
  - id: nudges
    events: [level-dropped, check-failing]
    destinations:
      - type: slack
        channels: {"#payments": SLACK_PAYMENTS}
        default: SLACK_PLATFORM
"""


def problem(write: WriteDefinitions, notifications: str) -> str:
    folder: Path = write(checks=CHECKS, notifications=notifications)
    with pytest.raises(DefinitionsError) as caught:
        load_definitions(folder, now=NOW)
    [found] = caught.value.problems
    return str(found)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_valid_rule_loads_and_does_not_change_the_definitions_version(
    write_definitions: WriteDefinitions,
) -> None:
    folder = write_definitions(checks=CHECKS, notifications=RULE)
    with_rule = load_definitions(folder, now=NOW)
    (folder / "notifications.yaml").unlink()
    without = load_definitions(folder, now=NOW)
    assert list(with_rule.notifications) == ["nudges"]
    assert with_rule.version == without.version


def test_an_unknown_event_is_reported_at_its_line(write_definitions: WriteDefinitions) -> None:
    text = RULE.replace("check-failing", "check-broken")
    found = problem(write_definitions, text)
    assert (
        f"notifications.yaml:{line_of(text, 'events:')}: notification 'nudges': events.1:" in found
    )
    assert "check-broken" in found


def test_a_destination_without_url_variables_is_refused(
    write_definitions: WriteDefinitions,
) -> None:
    text = """
notifications:
  - id: nudges
    events: [level-dropped]
    destinations:
      - type: slack
"""
    found = problem(write_definitions, text)
    assert f"notifications.yaml:{line_of(text, 'type: slack')}: notification 'nudges'" in found
    assert "name the webhook URLs' environment variables" in found


def test_a_url_in_place_of_a_variable_name_is_refused(write_definitions: WriteDefinitions) -> None:
    text = RULE.replace("SLACK_PLATFORM", "https://hooks.slack.com/services/T0/B0/x")
    found = problem(write_definitions, text)
    assert "environment variable name" in found


def test_scorecards_own_settings_are_not_destinations(write_definitions: WriteDefinitions) -> None:
    text = RULE.replace("SLACK_PLATFORM", "SCORECARDS_API_TOKENS")
    found = problem(write_definitions, text)
    assert "SCORECARDS_API_TOKENS is one of scorecards' own settings" in found


def test_an_unknown_scorecard_is_reported_with_a_suggestion(
    write_definitions: WriteDefinitions,
) -> None:
    text = RULE.replace("    destinations:", "    scorecards: [readines]\n    destinations:")
    found = problem(write_definitions, text)
    assert (
        f"notifications.yaml:{line_of(text, 'readines')}: notification 'nudges': unknown scorecard 'readines'"
        in found
    )
    assert "did you mean 'readiness'?" in found


def test_a_digest_that_is_not_cron_is_refused(write_definitions: WriteDefinitions) -> None:
    text = RULE.replace("    destinations:", '    digest: "every day"\n    destinations:')
    found = problem(write_definitions, text)
    assert "schedule 'every day' has 2 fields; cron needs 5" in found


def test_an_email_destination_needs_smtp(write_definitions: WriteDefinitions) -> None:
    text = """
notifications:
  - id: mail
    events: [campaign-due]
    destinations:
      - type: email
        default: platform@example.com
"""
    assert "an email destination needs `smtp`" in problem(write_definitions, text)


@pytest.fixture
def definitions(write_definitions: WriteDefinitions) -> Definitions:
    return load_definitions(write_definitions(checks=CHECKS, notifications=RULE), now=NOW)


def evaluation(level: str | None, pagerduty: Status, hours: int = 0) -> EntityEvaluation:
    return EntityEvaluation(
        entity_ref="component:default/payments-api",
        evaluated_at=NOW + timedelta(hours=hours),
        definitions_version="v",
        checks=[
            CheckResult("has-pagerduty", pagerduty, "no annotation"),
            CheckResult("has-description", Status.PASS),
        ],
        scorecards=[ScorecardResult("readiness", 50.0, level, {})],
    )


TEAM = "group:default/payments"


def test_a_level_rise_and_a_recovery_are_events_too(definitions: Definitions) -> None:
    before = evaluation("Bronze", Status.FAIL)
    after = evaluation("Gold", Status.PASS, hours=1)
    events = entity_events(definitions, before, after, TEAM)
    assert [(e.kind, e.title) for e in events] == [
        ("level-rose", "payments-api rose from Bronze to Gold in Production readiness"),
        ("check-recovered", "payments-api passes again: PagerDuty service linked (critical)"),
    ]


def test_unchanged_results_give_no_event(definitions: Definitions) -> None:
    same = evaluation("Gold", Status.PASS)
    assert entity_events(definitions, same, evaluation("Gold", Status.PASS, hours=1), TEAM) == []


def test_an_event_key_is_the_same_when_derived_again(definitions: Definitions) -> None:
    before, after = evaluation("Gold", Status.PASS), evaluation("Bronze", Status.FAIL, hours=1)
    first = entity_events(definitions, before, after, TEAM)
    again = entity_events(definitions, before, after, TEAM)
    assert [e.key for e in first] == [e.key for e in again]
    assert len({e.key for e in first}) == 2


def test_an_event_survives_its_stored_form(definitions: Definitions) -> None:
    [drop, _] = entity_events(
        definitions, evaluation("Gold", Status.PASS), evaluation("Bronze", Status.FAIL, 1), TEAM
    )
    assert Event.from_dict(drop.to_dict()) == drop


def test_the_rule_filters_by_kind_and_severity(definitions: Definitions) -> None:
    rule = definitions.notifications["nudges"]
    events = entity_events(
        definitions, evaluation("Gold", Status.PASS), evaluation("Bronze", Status.FAIL, 1), TEAM
    )
    assert [is_wanted(rule, e) for e in events] == [True, True]
    recovered = entity_events(
        definitions, evaluation("Bronze", Status.FAIL), evaluation("Gold", Status.PASS, 1), TEAM
    )
    assert [is_wanted(rule, e) for e in recovered] == [False, False]


def test_a_campaign_is_due_before_its_deadline_and_overdue_after() -> None:
    remaining: dict[str, Any] = {TEAM: ["component:default/a"], "group:default/done": []}
    campaign = _campaign(date(2026, 12, 2))
    [due] = campaign_events(campaign, remaining, date(2026, 11, 25))
    assert (due.kind, due.days_left, due.team) == ("campaign-due", 7, TEAM)
    [overdue] = campaign_events(campaign, remaining, date(2026, 12, 3))
    assert (overdue.kind, overdue.days_left) == ("campaign-overdue", -1)


def _campaign(deadline: date) -> Campaign:
    spec = CampaignSpec(id="pd", name="PD", checks=["has-pagerduty"], deadline=deadline)
    return Campaign(spec, Location("c.yaml", 1), None)


def test_an_expired_exemption_gives_no_event() -> None:
    def exemption(expires: date) -> Exemption:
        spec = ExemptionSpec(
            check="has-pagerduty", entity="payments-api", reason="migrating", expires=expires
        )
        return Exemption(spec, Location("e.yaml", 1), "component:default/payments-api")

    events = exemption_events(
        [exemption(date(2026, 11, 24)), exemption(date(2026, 11, 30))],
        {"component:default/payments-api": TEAM},
        date(2026, 11, 25),
    )
    assert [(e.kind, e.days_left) for e in events] == [("exemption-expiring", 5)]


def test_a_team_is_routed_by_its_group_annotation_else_the_default(
    definitions: Definitions,
) -> None:
    [slack] = definitions.notifications["nudges"].spec.destinations
    assert address_of(slack, group("payments", channel="#payments")) == "SLACK_PAYMENTS"
    assert address_of(slack, group("search", channel="#search")) == "SLACK_PLATFORM"
    assert address_of(slack, None) == "SLACK_PLATFORM"


def test_a_digest_is_due_at_its_crons_last_fire_time() -> None:
    assert last_fire("0 9 * * *", NOW) == NOW.replace(hour=9)
    assert last_fire("0 9 * * *", NOW.replace(hour=9)) == NOW.replace(hour=9)
    assert last_fire("0 9 * * *", NOW.replace(hour=8)) == NOW.replace(hour=9) - timedelta(days=1)


def test_the_readmes_notifications_example_loads(write_definitions: WriteDefinitions) -> None:
    section = (REPO_ROOT / "README.md").read_text().split("\n## Notifications\n", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = write_definitions(checks=CHECKS)
    (folder / "notifications.yaml").write_text(example)
    loaded = load_definitions(folder, now=NOW)
    assert list(loaded.notifications) == ["production-nudges", "weekly-campaign-digest"]


ISSUE_RULE = """
notifications:
  - id: issues
    events: [check-failing]
    destinations:
      - type: github-issue
        token: GITHUB_ISSUES_TOKEN
"""


def test_a_rule_opening_issues_must_name_its_checks(write_definitions: WriteDefinitions) -> None:
    found = problem(write_definitions, ISSUE_RULE)
    assert (
        f"notifications.yaml:{line_of(ISSUE_RULE, '- id: issues')}: notification 'issues'" in found
    )
    assert "issues are opt-in per check" in found


def test_an_issue_destination_needs_a_token_variable(write_definitions: WriteDefinitions) -> None:
    text = ISSUE_RULE.replace("        token: GITHUB_ISSUES_TOKEN\n", "").replace(
        "    destinations:", "    checks: [has-pagerduty]\n    destinations:"
    )
    assert "a github-issue destination needs `token`" in problem(write_definitions, text)


def test_an_issue_api_that_is_not_http_is_refused(write_definitions: WriteDefinitions) -> None:
    text = ISSUE_RULE.replace(
        "        token: GITHUB_ISSUES_TOKEN\n",
        '        token: GITHUB_ISSUES_TOKEN\n        api: "file:///etc/passwd"\n',
    ).replace("    destinations:", "    checks: [has-pagerduty]\n    destinations:")
    assert "api 'file:///etc/passwd' is not an http(s) URL" in problem(write_definitions, text)


def test_an_unknown_check_is_reported_at_its_line(write_definitions: WriteDefinitions) -> None:
    text = ISSUE_RULE.replace("    destinations:", "    checks: [has-pagerdty]\n    destinations:")
    found = problem(write_definitions, text)
    assert (
        f"notifications.yaml:{line_of(text, 'has-pagerdty')}: notification 'issues': unknown check 'has-pagerdty'"
        in found
    )
