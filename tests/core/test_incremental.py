"""Incremental runs: an entity is re-evaluated exactly when its result could differ.

Each test runs the embedded pipeline twice on a real SQLite store and checks two
things: whether the entity was evaluated again (a new history row), and that the
stored result is what a fresh evaluation at the second run's time gives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.evaluation import FactSnapshot, evaluate_entity
from scorecards.incremental import EvaluationStamp, Freshness, input_hash, is_reusable
from scorecards.runs import run_in_process
from scorecards.stores.base import Fact
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW

REF = "component:default/payments"
LATER = NOW + timedelta(days=1)

CHECKS = """
checks:
  - id: has-owner
    name: Has an owner
    rule: '"owner" in entity.spec'
    message: '"no owner on " + entity.metadata.name'
  - id: build-passing
    name: Build passes
    requires: [ci]
    maxAge: 3d
    rule: facts.ci.passing == true
"""


def entity(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "payments", "namespace": "default"},
        "spec": spec,
    }


def ci(passing: bool, at: datetime) -> Fact:
    return Fact(REF, "ci", at, {"passing": passing})


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "scores.db")


Score = Callable[..., int]


@pytest.fixture
def score(store: SQLiteStore) -> Score:
    """Run once; return how many evaluations of REF the store now holds."""

    def run(
        definitions: Definitions,
        entities: Sequence[dict[str, Any]],
        facts: Sequence[Fact],
        now: datetime,
        full: bool = False,
    ) -> int:
        finished = run_in_process(store, definitions, entities, facts, now, full=full)
        assert finished.entities_done == len(entities)
        assert_latest_is_current(store, definitions, now)
        return len(store.evaluation_history(REF))

    return run


def assert_latest_is_current(store: SQLiteStore, definitions: Definitions, now: datetime) -> None:
    """The stored result is what evaluating the stored inputs at `now` gives."""
    stored = store.latest_evaluations([REF])[REF]
    document = store.get_entity(REF)
    assert document is not None
    fresh = evaluate_entity(definitions, document, store.input_facts([REF]).get(REF, {}), now)
    assert [(r.check_id, r.status, r.message) for r in stored.checks] == [
        (r.check_id, r.status, r.message) for r in fresh.checks
    ]
    assert [s.to_dict() for s in stored.scorecards] == [s.to_dict() for s in fresh.scorecards]


def test_an_unchanged_entity_is_not_evaluated_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    assert score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW) == 1
    assert score(definitions, [entity(owner="team")], [], LATER) == 1


def test_a_full_run_evaluates_unchanged_entities_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity(owner="team")], [], LATER, full=True) == 2


def test_a_changed_entity_document_is_evaluated_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity()], [], LATER) == 2


def test_changed_fact_values_are_evaluated_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity(owner="team")], [ci(False, LATER)], LATER) == 2


def test_facts_collected_again_with_the_same_values_are_not_evaluated_again(
    load: Any, score: Score
) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity(owner="team")], [ci(True, LATER)], LATER) == 1


def test_changed_definitions_are_evaluated_again(load: Any, score: Score) -> None:
    score(load(checks=CHECKS), [entity(owner="team")], [ci(True, NOW)], NOW)
    edited = load(checks=CHECKS.replace("Has an owner", "Owned"))
    assert score(edited, [entity(owner="team")], [], LATER) == 2


def test_a_rule_reading_now_is_evaluated_on_every_run(
    load: Any, score: Score, store: SQLiteStore
) -> None:
    definitions = load(
        checks="""
        checks:
          - id: young
            name: Created recently
            rule: now - timestamp(entity.metadata.created) < duration("36h")
        """
    )
    young = entity(owner="team")
    young["metadata"]["created"] = NOW.isoformat()
    assert score(definitions, [young], [], NOW) == 1
    assert score(definitions, [young], [], NOW + timedelta(days=2)) == 2
    assert store.latest_evaluations([REF])[REF].checks[0].status.value == "fail"


def test_a_now_rule_whose_result_still_holds_adds_no_history_row(
    load: Any, score: Score, store: SQLiteStore
) -> None:
    definitions = load(
        checks=CHECKS
        + """
  - id: young
    name: Created recently
    rule: now - timestamp(entity.metadata.created) < duration("720h")
"""
    )
    young = entity(owner="team")
    young["metadata"]["created"] = NOW.isoformat()
    assert score(definitions, [young], [ci(True, NOW)], NOW) == 1
    assert score(definitions, [young], [], LATER) == 1
    assert store.latest_evaluations([REF])[REF].evaluated_at == NOW


def test_a_now_rule_that_does_not_apply_does_not_force_a_new_evaluation(
    load: Any, score: Score
) -> None:
    definitions = load(
        checks="""
        checks:
          - id: young-api
            name: APIs are young
            applies: entity.kind == "API"
            rule: now - timestamp(entity.metadata.created) < duration("36h")
        """
    )
    assert score(definitions, [entity(owner="team")], [], NOW) == 1
    assert score(definitions, [entity(owner="team")], [], LATER) == 1


def test_an_applies_reading_now_is_evaluated_on_every_run(load: Any, score: Score) -> None:
    definitions = load(
        checks="""
        checks:
          - id: from-tomorrow
            name: Applies from tomorrow on
            applies: now > timestamp("2026-11-26T00:00:00Z")
            rule: '"owner" in entity.spec'
        """
    )
    assert score(definitions, [entity(owner="team")], [], NOW) == 1
    assert score(definitions, [entity(owner="team")], [], LATER) == 2


def test_an_exemption_expiring_between_runs_forces_a_new_evaluation(
    load: Any, score: Score
) -> None:
    expires = NOW.date() + timedelta(days=2)
    definitions = load(
        checks=CHECKS
        + f"""
exemptions:
  - {{check: has-owner, entity: {REF}, reason: Being retired, expires: {expires.isoformat()}}}
"""
    )
    assert score(definitions, [entity()], [ci(True, NOW)], NOW) == 1
    assert score(definitions, [entity()], [], NOW + timedelta(days=1)) == 1
    assert score(definitions, [entity()], [], NOW + timedelta(days=3)) == 2


def test_facts_turning_stale_between_runs_force_a_new_evaluation(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    assert score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW) == 1
    assert score(definitions, [entity(owner="team")], [], NOW + timedelta(days=2)) == 1
    assert score(definitions, [entity(owner="team")], [], NOW + timedelta(days=4)) == 2


def test_stale_facts_collected_again_with_the_same_values_force_a_new_evaluation(
    load: Any, score: Score
) -> None:
    definitions = load(checks=CHECKS)
    old = NOW - timedelta(days=10)
    assert score(definitions, [entity(owner="team")], [ci(True, old)], NOW) == 1
    assert score(definitions, [entity(owner="team")], [ci(True, LATER)], LATER) == 2


def test_a_run_dated_before_the_stored_result_evaluates_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], LATER)
    assert score(definitions, [entity(owner="team")], [], NOW) == 2


def test_the_input_hash_ignores_key_order() -> None:
    facts = {"ci": FactSnapshot(NOW, {"a": 1, "b": 2})}
    reordered = {"ci": FactSnapshot(NOW, {"b": 2, "a": 1})}
    freshness = Freshness(())
    assert input_hash("v1", {"x": 1, "y": 2}, facts, freshness, NOW) == input_hash(
        "v1", {"y": 2, "x": 1}, reordered, freshness, NOW
    )


def test_a_result_without_an_input_hash_is_never_reused() -> None:
    digest = input_hash("v1", {}, {}, Freshness(()), NOW)
    assert not is_reusable(EvaluationStamp("", NOW, None), digest, LATER)
    assert is_reusable(EvaluationStamp(digest, NOW, None), digest, LATER)
