"""The compiled checks of a definitions give exactly the precise path's results.

`evaluate_entity` runs every check of an entity through one generated function
(scorecards/engine/program.py) that follows only the happy path and hands any
other case to the precise path; `evaluate_check`, step by step, is the reference.
Rules come from the CEL differential test's grammar (bools mostly, other kinds
and wrong types in a share, comprehensions), `applies` from typical guards (some
raising, some shared by several checks) and the grammar; checks have messages
(some raising), required sources (missing and stale facts) and exemptions
(expired or not). Entities and facts come from its strategies too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from random import Random
from typing import Any, Final

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorecards.cel import compile_expression, make_activation
from scorecards.definitions.compiled import (
    Check,
    Definitions,
    Exemption,
    LevelRule,
    Location,
    Scorecard,
)
from scorecards.definitions.specs import CheckSpec, ExemptionSpec, ScorecardSpec
from scorecards.engine.evaluation import evaluate_check, evaluate_entity, score_scorecard
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status
from tests.cel.test_differential import WORDS, Grammar, entities, facts

HERE: Final = Location("generated.yaml", 1)
NOW: Final = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GUARDS: Final = [
    'entity.kind == "Component"',
    'entity.kind in ["Component", "API"] && "owner" in entity.spec',
    'entity.spec.type == "service"',  # raises for an entity without spec
    '"annotations" in entity.metadata && "a" in entity.metadata.annotations',
    "entity.metadata.?tags.orValue([]).exists(t, t == 'a')",
    'entity.spec.lifecycle != "deprecated" || entity.kind == "API"',
    "entity.metadata.name",  # not a bool
]
SENSIBLE: Final = [
    'entity.kind == "Component"',
    '"owner" in entity.spec',
    "has(entity.metadata.description)",
    "facts.github.?protected.orValue(false)",
    "size(entity.metadata.name) > 2",
    "entity.metadata.?annotations.orValue({}).size() > 0",
    "entity.metadata.?links.orValue([]).exists(l, 'title' in l)",
    "true",
    "false",
]
# Leaves that raise or are not bools on some data: where CEL's logic absorbs errors.
AWKWARD: Final = [
    'entity.spec.owner.startsWith("user:")',
    "facts.github.open_prs > 2",
    "facts.ci.passing",
    "entity.metadata.name",
    "entity.metadata.annotations.a == 'b'",
    "1 / 0 == 1",
    "entity.metadata.?tags.orValue([]).exists(t, t.startsWith('a'))",
]
MESSAGES: Final = [
    None,
    'entity.metadata.name + " fails"',
    '"owner " + entity.spec.owner',  # raises without an owner
    "size(entity.metadata.name)",  # not a string
]


def generated_rule(grammar: Grammar, rnd: Random, depth: int = 2) -> str:
    """Rules with CEL's logic over grammar expressions and awkward leaves."""
    roll = rnd.random()
    if depth == 0 or roll < 0.25:
        leaf = rnd.random()
        if leaf < 0.65:
            return rnd.choice(SENSIBLE)
        return rnd.choice(AWKWARD) if leaf < 0.9 else grammar.top(2).text
    parts = [generated_rule(grammar, rnd, depth - 1) for _ in range(3)]
    if roll < 0.5:
        return f"({' && '.join(parts[: rnd.randint(2, 3)])})"
    if roll < 0.75:
        return f"({' || '.join(parts[: rnd.randint(2, 3)])})"
    if roll < 0.85:
        return f"!({parts[0]})"
    return f"({parts[0]} ? {parts[1]} : {parts[2]})"


def generated_definitions(seed: int, size: int = 8) -> Definitions:
    rnd = Random(seed)
    grammar = Grammar(rnd)
    checks: dict[str, Check] = {}
    exemptions: dict[tuple[str, str], Exemption] = {}
    for number in range(size):
        check_id = f"check-{number}"
        roll = rnd.random()
        applies = None if roll < 0.2 else grammar.top(3).text if roll < 0.35 else rnd.choice(GUARDS)
        requires = rnd.sample(["github", "ci"], rnd.randint(0, 2)) if rnd.random() < 0.4 else []
        spec = CheckSpec.model_validate(
            {
                "id": check_id,
                "name": f"Check {number}",
                "rule": generated_rule(grammar, rnd),
                "applies": applies or "true",
                "requires": requires,
                "message": rnd.choice(MESSAGES),
                "maxAge": rnd.choice([None, "1h", "30d"]),
            }
        )
        rule = compile_expression(spec.rule)
        message = compile_expression(spec.message) if spec.message else None
        read = rule.fact_sources | (message.fact_sources if message else frozenset())
        checks[check_id] = Check(
            spec,
            HERE,
            compile_expression(applies) if applies else None,
            rule,
            message,
            frozenset(requires) | read,
        )
        if rnd.random() < 0.3:
            ref = f"{rnd.choice(['component', 'api'])}:default/{rnd.choice(WORDS[:8])}".lower()
            expires = rnd.choice([date(2026, 1, 1), date(2027, 1, 1)])
            exemption = ExemptionSpec(check=check_id, entity=ref, reason="waived", expires=expires)
            exemptions[(check_id, ref)] = Exemption(exemption, HERE, ref)
    scorecards: dict[str, Scorecard] = {}
    for number in range(3):
        scorecard_id = f"scorecard-{number}"
        roll = rnd.random()
        applies = None if roll < 0.2 else grammar.top(2).text if roll < 0.35 else rnd.choice(GUARDS)
        ids = rnd.sample(list(checks), 4)
        card_spec = ScorecardSpec.model_validate(
            {
                "id": scorecard_id,
                "name": scorecard_id,
                "applies": applies or "true",
                "checks": [{"id": i} for i in ids],
            }
        )
        levels = (LevelRule("Bronze", tuple(ids[:1])), LevelRule("Silver", (), 50.0))
        scorecards[scorecard_id] = Scorecard(
            card_spec,
            HERE,
            compile_expression(applies) if applies else None,
            tuple((i, rnd.choice([1.0, 2.5])) for i in ids),
            levels,
        )
    return Definitions(
        checks=checks,
        scorecards=scorecards,
        campaigns={},
        exemptions=exemptions,
        sources={},
        version=f"generated-{seed}",
        max_ages={"ci": timedelta(days=2)},
    )


DEFINITIONS: Final = [generated_definitions(seed) for seed in range(24)]


def precise_results(
    definitions: Definitions, entity: dict[str, Any], snapshots: dict[str, FactSnapshot]
) -> list[dict[str, Any]]:
    """Each check's result, then each scorecard's, evaluated one by one."""
    activation = make_activation(entity, {s: f.values for s, f in snapshots.items()}, NOW)
    ref = entity_ref(entity)
    results = [
        evaluate_check(definitions, check, ref, activation, snapshots, NOW)
        for check in definitions.checks.values()
    ]
    statuses = {r.check_id: r.status for r in results}
    scored = [score_scorecard(s, activation, statuses) for s in definitions.scorecards.values()]
    return [r.to_dict() for r in results] + [s.to_dict() for s in scored if s is not None]


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(entities(), facts(), st.lists(st.sampled_from([0, 3_600, 86_400 * 5]), min_size=3))
def test_compiled_checks_give_the_precise_results(
    entity: dict[str, Any], values: dict[str, dict[str, Any]], ages: list[int]
) -> None:
    document = normalize_entity(entity)
    snapshots = {
        source: FactSnapshot(NOW - timedelta(seconds=ages[index % len(ages)]), fields)
        for index, (source, fields) in enumerate(values.items())
    }
    for definitions in DEFINITIONS:
        evaluation = evaluate_entity(definitions, document, snapshots, NOW)
        expected = precise_results(definitions, document, snapshots)
        found = [r.to_dict() for r in evaluation.checks] + [
            s.to_dict() for s in evaluation.scorecards
        ]
        assert found == expected, "\n".join(c.spec.rule for c in definitions.checks.values())


def test_every_status_is_generated() -> None:
    seen: set[Status] = set()
    rnd = Random(7)
    for definitions in DEFINITIONS:
        for name in WORDS[:8]:
            entity = normalize_entity(
                {
                    "apiVersion": "v1",
                    "kind": rnd.choice(["Component", "API"]),
                    "metadata": {"name": name or "x", "annotations": {"a": "b"}},
                    "spec": {"type": "service", "owner": "team"},
                }
            )
            facts_now = {"github": FactSnapshot(NOW, {"open_prs": 1})}
            seen |= {r.status for r in evaluate_entity(definitions, entity, facts_now, NOW).checks}
    assert seen == set(Status)


def plain_definitions(*rules: tuple[str, str]) -> Definitions:
    """Definitions of just these (check id, rule) checks: no applies, message or scorecard."""
    checks = {
        check_id: Check(
            CheckSpec(id=check_id, name=check_id, rule=rule),
            HERE,
            None,
            compile_expression(rule),
            None,
            frozenset(),
        )
        for check_id, rule in rules
    }
    return Definitions(checks, {}, {}, {}, {}, "v")


def test_a_check_after_one_that_ran_out_of_time_is_an_error() -> None:
    looping = "lists.range(300).all(x, lists.range(300).all(y, x + y >= 0))"
    definitions = plain_definitions(("slow", looping), ("quick", "true"))
    entity = normalize_entity({"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a"}})
    evaluation = evaluate_entity(definitions, entity, {}, NOW, seconds=0.005)
    assert [r.status for r in evaluation.checks] == [Status.ERROR, Status.ERROR]
    assert "evaluation budget" in (evaluation.checks[1].message or "")


def test_a_rule_too_deeply_nested_for_one_function_goes_by_the_precise_path() -> None:
    deep = "entity.metadata" + '["a"]' * 90 + " == 1"
    definitions = plain_definitions(("deep", deep), ("plain", "entity.kind == 'Component'"))
    entity = normalize_entity({"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a"}})
    evaluation = evaluate_entity(definitions, entity, {}, NOW)
    assert [r.to_dict() for r in evaluation.checks] == precise_results(definitions, entity, {})
    assert [r.status for r in evaluation.checks] == [Status.ERROR, Status.PASS]
