"""The notification log of the Store contract: every store keeps, replaces and lists records alike."""

from __future__ import annotations

from datetime import timedelta

from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.stores import Store
from tests.conftest import NOW


def record(key: str, outcome: Outcome, minutes: int = 0) -> NotificationRecord:
    return NotificationRecord(
        key=key,
        rule="nudges",
        event="level-dropped",
        title=f"{key} dropped",
        team="group:default/payments",
        destination="slack",
        address="SLACK_PAYMENTS",
        outcome=outcome,
        at=NOW + timedelta(minutes=minutes),
        entity="component:default/payments-api",
        attempts=1,
        event_data={"kind": "level-dropped"},
    )


def test_a_recorded_notification_is_found_by_its_key(store: Store) -> None:
    store.record_notifications([record("a", Outcome.SENT), record("b", Outcome.FAILED)])
    found = store.get_notifications(["a", "missing"])
    assert found == {"a": record("a", Outcome.SENT)}


def test_a_record_with_the_same_key_replaces_the_earlier_outcome(store: Store) -> None:
    store.record_notifications([record("a", Outcome.PENDING)])
    store.record_notifications([record("a", Outcome.SENT, minutes=5)])
    assert store.get_notifications(["a"])["a"].outcome == Outcome.SENT
    assert store.list_notifications(outcome=Outcome.PENDING) == []
    assert [r.key for r in store.list_notifications()] == ["a"]


def test_notifications_are_listed_newest_first_and_by_outcome(store: Store) -> None:
    store.record_notifications(
        [
            record("old", Outcome.SENT, minutes=1),
            record("new", Outcome.SENT, minutes=3),
            record("waiting", Outcome.PENDING, minutes=2),
        ]
    )
    assert [r.key for r in store.list_notifications()] == ["new", "waiting", "old"]
    assert [r.key for r in store.list_notifications(limit=1)] == ["new"]
    assert [r.key for r in store.list_notifications(outcome=Outcome.PENDING)] == ["waiting"]
