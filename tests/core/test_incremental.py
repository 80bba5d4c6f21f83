"""Incremental runs: an entity is evaluated again exactly when its result could differ.

Each test runs the embedded pipeline on a real SQLite store and checks that every
run leaves as latest result what a fresh evaluation at that run's time gives,
evaluated at that time, with a new history point exactly when a new result was
stored (a confirmed one only moves its `evaluated_at`), and whether the entity was
actually evaluated again. That shows in the `marker` source's timestamp, which
every run collects again with the same value: an evaluation records the new
timestamp, a confirmed result keeps the old.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.facts import Fact, FactSnapshot
from scorecards.records.results import EntityEvaluation, EvaluationStamp
from scorecards.runs.incremental import Freshness, input_hash, is_reusable
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW

REF = "component:default/payments"
LATER = NOW + timedelta(days=1)


def pushed(*sources: str) -> str:
    """A `sources:` section declaring each source as pushed, as rules must."""
    return "sources:\n" + "".join(f"  - {{id: {source}, type: push}}\n" for source in sources)


MARKER = """
  - id: reads-marker
    name: Reads the marker source
    rule: '!("marker" in facts) || facts.marker.x == 1'
"""
CHECKS = (
    pushed("ci", "marker")
    + """
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
    + MARKER
)


def with_marker(text: str) -> str:
    return pushed("marker") + textwrap.dedent(text) + MARKER


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


Score = Callable[..., bool]


@pytest.fixture
def score(store: SQLiteStore) -> Score:
    """Run once at `now`; return whether REF was evaluated (not just confirmed)."""

    def run(
        definitions: Definitions,
        entities: Sequence[dict[str, Any]],
        facts: Sequence[Fact],
        now: datetime,
        full: bool = False,
    ) -> bool:
        points = len(store.evaluation_history(REF))
        marker = Fact(REF, "marker", now, {"x": 1})
        finished = run_in_process(store, definitions, entities, [*facts, marker], now, full=full)
        assert finished.entities_done == len(entities)
        assert_latest_is_current(store, definitions, now)
        latest = store.latest_evaluations([REF])[REF]
        assert latest.evaluated_at == now
        recorded = latest.check("reads-marker")
        assert recorded is not None
        evaluated = recorded.fact_timestamps.get("marker") == format_timestamp(now)
        assert_history_point_only_when_stored(store, points, latest, evaluated)
        return evaluated

    return run


def assert_history_point_only_when_stored(
    store: SQLiteStore, points: int, latest: EntityEvaluation, evaluated: bool
) -> None:
    """A stored result is a new history point; a confirmed one is the last point's
    result, unchanged but for its `evaluated_at`, and adds none."""
    history = store.evaluation_history(REF)
    if len(history) == points + 1:
        assert history[-1] == latest
    else:
        assert not evaluated, "an evaluated entity must get a history point"
        assert len(history) == points
        assert replace(history[-1], evaluated_at=latest.evaluated_at) == latest


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
    assert score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert not score(definitions, [entity(owner="team")], [], LATER)


def test_a_full_run_evaluates_unchanged_entities_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity(owner="team")], [], LATER, full=True)


def test_a_changed_entity_document_is_evaluated_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity()], [], LATER)


def test_changed_fact_values_are_evaluated_again(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert score(definitions, [entity(owner="team")], [ci(False, LATER)], LATER)


def test_facts_collected_again_with_the_same_values_are_not_evaluated_again(
    load: Any, score: Score
) -> None:
    definitions = load(checks=CHECKS)
    score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert not score(definitions, [entity(owner="team")], [ci(True, LATER)], LATER)


def test_changed_definitions_are_evaluated_again(load: Any, score: Score) -> None:
    score(load(checks=CHECKS), [entity(owner="team")], [ci(True, NOW)], NOW)
    edited = load(checks=CHECKS.replace("Has an owner", "Owned"))
    assert score(edited, [entity(owner="team")], [], LATER)


def test_a_rule_reading_now_is_evaluated_on_every_run(
    load: Any, score: Score, store: SQLiteStore
) -> None:
    definitions = load(
        checks=with_marker(
            """
        checks:
          - id: young
            name: Created recently
            rule: now - timestamp(entity.metadata.created) < duration("36h")
        """
        )
    )
    young = entity(owner="team")
    young["metadata"]["created"] = NOW.isoformat()
    assert score(definitions, [young], [], NOW)
    score(definitions, [young], [], NOW + timedelta(days=2))
    assert store.latest_evaluations([REF])[REF].checks[0].status.value == "fail"


def test_a_now_rule_whose_result_still_holds_leaves_the_other_checks_unevaluated(
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
    assert score(definitions, [young], [ci(True, NOW)], NOW)
    assert not score(definitions, [young], [], LATER)


def test_a_now_rule_that_does_not_apply_does_not_force_a_new_evaluation(
    load: Any, score: Score
) -> None:
    definitions = load(
        checks=with_marker(
            """
        checks:
          - id: young-api
            name: APIs are young
            applies: entity.kind == "API"
            rule: now - timestamp(entity.metadata.created) < duration("36h")
        """
        )
    )
    assert score(definitions, [entity(owner="team")], [], NOW)
    assert not score(definitions, [entity(owner="team")], [], LATER)


def test_an_applies_reading_now_is_evaluated_on_every_run(
    load: Any, score: Score, store: SQLiteStore
) -> None:
    definitions = load(
        checks=with_marker(
            """
        checks:
          - id: from-tomorrow
            name: Applies from tomorrow on
            applies: now > timestamp("2026-11-26T00:00:00Z")
            rule: '"owner" in entity.spec'
        """
        )
    )
    assert score(definitions, [entity(owner="team")], [], NOW)
    score(definitions, [entity(owner="team")], [], LATER)
    assert store.latest_evaluations([REF])[REF].checks[0].status.value == "pass"


def test_an_exemption_expiring_between_runs_forces_a_new_evaluation(
    load: Any, score: Score, store: SQLiteStore
) -> None:
    expires = NOW.date() + timedelta(days=2)
    definitions = load(
        checks=CHECKS
        + f"""
exemptions:
  - {{check: has-owner, entity: {REF}, reason: Being retired, expires: {expires.isoformat()}}}
"""
    )
    assert score(definitions, [entity()], [ci(True, NOW)], NOW)
    assert not score(definitions, [entity()], [], NOW + timedelta(days=1))
    score(definitions, [entity()], [], NOW + timedelta(days=3))
    owner = store.latest_evaluations([REF])[REF].check("has-owner")
    assert owner is not None and owner.status.value == "fail"


def test_facts_turning_stale_between_runs_force_a_new_evaluation(load: Any, score: Score) -> None:
    definitions = load(checks=CHECKS)
    assert score(definitions, [entity(owner="team")], [ci(True, NOW)], NOW)
    assert not score(definitions, [entity(owner="team")], [], NOW + timedelta(days=2))
    assert score(definitions, [entity(owner="team")], [], NOW + timedelta(days=4))


def test_stale_facts_collected_again_with_the_same_values_force_a_new_evaluation(
    load: Any, score: Score
) -> None:
    definitions = load(checks=CHECKS)
    old = NOW - timedelta(days=10)
    assert score(definitions, [entity(owner="team")], [ci(True, old)], NOW)
    assert score(definitions, [entity(owner="team")], [ci(True, LATER)], LATER)


def test_a_result_evaluated_after_the_run_time_is_not_reused() -> None:
    digest = input_hash("v1", {}, {}, Freshness(()), NOW)
    assert not is_reusable(EvaluationStamp(digest, LATER, None), digest, NOW)


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
