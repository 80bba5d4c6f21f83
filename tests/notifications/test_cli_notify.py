"""`scorecards notify [--dry-run]` and `scorecards notifications`, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import NOW, REPO_ROOT
from tests.notifications.conftest import Receiver, component, hours

RULE = """
notifications:
  - id: nudges
    events: [check-failing]
    destinations:
      - type: slack
        channels: {"#search": TEST_WEBHOOK_SEARCH}
"""


def scorecards(*args: str, world: Any) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env.update(
        SCORECARDS_CONFIG=os.devnull,
        SCORECARDS_DEFINITIONS=str(world.folder),
        SCORECARDS_STORE_URL=f"sqlite:///{world.store.path}",
        COLUMNS="300",
        PYTHONPATH=str(REPO_ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "scorecards", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def scored_before_the_rule(scenario: Any) -> Any:
    """Two runs where search-api starts failing, scored before the rule was written."""
    world = scenario("")
    world.score([component("search-api", "search")], NOW)
    world.score([component("search-api", "search", pagerduty=False)], hours(1))
    (Path(world.folder) / "notifications.yaml").write_text(RULE)
    return world


def test_notify_dry_run_shows_the_message_and_sends_nothing(
    scenario: Any, receiver: Receiver
) -> None:
    world = scored_before_the_rule(scenario)
    shown = scorecards("notify", "--dry-run", world=world)
    assert shown.returncode == 0, shown.stderr
    assert (
        "message to slack TEST_WEBHOOK_SEARCH (team group:default/search, rule nudges): "
        "search-api now fails: PagerDuty service linked (critical)" in shown.stdout
    )
    assert "To fix: Add the pagerduty.com/service-id annotation" in shown.stdout
    assert receiver.requests == []
    assert world.store.list_notifications() == []


def test_notify_sends_once_and_notifications_lists_what_was_sent(
    scenario: Any, receiver: Receiver
) -> None:
    world = scored_before_the_rule(scenario)
    first = scorecards("notify", world=world)
    assert first.returncode == 0, first.stderr
    assert "1 sent, 0 failed" in first.stdout
    again = scorecards("notify", world=world)
    assert "0 sent, 0 failed, 0 pending for a digest, 1 duplicate suppressed" in again.stdout
    assert len(receiver.delivered()) == 1
    listed = scorecards("notifications", "--outcome", "sent", "--format", "json", world=world)
    [record] = json.loads(listed.stdout)
    assert (record["event"], record["address"], record["outcome"]) == (
        "check-failing",
        "TEST_WEBHOOK_SEARCH",
        "sent",
    )
    table = scorecards("notifications", world=world)
    assert "search-api now fails" in table.stdout and "duplicate" in table.stdout


def test_notify_without_rules_exits_2_saying_what_to_add(scenario: Any) -> None:
    world = scenario("")
    world.score([component("search-api", "search")], NOW)
    refused = scorecards("notify", world=world)
    assert refused.returncode == 2
    assert "have no `notifications` rules" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_an_unknown_outcome_exits_2(scenario: Any) -> None:
    world = scenario("")
    refused = scorecards("notifications", "--outcome", "lost", world=world)
    assert refused.returncode == 2
    assert "--outcome 'lost' is unknown — use sent, failed, pending or duplicate" in refused.stderr
