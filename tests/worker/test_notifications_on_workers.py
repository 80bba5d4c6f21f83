"""A distributed run's notifications are sent by a Celery task once its last batch is stored."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from celery.schedules import crontab

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.notifications import Outcome
from scorecards.records.runs import Run, RunState
from scorecards.runs.inputs import RunInputs
from scorecards.settings import Settings
from scorecards.stores import Store
from tests.conftest import NOW
from tests.notifications.conftest import CHECKS, GROUPS, Receiver, component, hours
from tests.notifications.conftest import receiver as receiver  # the fixture
from tests.worker.conftest import Cluster, wait_until
from worker.dispatch import SEND_DIGESTS, start_distributed_run
from worker.scheduling import beat_entries

RULE = """
notifications:
  - id: nudges
    events: [check-failing]
    destinations:
      - type: slack
        default: TEST_WEBHOOK_SEARCH
"""


def score(
    cluster: Cluster, store: Store, definitions: Definitions, pagerduty: bool, at: datetime
) -> Run:
    entities = [*GROUPS, component("search-api", "search", pagerduty=pagerduty)]
    queued = start_distributed_run(
        cluster.settings(), store, definitions, RunInputs(entities, []), at
    )
    return cluster.wait_for_run(store, queued.id)


def test_a_distributed_run_sends_its_notifications_from_a_worker(
    cluster: Cluster, receiver: Receiver
) -> None:
    (cluster.definitions_folder / "checks.yaml").write_text(CHECKS + RULE)
    definitions = load_definitions(cluster.definitions_folder, now=NOW)
    cluster.extra_env["TEST_WEBHOOK_SEARCH"] = f"{receiver.url}/hooks/search"
    cluster.start_workers("alpha")
    store = cluster.open_store()
    assert score(cluster, store, definitions, True, NOW).state is RunState.SUCCEEDED
    failing = score(cluster, store, definitions, False, hours(1))
    assert failing.state is RunState.SUCCEEDED, failing.errors

    def sent() -> Any:
        return store.list_notifications(outcome=Outcome.SENT)

    [record] = wait_until(sent, 30, f"the notification to be sent\n{cluster.logs()}")
    assert record.event == "check-failing"
    [request] = receiver.delivered()
    assert request.path == "/hooks/search"
    assert "search-api now fails: PagerDuty service linked" in request.text()


def test_beat_sends_each_digest_on_its_rules_cron(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "checks.yaml").write_text(CHECKS + RULE.replace("    destinations:", DIGEST))
    settings = Settings(definitions=str(folder), score_schedule="")
    entries = beat_entries(settings, load_definitions(folder, now=NOW))
    assert entries == {
        "digest:nudges": {"task": SEND_DIGESTS, "schedule": crontab(minute="0", hour="9")}
    }


DIGEST = """    digest: "0 9 * * *"
    destinations:"""
