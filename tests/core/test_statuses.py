"""Each status of docs/architecture.md §4, and what every check result carries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import CheckResult, EntityEvaluation, Status
from tests.conftest import NOW

Load = Callable[..., Definitions]

PAGERDUTY = """
checks:
  - id: has-pagerduty
    name: On-call is set up
    applies: entity.kind == "Component"
    rule: '"pagerduty.com/service-id" in entity.metadata.annotations'
    message: '"owner " + entity.spec.owner + " has no PagerDuty service"'
"""

GITHUB = """
checks:
  - id: no-critical-alerts
    name: No critical alerts
    requires: [github]
    maxAge: 7d
    rule: facts.github.dependabot_alerts_critical == 0
"""


def component(name: str = "payments", **fields: Any) -> dict[str, Any]:
    annotations = fields.pop("annotations", {})
    document = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"owner": "team-a", "lifecycle": "production", **fields},
    }
    return normalize_entity(document)


def result(
    definitions: Definitions,
    check_id: str,
    entity: Mapping[str, Any],
    facts: Mapping[str, FactSnapshot] | None = None,
    now: datetime = NOW,
) -> CheckResult:
    evaluation = evaluate_entity(definitions, entity, facts or {}, now)
    found = evaluation.check(check_id)
    assert found is not None
    return found


def github(alerts: int, age: timedelta = timedelta(hours=1)) -> dict[str, FactSnapshot]:
    return {"github": FactSnapshot(NOW - age, {"dependabot_alerts_critical": alerts})}


def test_a_rule_returning_true_passes(load: Load) -> None:
    entity = component(annotations={"pagerduty.com/service-id": "P1"})
    assert result(load(a=PAGERDUTY), "has-pagerduty", entity).status is Status.PASS


def test_a_rule_returning_false_fails(load: Load) -> None:
    assert result(load(a=PAGERDUTY), "has-pagerduty", component()).status is Status.FAIL


def test_a_failure_carries_the_message_expression_result(load: Load) -> None:
    failed = result(load(a=PAGERDUTY), "has-pagerduty", component())
    assert failed.message == "owner team-a has no PagerDuty service"


def test_a_failure_message_that_raises_falls_back_to_the_check_name(load: Load) -> None:
    entity = component()
    del entity["spec"]["owner"]
    failed = result(load(a=PAGERDUTY), "has-pagerduty", entity)
    assert failed.status is Status.FAIL
    assert failed.message is not None
    assert failed.message.startswith("On-call is set up (message raised:")
    assert "owner" in failed.message


def test_a_passing_result_has_no_message(load: Load) -> None:
    entity = component(annotations={"pagerduty.com/service-id": "P1"})
    assert result(load(a=PAGERDUTY), "has-pagerduty", entity).message is None


def test_an_unexpired_exemption_makes_a_failing_check_exempt(load: Load) -> None:
    definitions = load(
        a=PAGERDUTY
        + """
exemptions:
  - {check: has-pagerduty, entity: Component:default/Legacy, reason: Being retired, expires: 2027-01-31}
"""
    )
    exempt = result(definitions, "has-pagerduty", component("legacy"))
    assert exempt.status is Status.EXEMPT
    assert exempt.message == "exempt until 2027-01-31: Being retired"


def test_an_exemption_is_valid_through_its_expiry_day(load: Load) -> None:
    definitions = load(
        a=PAGERDUTY
        + f"""
exemptions:
  - {{check: has-pagerduty, entity: component:default/legacy, reason: Being retired, expires: {NOW.date()}}}
"""
    )
    assert result(definitions, "has-pagerduty", component("legacy")).status is Status.EXEMPT


def test_expired_exemption_no_longer_counts(load: Load) -> None:
    yesterday = (NOW - timedelta(days=1)).date()
    definitions = load(
        a=PAGERDUTY
        + f"""
exemptions:
  - {{check: has-pagerduty, entity: component:default/legacy, reason: Being retired, expires: {yesterday}}}
"""
    )
    assert result(definitions, "has-pagerduty", component("legacy")).status is Status.FAIL


def test_an_exemption_covers_only_its_own_entity(load: Load) -> None:
    definitions = load(
        a=PAGERDUTY
        + """
exemptions:
  - {check: has-pagerduty, entity: component:default/legacy, reason: Being retired, expires: 2027-01-31}
"""
    )
    assert result(definitions, "has-pagerduty", component("payments")).status is Status.FAIL


def test_missing_facts_of_a_required_source_give_unknown(load: Load) -> None:
    unknown = result(load(a=GITHUB), "no-critical-alerts", component())
    assert unknown.status is Status.UNKNOWN
    assert unknown.message == "no facts from source 'github'"


def test_facts_older_than_the_checks_max_age_give_unknown(load: Load) -> None:
    stale = github(0, age=timedelta(days=8))
    unknown = result(load(a=GITHUB), "no-critical-alerts", component(), stale)
    assert unknown.status is Status.UNKNOWN
    assert unknown.message is not None
    assert "stale" in unknown.message
    assert "maxAge is 1w" in unknown.message


def test_facts_within_the_checks_max_age_are_used(load: Load) -> None:
    fresh = github(0, age=timedelta(days=6))
    assert result(load(a=GITHUB), "no-critical-alerts", component(), fresh).status is Status.PASS


def test_facts_older_than_the_sources_default_max_age_give_unknown(load: Load) -> None:
    definitions = load(
        a="""
sources:
  - id: github
    type: github
    maxAge: 1d
checks:
  - id: no-critical-alerts
    name: No critical alerts
    requires: [github]
    rule: facts.github.dependabot_alerts_critical == 0
"""
    )
    day_old = result(definitions, "no-critical-alerts", component(), github(0, timedelta(hours=25)))
    fresh = result(definitions, "no-critical-alerts", component(), github(0, timedelta(hours=23)))
    assert day_old.status is Status.UNKNOWN
    assert fresh.status is Status.PASS


def test_a_checks_max_age_overrides_the_sources_default(load: Load) -> None:
    definitions = load(
        a="""
sources:
  - id: github
    type: github
    maxAge: 1d
checks:
  - id: no-critical-alerts
    name: No critical alerts
    requires: [github]
    maxAge: 7d
    rule: facts.github.dependabot_alerts_critical == 0
"""
    )
    three_days = github(0, timedelta(days=3))
    assert result(definitions, "no-critical-alerts", component(), three_days).status is Status.PASS


def test_a_rule_reading_a_missing_key_gives_error_with_the_cel_text(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: production
    name: Production
    rule: entity.spec.tier == "gold"
"""
    )
    errored = result(definitions, "production", component())
    assert errored.status is Status.ERROR
    assert errored.message is not None
    assert errored.message.startswith("rule raised:")
    assert "tier" in errored.message


def test_a_rule_with_a_type_mismatch_gives_error(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: owner-count
    name: Owner count
    rule: entity.spec.owner > 1
"""
    )
    errored = result(definitions, "owner-count", component())
    assert errored.status is Status.ERROR
    assert errored.message is not None
    assert errored.message.startswith("rule raised:")


def test_a_rule_returning_a_non_bool_at_runtime_gives_error(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: owner
    name: Owner
    rule: entity.spec.owner
"""
    )
    errored = result(definitions, "owner", component())
    assert errored.status is Status.ERROR
    assert errored.message == "rule must return bool, got string"


def test_a_check_whose_applies_is_false_is_skipped(load: Load) -> None:
    api = normalize_entity({"apiVersion": "v1", "kind": "API", "metadata": {"name": "orders"}})
    skipped = result(load(a=PAGERDUTY), "has-pagerduty", api)
    assert skipped.status is Status.SKIP
    assert skipped.message is None


def test_a_check_whose_applies_raises_gives_error(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: prod-only
    name: Production only
    applies: entity.spec.tier == "gold"
    rule: "true"
"""
    )
    errored = result(definitions, "prod-only", component())
    assert errored.status is Status.ERROR
    assert errored.message is not None
    assert errored.message.startswith("applies raised:")


def test_a_check_whose_applies_returns_a_non_bool_gives_error(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: prod-only
    name: Production only
    applies: entity.spec.lifecycle
    rule: "true"
"""
    )
    errored = result(definitions, "prod-only", component())
    assert errored.status is Status.ERROR
    assert errored.message == "applies must return bool, got string"


def test_a_result_records_the_timestamps_of_the_facts_it_used(load: Load) -> None:
    facts = github(0, age=timedelta(hours=3))
    used = result(load(a=GITHUB), "no-critical-alerts", component(), facts)
    assert used.fact_timestamps == {"github": format_timestamp(NOW - timedelta(hours=3))}


def test_a_result_records_timestamps_of_sources_read_without_being_required(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: covered
    name: Covered
    rule: '"ci" in facts && facts["ci"].coverage > 50'
sources:
  - id: ci
    type: push
"""
    )
    facts = {"ci": FactSnapshot(NOW - timedelta(minutes=5), {"coverage": 80})}
    used = result(definitions, "covered", component(), facts)
    assert used.status is Status.PASS
    assert used.fact_timestamps == {"ci": format_timestamp(NOW - timedelta(minutes=5))}


def test_a_result_records_no_timestamps_of_sources_it_does_not_read(load: Load) -> None:
    entity = component(annotations={"pagerduty.com/service-id": "P1"})
    used = result(load(a=PAGERDUTY), "has-pagerduty", entity, github(0))
    assert used.fact_timestamps == {}


def test_an_evaluation_carries_the_definitions_version_and_time(load: Load) -> None:
    definitions = load(a=PAGERDUTY)
    evaluation = evaluate_entity(definitions, component(), {}, NOW)
    assert evaluation.definitions_version == definitions.version
    assert evaluation.evaluated_at == NOW
    assert evaluation.entity_ref == "component:default/payments"


def test_an_evaluation_survives_its_stored_form_unchanged(load: Load) -> None:
    definitions = load(a=PAGERDUTY + GITHUB.replace("checks:\n", ""))
    evaluation = evaluate_entity(definitions, component(), github(0), NOW)
    assert EntityEvaluation.from_dict(evaluation.to_dict()) == evaluation


def test_the_now_passed_in_is_what_rules_see(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: recent
    name: Recently pushed
    requires: [github]
    rule: now - timestamp(facts.github.pushed_at) < duration("720h")
"""
    )
    facts = {"github": FactSnapshot(NOW, {"pushed_at": "2026-11-01T00:00:00Z"})}
    assert result(definitions, "recent", component(), facts).status is Status.PASS
    later = NOW + timedelta(days=60)
    facts_later = {"github": FactSnapshot(later, {"pushed_at": "2026-11-01T00:00:00Z"})}
    assert result(definitions, "recent", component(), facts_later, now=later).status is Status.FAIL
