"""The release gate's decision: pass, fail or undecidable, and never pass when in doubt."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.engine.loading import load_definitions
from scorecards.gate import (
    Decision,
    GateDecision,
    GatePolicy,
    Threshold,
    catalog_location,
    decide_gate,
    decide_gate_for_entity,
)
from scorecards.records.entities import Entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import EntityEvaluation, Status
from scorecards.sources.catalog.files import load_catalog_files
from tests.conftest import NOW

GATE_DATA = Path(__file__).resolve().parent.parent / "data" / "gate"
NO_CRITICAL = {"github": FactSnapshot(NOW, {"dependabot_alerts_critical": 0})}
# As in tests/data/gate/facts: checkout-web has no GitHub facts.
WITH_GITHUB_FACTS = ("payments-api", "legacy-batch", "old-reports")


@cache
def definitions() -> Definitions:
    return load_definitions(GATE_DATA / "definitions", now=NOW)


@cache
def catalog() -> dict[str, Entity]:
    from scorecards.records.refs import entity_ref

    return {entity_ref(e): e for e in load_catalog_files(GATE_DATA / "catalog")}


def evaluate(
    name: str, facts: Mapping[str, FactSnapshot] | None = None, now: datetime = NOW
) -> EntityEvaluation:
    if facts is None:
        facts = NO_CRITICAL if name in WITH_GITHUB_FACTS else {}
    return evaluate_entity(definitions(), catalog()[f"component:default/{name}"], facts, now)


def policy(
    name: str,
    min_level: str | None = None,
    min_score: float | None = None,
    required: tuple[str, ...] = (),
    max_age: timedelta | None = None,
    scorecard: str = "readiness",
) -> GatePolicy:
    return GatePolicy(
        f"component:default/{name}",
        scorecard,
        Threshold(min_level, min_score),
        required,
        max_age,
    )


def gate(
    name: str,
    evaluation: EntityEvaluation | None = None,
    now: datetime = NOW,
    **asked: Any,
) -> GateDecision:
    found = evaluate(name) if evaluation is None else evaluation
    return decide_gate(found, definitions(), policy(name, **asked), now)


# ------------------------------------------------------------------ thresholds


def test_entity_above_the_minimum_level_passes() -> None:
    decision = gate("payments-api", min_level="Silver")
    assert decision.decision is Decision.PASS
    assert (decision.score, decision.level) == (100.0, "Gold")
    assert decision.reasons == ("level Gold (score 100) meets the minimum level Silver",)


def test_level_below_the_minimum_fails() -> None:
    decision = gate("checkout-web", min_level="Silver")
    assert decision.decision is Decision.FAIL
    assert decision.level == "Bronze"
    assert "level Bronze (score 45.45) is below the minimum level Silver" in decision.reasons


def test_score_below_the_minimum_score_fails() -> None:
    decision = gate("legacy-batch", min_score=90)
    assert decision.decision is Decision.FAIL
    assert decision.reasons == ("score 84.62 is below the minimum score 90",)


def test_score_equal_to_the_minimum_score_passes() -> None:
    decision = gate("legacy-batch", min_score=84.62)
    assert decision.decision is Decision.PASS


def test_level_names_match_whatever_their_case() -> None:
    decision = gate("payments-api", min_level="silver")
    assert decision.decision is Decision.PASS
    assert decision.threshold.min_level == "Silver"


def test_unknown_level_name_is_undecidable() -> None:
    decision = gate("payments-api", min_level="Platinum")
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "scorecard 'readiness' has no level 'Platinum' — its levels, lowest first: "
        "Bronze, Silver, Gold",
    )


def test_minimum_level_on_a_scorecard_without_levels_is_undecidable() -> None:
    decision = decide_gate(
        None,
        definitions(),
        GatePolicy("api:default/checkout-api", "api-quality", Threshold(min_level="Gold")),
        NOW,
    )
    assert decision.decision is Decision.UNDECIDABLE
    assert "gate on a minimum score instead" in decision.reasons[0]


def test_unknown_scorecard_is_undecidable_and_suggests_a_near_name() -> None:
    decision = gate("payments-api", min_level="Silver", scorecard="readyness")
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "unknown scorecard 'readyness' (did you mean 'readiness'?) — "
        "known scorecards: api-quality, readiness",
    )


# ------------------------------------------------------------------ missing or stale results


def test_entity_without_results_is_undecidable() -> None:
    decision = decide_gate(None, definitions(), policy("nobody", min_level="Bronze"), NOW)
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons[0].startswith("no results for component:default/nobody")


def test_results_computed_with_other_definitions_are_undecidable() -> None:
    evaluation = evaluate("payments-api")
    evaluation.definitions_version = "0123456789abcdef"
    decision = gate("payments-api", evaluation, min_level="Silver")
    assert decision.decision is Decision.UNDECIDABLE
    assert "computed with definitions 0123456789abcdef" in decision.reasons[0]


def test_results_older_than_max_age_are_undecidable() -> None:
    evaluation = evaluate("payments-api", now=NOW - timedelta(days=3))
    decision = gate("payments-api", evaluation, min_level="Silver", max_age=timedelta(days=1))
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == ("the results are stale: evaluated 3d ago, the maximum age is 1d",)


def test_fresh_results_read_from_facts_older_than_max_age_are_undecidable() -> None:
    old_facts = {"github": FactSnapshot(NOW - timedelta(days=2), {"dependabot_alerts_critical": 0})}
    evaluation = evaluate("payments-api", old_facts)
    decision = gate("payments-api", evaluation, min_level="Silver", max_age=timedelta(days=1))
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "facts from source 'github' (read by check 'no-critical-alerts') are stale: "
        "collected 2d ago, the maximum age is 1d",
    )


def test_facts_collected_again_unchanged_since_the_results_read_them_count_as_fresh() -> None:
    old_facts = {"github": FactSnapshot(NOW - timedelta(days=2), {"dependabot_alerts_critical": 0})}
    evaluation = evaluate("payments-api", old_facts)
    collected = {"github": NOW - timedelta(hours=1)}
    decision = decide_gate(
        evaluation,
        definitions(),
        policy("payments-api", min_level="Silver", max_age=timedelta(days=1)),
        NOW,
        facts_collected=collected,
    )
    assert decision.decision is Decision.PASS


def test_facts_collected_earlier_than_the_results_read_them_change_nothing() -> None:
    old_facts = {"github": FactSnapshot(NOW - timedelta(days=2), {"dependabot_alerts_critical": 0})}
    evaluation = evaluate("payments-api", old_facts)
    decision = decide_gate(
        evaluation,
        definitions(),
        policy("payments-api", min_level="Silver", max_age=timedelta(days=1)),
        NOW,
        facts_collected={"github": NOW - timedelta(days=5)},
    )
    assert decision.decision is Decision.UNDECIDABLE


def test_results_within_max_age_are_judged() -> None:
    evaluation = evaluate("payments-api", now=NOW - timedelta(hours=2))
    decision = gate("payments-api", evaluation, min_level="Silver", max_age=timedelta(days=1))
    assert decision.decision is Decision.PASS


def test_scorecard_that_does_not_apply_to_the_entity_is_undecidable() -> None:
    api = catalog()["api:default/checkout-api"]
    evaluation = evaluate_entity(definitions(), api, {}, NOW)
    asked = GatePolicy("api:default/checkout-api", "readiness", Threshold(min_level="Bronze"))
    decision = decide_gate(evaluation, definitions(), asked, NOW)
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == ("scorecard 'readiness' does not apply to api:default/checkout-api",)


def test_scorecard_whose_checks_all_skip_has_no_score_and_is_undecidable(
    load: Callable[..., Definitions],
) -> None:
    only_apis = load(
        main="""
        checks:
          - {id: api-documented, name: API documented, applies: entity.kind == "API", rule: "true"}
        scorecards:
          - {id: apis, name: APIs, checks: [api-documented]}
        """
    )
    entity = catalog()["component:default/payments-api"]
    asked = policy("payments-api", min_score=50, scorecard="apis")
    decision = decide_gate_for_entity(only_apis, entity, {}, asked, NOW)
    assert decision.decision is Decision.UNDECIDABLE
    assert "has no score" in decision.reasons[0]


# ------------------------------------------------------------------ unknown checks


def test_unknown_checks_do_not_block_a_pass_they_could_only_improve() -> None:
    decision = gate("payments-api", evaluate("payments-api", facts={}), min_level="Silver")
    assert decision.decision is Decision.PASS
    assert [c.id for c in decision.findings] == ["no-critical-alerts"]


def test_unknown_checks_that_could_lift_the_entity_over_the_bar_make_it_undecidable() -> None:
    decision = gate("payments-api", evaluate("payments-api", facts={}), min_level="Gold")
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "level Silver (score 76.92) is below the minimum level Gold, but 1 check is unknown "
        "(no-critical-alerts): with current facts it might reach the threshold",
    )


def test_entity_below_the_bar_whatever_its_unknown_checks_fails() -> None:
    decision = gate("checkout-web", min_level="Silver")
    unknown = [c.id for c in decision.checks if c.status is Status.UNKNOWN]
    assert unknown == ["no-critical-alerts"]
    assert decision.decision is Decision.FAIL


# ------------------------------------------------------------------ required checks


def test_failing_required_check_fails_an_entity_above_the_threshold() -> None:
    decision = gate("legacy-batch", min_level="Bronze", required=("has-runbook",))
    assert decision.decision is Decision.FAIL
    assert decision.reasons == (
        "required check 'has-runbook' fails: production service legacy-batch links no runbook",
    )


def test_passing_required_check_is_named_in_the_reasons() -> None:
    decision = gate("payments-api", min_level="Silver", required=("no-critical-alerts",))
    assert decision.decision is Decision.PASS
    assert "required check 'no-critical-alerts' passes" in decision.reasons


def test_unknown_required_check_is_undecidable() -> None:
    evaluation = evaluate("payments-api", facts={})
    decision = gate(
        "payments-api", evaluation, min_level="Bronze", required=("no-critical-alerts",)
    )
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "required check 'no-critical-alerts' is unknown: no facts from source 'github'",
    )


def test_required_check_that_does_not_apply_is_undecidable() -> None:
    decision = gate("checkout-web", min_level="Bronze", required=("has-runbook",))
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "required check 'has-runbook' does not apply to this entity, so it cannot be met",
    )


def test_required_check_outside_the_scorecard_is_reported_without_a_weight() -> None:
    decision = gate("payments-api", min_level="Bronze", required=("api-documented",))
    extra = decision.checks[-1]
    assert (extra.id, extra.weight, extra.required) == ("api-documented", None, True)


def test_undefined_required_check_is_undecidable() -> None:
    decision = gate("payments-api", min_level="Bronze", required=("has-onwer",))
    assert decision.decision is Decision.UNDECIDABLE
    assert decision.reasons == (
        "required check 'has-onwer' is not defined (did you mean 'has-owner'?)",
    )


# ------------------------------------------------------------------ exemptions


def test_active_exemption_counts_for_the_gate() -> None:
    decision = gate("legacy-batch", min_level="Silver")
    pagerduty = next(c for c in decision.checks if c.id == "has-pagerduty")
    assert pagerduty.status is Status.EXEMPT
    assert decision.decision is Decision.PASS


def test_expired_exemption_no_longer_counts() -> None:
    decision = gate("old-reports", min_level="Silver")
    pagerduty = next(c for c in decision.checks if c.id == "has-pagerduty")
    assert pagerduty.status is Status.FAIL
    assert decision.decision is Decision.FAIL


def test_exemption_that_expired_since_the_results_were_stored_does_not_count() -> None:
    before_expiry = datetime(2020, 1, 15, 12, 0, tzinfo=NOW.tzinfo)
    stored = evaluate(
        "old-reports",
        {"github": FactSnapshot(before_expiry, {"dependabot_alerts_critical": 0})},
        before_expiry,
    )
    assert stored.check("has-pagerduty").status is Status.EXEMPT  # type: ignore[union-attr]
    decision = gate("old-reports", stored, min_level="Silver")
    pagerduty = next(c for c in decision.checks if c.id == "has-pagerduty")
    assert pagerduty.status is Status.UNKNOWN
    assert "the exemption expired on 2020-01-31" in str(pagerduty.message)
    assert decision.decision is Decision.UNDECIDABLE


# ------------------------------------------------------------------ the answer itself


@pytest.mark.parametrize(
    ("decision", "code"), [(Decision.PASS, 0), (Decision.FAIL, 1), (Decision.UNDECIDABLE, 2)]
)
def test_each_decision_has_its_ci_exit_code(decision: Decision, code: int) -> None:
    assert decision.exit_code == code


def test_decision_survives_a_round_trip_through_json() -> None:
    decision = gate(
        "checkout-web", min_level="Silver", required=("has-owner",), max_age=timedelta(days=7)
    )
    assert GateDecision.from_dict(json.loads(json.dumps(decision.to_dict()))) == decision


def test_decision_reports_each_check_with_its_remediation() -> None:
    decision = gate("checkout-web", min_level="Silver")
    pagerduty = next(c for c in decision.findings if c.id == "has-pagerduty")
    assert (
        pagerduty.message
        == "service checkout-web (owner group:default/web-team) has no PagerDuty service"
    )
    assert (
        pagerduty.remediation
        == "Add the `pagerduty.com/service-id` annotation to catalog-info.yaml."
    )


def test_threshold_takes_exactly_one_bar() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Threshold("Silver", 60)
    with pytest.raises(ValueError, match="exactly one"):
        Threshold()


def test_catalog_location_reads_where_the_catalog_says_the_entity_is_described() -> None:
    entity = {
        "metadata": {
            "annotations": {
                "backstage.io/managed-by-location": "url:https://github.com/acme/a/blob/main/catalog-info.yaml"
            }
        }
    }
    assert catalog_location(entity) == "https://github.com/acme/a/blob/main/catalog-info.yaml"
    assert catalog_location({"metadata": {"annotations": {}}}) is None
    assert catalog_location(None) is None


def test_entity_edited_in_a_pull_request_is_judged_as_edited() -> None:
    entity = catalog()["component:default/checkout-web"]
    edited: dict[str, Any] = json.loads(json.dumps(entity))
    edited["metadata"]["annotations"]["pagerduty.com/service-id"] = "P123456"
    asked = policy("checkout-web", min_level="Silver")
    before = decide_gate_for_entity(definitions(), entity, NO_CRITICAL, asked, NOW)
    after = decide_gate_for_entity(definitions(), edited, NO_CRITICAL, asked, NOW)
    assert (before.decision, after.decision) == (Decision.FAIL, Decision.PASS)
