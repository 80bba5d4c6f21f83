"""How definitions and results map onto Tech Insights shapes (pure, no server)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from scorecards.api.techinsights.shapes import (
    UnknownCheckError,
    build_check_index,
    check_ranks,
    entity_results,
)
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.records.facts import FactSnapshot

DEFINITIONS = """
checks:
  - id: has-owner
    name: Has an owner
    category: ownership
    severity: critical
    rule: '"owner" in entity.spec'
    message: '"no owner"'
    remediation: Set spec.owner.
  - id: has-docs
    name: Has docs
    rule: '"docs" in entity.metadata.annotations'
  - id: fresh-build
    name: Build passes
    requires: [ci]
    rule: facts.ci.build_passing
  - id: only-apis
    name: APIs only
    applies: entity.kind == "API"
    rule: 'true'
  - id: unused
    name: In no scorecard
    rule: 'true'
scorecards:
  - id: readiness
    name: Readiness
    checks: [has-owner, has-docs, fresh-build, only-apis]
    levels:
      - {name: Bronze, checks: [has-owner]}
      - {name: Silver, minScore: 60}
      - {name: Gold, checks: [fresh-build], minScore: 90}
      - {name: Platinum, minScore: 100}
sources:
  - id: ci
    type: push
"""
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ENTITY = {"kind": "Component", "metadata": {"name": "a", "annotations": {}}, "spec": {"owner": "t"}}


@pytest.fixture
def definitions(load):
    return load(readiness=DEFINITIONS)


def results_of(
    definitions: Definitions,
    ids: list[str] | None = None,
    facts: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    index = build_check_index(definitions)
    snapshots = {s: FactSnapshot(NOW, v) for s, v in (facts or {}).items()}
    evaluation = evaluate_entity(definitions, ENTITY, snapshots, NOW)
    used = {s: (NOW, v) for s, v in (facts or {}).items()}
    return {r["check"]["id"]: r for r in entity_results(index, evaluation, used, index.select(ids))}


def test_a_check_named_by_a_level_ranks_at_that_level(definitions):
    assert check_ranks(definitions)["has-owner"] == (1, "Bronze")


def test_a_check_only_weighed_ranks_at_the_top_since_no_level_needs_it_to_pass(definitions):
    index = build_check_index(definitions)
    assert "has-docs" not in check_ranks(definitions)
    assert index.responses["has-docs"]["metadata"]["rank"] == 3
    assert index.responses["has-docs"]["metadata"]["level"] is None


def test_a_result_ranks_a_check_by_the_levels_of_the_entitys_own_scorecards(load):
    definitions = load(
        readiness=DEFINITIONS.replace(
            "sources:",
            """  - id: api-readiness
    name: API readiness
    applies: entity.kind == "API"
    checks: [has-docs]
    levels:
      - {name: Bronze, checks: [has-docs]}
sources:""",
        )
    )
    index = build_check_index(definitions)
    assert index.responses["has-docs"]["metadata"]["rank"] == 1  # the listing: any scorecard
    metadata = results_of(definitions)["has-docs"]["check"]["metadata"]  # a Component
    assert (metadata["rank"], metadata["level"]) == (3, None)


def test_a_check_needed_by_a_fourth_level_is_capped_at_gold_for_the_maturity_plugin(definitions):
    index = build_check_index(definitions)
    assert index.responses["readiness:at-least:Platinum"]["metadata"]["rank"] == 3


def test_a_check_in_no_scorecard_ranks_at_the_top(definitions):
    index = build_check_index(definitions)
    assert index.responses["unused"]["metadata"]["rank"] == 3
    assert index.responses["unused"]["metadata"]["level"] is None


def test_metadata_always_carries_category_severity_weight_and_solution(definitions):
    metadata = build_check_index(definitions).responses["has-owner"]["metadata"]
    assert metadata == {
        "category": "ownership",
        "severity": "critical",
        "weight": 10.0,
        "rank": 1,
        "level": "Bronze",
        "solution": "Set spec.owner.",
    }


def test_a_check_reading_facts_names_its_sources_as_fact_ids(definitions):
    index = build_check_index(definitions)
    assert index.responses["fresh-build"]["factIds"] == ["ci"]
    assert index.responses["has-owner"]["factIds"] == []


def test_a_check_that_does_not_apply_is_left_out(definitions):
    assert "only-apis" not in results_of(definitions)


def test_unknown_counts_as_failed(definitions):
    result = results_of(definitions)["fresh-build"]
    assert result["result"] is False
    assert result["check"]["metadata"]["status"] == "unknown"
    assert "**Unknown:** no facts from source 'ci'" in result["check"]["description"]


def test_a_passing_check_carries_the_facts_it_read(definitions):
    result = results_of(definitions, facts={"ci": {"build_passing": True}})["fresh-build"]
    assert result["result"] is True
    assert result["facts"] == {
        "build_passing": {
            "id": "ci",
            "type": "boolean",
            "description": "build_passing",
            "value": True,
        }
    }


def test_nested_fact_values_are_flattened_to_dotted_names(definitions):
    facts = {"ci": {"build_passing": True, "coverage": {"lines": 81.5, "branches": 60}}}
    result = results_of(definitions, facts=facts)["fresh-build"]
    assert result["facts"]["coverage.lines"]["type"] == "float"
    assert result["facts"]["coverage.branches"]["type"] == "integer"


def test_level_checks_follow_the_level_reached(definitions):
    # has-owner passes, has-docs fails, fresh-build unknown: score 10/20 = 50 -> Bronze only
    results = results_of(definitions)
    assert results["readiness:at-least:Bronze"]["result"] is True
    assert results["readiness:at-least:Silver"]["result"] is False
    assert results["readiness:at-least:Gold"]["result"] is False


def test_a_failed_level_check_names_the_checks_still_missing(definitions):
    description = results_of(definitions)["readiness:at-least:Gold"]["check"]["description"]
    assert "Reached: Bronze" in description
    assert "fresh-build" in description


def test_selecting_an_unknown_check_raises_with_the_backend_wording(definitions):
    with pytest.raises(
        UnknownCheckError, match=r"Tech insight check with id 'x' is not registered\."
    ):
        build_check_index(definitions).select(["has-owner", "x"])
