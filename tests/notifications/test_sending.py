"""Runs send what changed to the owning team, once: real runs, a local receiver standing in
for Slack, Teams and a webhook, and aiosmtpd for email."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from scorecards.notifications.messages import SIGNATURE_HEADER
from scorecards.records.notifications import Outcome
from scorecards.records.results import Status
from scorecards.records.runs import RunState
from tests.conftest import NOW
from tests.notifications.conftest import Receiver, Smtp, component, hours

SLACK_TO_TEAMS = """
    destinations:
      - type: slack
        channels:
          "#payments": TEST_WEBHOOK_PAYMENTS
          "#search": TEST_WEBHOOK_SEARCH
        default: TEST_WEBHOOK_PLATFORM
"""


def rule(events: str, extra: str = "", destinations: str = SLACK_TO_TEAMS) -> str:
    return f"""
notifications:
  - id: nudges
    events: [{events}]
{extra}{destinations}"""


def texts(payload: dict[str, Any]) -> str:
    """Every text of a Block Kit message, one per line."""
    found = [payload["text"]]
    for block in payload["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [element["text"] for element in block.get("elements", [])]
    return "\n".join(found)


def test_a_level_drop_sends_one_slack_message_to_the_owning_teams_channel(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("level-dropped"))
    world.score([component("payments-api", "payments"), component("search-api", "search")], NOW)
    world.score(
        [component("payments-api", "payments", pagerduty=False), component("search-api", "search")],
        hours(1),
    )
    [sent] = receiver.delivered()
    assert sent.path == "/hooks/payments"
    text = texts(sent.json())
    assert "payments-api dropped from Gold to Bronze in Production readiness" in text
    assert "PagerDuty service linked" in text
    assert "To fix: Add the pagerduty.com/service-id annotation to catalog-info.yaml." in text
    assert "https://wiki.example.com/pagerduty" in text
    [record] = world.store.list_notifications()
    assert (record.outcome, record.team, record.address) == (
        Outcome.SENT,
        "group:default/payments",
        "TEST_WEBHOOK_PAYMENTS",
    )


def test_a_new_critical_failure_sends_one_message_naming_the_check(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("check-failing"))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    [sent] = receiver.delivered()
    assert sent.path == "/hooks/search"
    assert "search-api now fails: PagerDuty service linked (critical)" in texts(sent.json())


def test_a_failure_of_a_severity_the_rule_does_not_ask_for_sends_nothing(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("check-failing", "    severities: [high]\n"))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    assert receiver.requests == []


def campaign(deadline_days: int) -> str:
    deadline = (NOW + timedelta(days=deadline_days)).date()
    return f"""
campaigns:
  - id: pagerduty-everywhere
    name: PagerDuty everywhere
    checks: [has-pagerduty]
    applies: entity.kind == "Component"
    deadline: {deadline}
"""


def test_a_campaign_seven_days_from_its_deadline_tells_each_team_with_entities_left(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("campaign-due", "    days: 7\n"), campaign(7))
    world.score(
        [
            component("payments-api", "payments", pagerduty=False),
            component("ledger", "payments", pagerduty=False),
            component("search-api", "search"),
        ],
        NOW,
    )
    [sent] = receiver.delivered()
    assert sent.path == "/hooks/payments"
    text = texts(sent.json())
    assert "PagerDuty everywhere: 2 entities of payments still to do, due in 7 days" in text
    assert "ledger" in text and "payments-api" in text


def test_a_campaign_further_from_its_deadline_than_the_rule_says_sends_nothing(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("campaign-due", "    days: 7\n"), campaign(8))
    world.score([component("payments-api", "payments", pagerduty=False)], NOW)
    assert receiver.requests == []


def test_an_overdue_campaign_sends_one_message_per_team(scenario: Any, receiver: Receiver) -> None:
    world = scenario(rule("campaign-overdue"), campaign(-1))
    world.score(
        [
            component("payments-api", "payments", pagerduty=False),
            component("search-api", "search", pagerduty=False),
        ],
        NOW,
    )
    assert sorted(r.path for r in receiver.delivered()) == ["/hooks/payments", "/hooks/search"]
    assert all("is overdue since" in texts(r.json()) for r in receiver.delivered())


def test_a_second_run_with_no_change_sends_nothing(scenario: Any, receiver: Receiver) -> None:
    world = scenario(rule("level-dropped, check-failing, campaign-due"), campaign(3))
    world.score([component("payments-api", "payments")], NOW)
    world.score([component("payments-api", "payments", pagerduty=False)], hours(1))
    sent = len(receiver.requests)
    assert sent == 3  # the drop, the failure, and the campaign now due
    world.score([component("payments-api", "payments", pagerduty=False)], hours(2))
    assert len(receiver.requests) == sent
    duplicates = world.store.list_notifications(outcome=Outcome.DUPLICATE)
    assert [d.event for d in duplicates] == ["campaign-due"]


def test_a_team_without_a_channel_of_its_own_gets_the_default_route(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("check-failing"))
    world.score([component("infra-api", "infra")], NOW)
    world.score([component("infra-api", "infra", pagerduty=False)], hours(1))
    assert [r.path for r in receiver.delivered()] == ["/hooks/platform"]


def test_a_digest_collects_a_days_events_into_one_message_per_team(
    scenario: Any, receiver: Receiver
) -> None:
    world = scenario(rule("level-dropped, check-failing", '    digest: "0 9 * * *"\n'))
    gold = [component("payments-api", "payments"), component("search-api", "search")]
    world.score(gold, NOW)  # 12:00
    world.score([component("payments-api", "payments", pagerduty=False), gold[1]], hours(2))
    world.score(
        [
            component("payments-api", "payments", pagerduty=False),
            component("search-api", "search", pagerduty=False),
        ],
        hours(6),
    )
    assert receiver.requests == []
    assert len(world.store.list_notifications(outcome=Outcome.PENDING)) == 4
    world.score(
        [
            component("payments-api", "payments", pagerduty=False),
            component("search-api", "search", pagerduty=False),
        ],
        hours(21.5),  # 09:30 the next day
    )
    assert len(receiver.delivered()) == 2
    by_path = {r.path: texts(r.json()) for r in receiver.delivered()}
    assert sorted(by_path) == ["/hooks/payments", "/hooks/search"]
    assert "Scorecards digest for payments: 2 updates" in by_path["/hooks/payments"]
    assert "payments-api dropped from Gold to Bronze" in by_path["/hooks/payments"]
    assert "payments-api now fails: PagerDuty service linked" in by_path["/hooks/payments"]
    assert "search-api" not in by_path["/hooks/payments"]
    assert world.store.list_notifications(outcome=Outcome.PENDING) == []


def test_a_receiver_answering_500_then_200_gets_the_message_once(
    scenario: Any, receiver: Receiver
) -> None:
    receiver.script("/hooks/search", (500, "internal_error", {}), (200, "ok", {}))
    world = scenario(rule("check-failing"))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    assert [r.status for r in receiver.requests] == [500, 200]
    assert len(receiver.delivered()) == 1
    [record] = world.store.list_notifications()
    assert (record.outcome, record.attempts) == (Outcome.SENT, 2)


def test_a_rate_limited_message_waits_as_asked_and_is_sent(
    scenario: Any, receiver: Receiver
) -> None:
    receiver.script("/hooks/search", (429, "rate_limited", {"Retry-After": "1"}), (200, "ok", {}))
    world = scenario(rule("check-failing"))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    assert [r.status for r in receiver.requests] == [429, 200]


def test_a_receiver_that_always_fails_is_recorded_failed_and_the_run_is_unaffected(
    scenario: Any, receiver: Receiver
) -> None:
    receiver.script("/hooks/search", (503, "no_service", {}))
    world = scenario(rule("check-failing"))
    world.score([component("search-api", "search")], NOW)
    run = world.score([component("search-api", "search", pagerduty=False)], hours(1))
    assert run.state == RunState.SUCCEEDED
    assert world.store.get_run(run.id).state == RunState.SUCCEEDED
    result = world.store.latest_evaluations(["component:default/search-api"])
    assert result["component:default/search-api"].check("has-pagerduty").status == Status.FAIL
    [record] = world.store.list_notifications()
    assert record.outcome == Outcome.FAILED
    assert record.error == "HTTP 503 no_service; gave up after 4 attempts"
    assert len(receiver.requests) == 4


def test_an_unset_webhook_variable_is_recorded_failed_naming_the_variable(
    scenario: Any, receiver: Receiver, monkeypatch: Any
) -> None:
    monkeypatch.delenv("TEST_WEBHOOK_SEARCH")
    world = scenario(rule("check-failing"))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    [record] = world.store.list_notifications()
    assert record.outcome == Outcome.FAILED
    assert record.error is not None and "TEST_WEBHOOK_SEARCH" in record.error
    assert receiver.requests == []


WEBHOOK = """
    destinations:
      - type: webhook
        default: TEST_WEBHOOK_HOOK
        secret: TEST_WEBHOOK_SECRET
"""


def test_the_webhook_signature_verifies_with_the_documented_algorithm(
    scenario: Any, receiver: Receiver, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", "s3cret-key")
    world = scenario(rule("check-failing", destinations=WEBHOOK))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    [sent] = receiver.delivered()
    expected = "sha256=" + hmac.new(b"s3cret-key", sent.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sent.headers[SIGNATURE_HEADER], expected)
    body = sent.json()
    assert body["team"] == "group:default/search"
    assert [(e["kind"], e["entity"], e["check"]) for e in body["events"]] == [
        ("check-failing", "component:default/search-api", "has-pagerduty")
    ]


def test_no_secret_reaches_the_notification_log(
    scenario: Any, receiver: Receiver, monkeypatch: Any
) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", "s3cret-key")
    receiver.script("/hooks/hook", (500, "oops", {}))
    world = scenario(rule("check-failing", destinations=WEBHOOK))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    logged = str([r.to_dict() for r in world.store.list_notifications()])
    assert "s3cret-key" not in logged and receiver.url not in logged


TEAMS = """
    destinations:
      - type: teams
        default: TEST_WEBHOOK_HOOK
"""


def test_teams_gets_an_adaptive_card(scenario: Any, receiver: Receiver) -> None:
    world = scenario(rule("check-failing", destinations=TEAMS))
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    [sent] = receiver.delivered()
    [attachment] = sent.json()["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    bodies = [block["text"] for block in attachment["content"]["body"]]
    assert "search-api now fails: PagerDuty service linked (critical)" in bodies


def email_rule(port: int) -> str:
    return f"""
    destinations:
      - type: email
        default: platform@example.com
        smtp:
          host: 127.0.0.1
          port: {port}
          from: scorecards@example.com
          starttls: false
"""


def test_email_goes_to_the_teams_profile_address_else_the_default(
    scenario: Any, smtp: Smtp
) -> None:
    world = scenario(rule("check-failing", destinations=email_rule(smtp.port)))
    world.score([component("payments-api", "payments"), component("search-api", "search")], NOW)
    world.score(
        [
            component("payments-api", "payments", pagerduty=False),
            component("search-api", "search", pagerduty=False),
        ],
        hours(1),
    )
    by_recipient = {tuple(rcpt): message for _, rcpt, message in smtp.mailbox.messages}
    assert sorted(by_recipient) == [("payments@example.com",), ("platform@example.com",)]
    message = by_recipient[("payments@example.com",)]
    assert message["Subject"] == "payments-api now fails: PagerDuty service linked (critical)"
    assert message["From"] == "scorecards@example.com"
    assert "To fix: Add the pagerduty.com/service-id annotation" in message.get_payload()


def test_an_exemption_expiring_within_the_rules_days_tells_the_owning_team_once(
    scenario: Any, receiver: Receiver
) -> None:
    expires = (NOW + timedelta(days=3)).date()
    exemption = f"""
exemptions:
  - check: has-pagerduty
    entity: component:default/search-api
    reason: PagerDuty is being migrated
    expires: {expires}
"""
    world = scenario(rule("exemption-expiring", "    days: 7\n"), exemption)
    world.score([component("search-api", "search", pagerduty=False)], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    [sent] = receiver.delivered()
    assert sent.path == "/hooks/search"
    text = texts(sent.json())
    assert f"search-api: the exemption from has-pagerduty expires on {expires}" in text
