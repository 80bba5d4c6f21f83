"""Scores and levels (docs/architecture.md §4): weights, the formula, and the level rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions, LevelRule
from scorecards.engine.evaluation import evaluate_entity
from scorecards.engine.scoring import compute_level, compute_score
from scorecards.records.entities import normalize_entity
from scorecards.records.results import ScorecardResult, Status
from tests.conftest import NOW

Load = Callable[..., Definitions]

P, F, E, U, R, S = (
    Status.PASS,
    Status.FAIL,
    Status.EXEMPT,
    Status.UNKNOWN,
    Status.ERROR,
    Status.SKIP,
)

# One check per severity, plus explicit weights; rules read `entity.spec` flags
# so each test decides which pass.
SEVERITIES = """
checks:
  - {id: critical-one, name: C, severity: critical, rule: entity.spec.c}
  - {id: high-one, name: H, severity: high, rule: entity.spec.h}
  - {id: medium-one, name: M, severity: medium, rule: entity.spec.m}
  - {id: low-one, name: L, severity: low, rule: entity.spec.l}
  - {id: default-one, name: D, rule: entity.spec.d}
  - {id: weighted-one, name: W, severity: critical, weight: 3, rule: entity.spec.w}
"""


def entity(kind: str = "Component", **spec: Any) -> dict[str, Any]:
    return normalize_entity(
        {"apiVersion": "v1", "kind": kind, "metadata": {"name": "svc"}, "spec": spec}
    )


def scorecard_result(definitions: Definitions, scorecard_id: str, **spec: Any) -> ScorecardResult:
    evaluation = evaluate_entity(definitions, entity(**spec), {}, NOW)
    found = evaluation.scorecard(scorecard_id)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("check_id", "weight"),
    [
        ("critical-one", 10.0),
        ("high-one", 7.5),
        ("medium-one", 5.0),
        ("low-one", 2.5),
        ("default-one", 5.0),
    ],
)
def test_a_checks_weight_comes_from_its_severity(load: Load, check_id: str, weight: float) -> None:
    assert load(a=SEVERITIES).checks[check_id].weight == weight


def test_an_explicit_weight_wins_over_the_severity(load: Load) -> None:
    assert load(a=SEVERITIES).checks["weighted-one"].weight == 3.0


def test_a_scorecard_may_override_a_checks_weight(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: card
    name: Card
    checks: [critical-one, {id: low-one, weight: 20}]
"""
    )
    assert definitions.scorecards["card"].weights == (("critical-one", 10.0), ("low-one", 20.0))


def test_the_score_is_the_weight_counting_for_over_the_weight_counted(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: card
    name: Card
    checks: [critical-one, high-one, low-one]
"""
    )
    scored = scorecard_result(definitions, "card", c=True, h=False, l=True)
    assert scored.score == 62.5  # 100 * (10 + 2.5) / (10 + 7.5 + 2.5)
    assert scored.counts["pass"] == 2
    assert scored.counts["fail"] == 1


def test_a_scorecard_weight_override_changes_the_score(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: card
    name: Card
    checks: [critical-one, {id: low-one, weight: 30}]
"""
    )
    assert scorecard_result(definitions, "card", c=False, l=True).score == 75.0


def test_the_score_is_rounded_to_two_decimals() -> None:
    assert compute_score([(P, 1.0), (F, 1.0), (F, 1.0)]) == 33.33


def test_no_counted_check_gives_no_score() -> None:
    assert compute_score([(S, 10.0), (S, 2.5)]) is None


def test_no_checks_at_all_give_no_score() -> None:
    assert compute_score([]) is None


def test_a_skipped_check_is_not_counted() -> None:
    assert compute_score([(P, 5.0), (S, 10.0)]) == 100.0


@pytest.mark.parametrize("status", [U, R, F])
def test_unknown_error_and_fail_count_against(status: Status) -> None:
    assert compute_score([(P, 5.0), (status, 5.0)]) == 50.0


def test_an_exempt_check_counts_for() -> None:
    assert compute_score([(E, 5.0), (F, 5.0)]) == 50.0


def test_all_exempt_scores_full_marks() -> None:
    assert compute_score([(E, 5.0), (E, 2.5)]) == 100.0


LEVELS = (
    LevelRule("Bronze", ("has-owner",)),
    LevelRule("Silver", ("has-pagerduty",), 60.0),
    LevelRule("Gold", (), 90.0),
)


def test_the_level_is_the_highest_whose_conditions_all_hold() -> None:
    statuses = {"has-owner": P, "has-pagerduty": P}
    assert compute_level(LEVELS, statuses, 95.0) == "Gold"


def test_a_level_needs_every_lower_levels_conditions_too() -> None:
    statuses = {"has-owner": F, "has-pagerduty": P}
    assert compute_level(LEVELS, statuses, 95.0) is None


def test_a_level_stops_at_the_first_level_that_does_not_hold() -> None:
    statuses = {"has-owner": P, "has-pagerduty": F}
    assert compute_level(LEVELS, statuses, 95.0) == "Bronze"


@pytest.mark.parametrize("status", [P, E, S])
def test_a_level_check_holds_when_it_passes_is_exempt_or_does_not_apply(status: Status) -> None:
    assert compute_level(LEVELS[:1], {"has-owner": status}, None) == "Bronze"


@pytest.mark.parametrize("status", [F, U, R])
def test_a_level_check_fails_on_fail_unknown_or_error(status: Status) -> None:
    assert compute_level(LEVELS[:1], {"has-owner": status}, 100.0) is None


def test_a_level_min_score_must_be_reached() -> None:
    statuses = {"has-owner": P, "has-pagerduty": P}
    assert compute_level(LEVELS, statuses, 89.99) == "Silver"
    assert compute_level(LEVELS, statuses, 90.0) == "Gold"


def test_a_level_min_score_does_not_hold_without_a_score() -> None:
    assert compute_level((LevelRule("Gold", (), 0.0),), {}, None) is None


def test_no_levels_give_no_level() -> None:
    assert compute_level((), {"has-owner": P}, 100.0) is None


def test_levels_are_computed_from_a_loaded_scorecard(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: card
    name: Card
    checks: [critical-one, high-one, low-one]
    levels:
      - {name: Bronze, checks: [critical-one]}
      - {name: Silver, minScore: 80}
      - {name: Gold, checks: [low-one]}
"""
    )
    assert scorecard_result(definitions, "card", c=True, h=True, l=False).level == "Silver"


def test_a_scorecard_that_does_not_apply_gives_no_result(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: services
    name: Services
    applies: entity.kind == "Component"
    checks: [critical-one]
"""
    )
    api = entity(kind="API", c=True)
    assert evaluate_entity(definitions, api, {}, NOW).scorecard("services") is None


def test_a_scorecard_whose_applies_raises_reports_the_error_without_a_score(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: services
    name: Services
    applies: entity.spec.tier == "gold"
    checks: [critical-one]
"""
    )
    scored = scorecard_result(definitions, "services", c=True)
    assert scored.score is None
    assert scored.error is not None
    assert "tier" in scored.error


def test_an_entity_with_no_scorecard_has_no_score_not_zero(load: Load) -> None:
    definitions = load(
        a=SEVERITIES
        + """
scorecards:
  - id: services
    name: Services
    applies: entity.kind == "Component"
    checks: [critical-one]
"""
    )
    evaluation = evaluate_entity(definitions, entity(kind="Group", c=False), {}, NOW)
    assert evaluation.scorecards == []


def test_a_scorecard_whose_checks_all_skip_has_no_score(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - {id: prod, name: P, applies: 'entity.spec.lifecycle == "production"', rule: "true"}
scorecards:
  - id: card
    name: Card
    checks: [prod]
    levels: [{name: Bronze, checks: [prod]}, {name: Silver, minScore: 10}]
"""
    )
    scored = scorecard_result(definitions, "card", lifecycle="experimental")
    assert scored.score is None
    assert scored.level == "Bronze"
    assert scored.counts["skip"] == 1
