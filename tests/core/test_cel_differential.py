"""The fast CEL path agrees with cel-python's interpreter (the semantic reference).

Agreement means the same outcome: the same value (type included, down to the
bare-vs-CEL distinction the interpreter makes), or an error where it errs. It is
checked on every bundled check, scorecard and campaign expression over the
bundled example entities and facts, on every inline test, and on a generated
corpus of expressions and entities, including failing ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
import re2  # type: ignore[import-untyped]
from celpy import celtypes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scorecards.cel import FAST, Activation, Expression, compile_expression, make_activation
from scorecards.celfast.regex import translate
from scorecards.definitions.compiled import Definitions
from scorecards.definitions.loader import load_definitions
from scorecards.entities import normalize_entity
from scorecards.errors import CelEvaluationError, CelSyntaxError
from scorecards.refs import entity_ref
from scorecards.sources.catalog_files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.timeutil import parse_timestamp
from tests.conftest import NOW, REPO_ROOT
from tests.core.cel_corpus import GUARDED, entities, expressions, facts_values

Outcome = tuple[str, Any]


def canonical(value: Any) -> Any:
    """A comparable form that keeps exact types (int vs bool vs double, bare vs CEL)."""
    kind = type(value).__name__
    if isinstance(value, dict):
        return (kind, sorted((repr(canonical(k)), canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return (kind, [canonical(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return (kind, "nan")
    return (kind, repr(value))


def outcome(run: Any, activation: Activation) -> Outcome:
    try:
        return ("value", canonical(run(activation)))
    except CelEvaluationError:
        return ("error", None)


def assert_agrees(expression: Expression, activation: Activation, where: str = "") -> None:
    fast = outcome(expression.evaluate, activation)
    reference = outcome(expression.evaluate_interpreted, activation)
    assert fast == reference, (
        f"{where}\nexpression: {expression.source}\nfast: {fast}\n"
        f"interpreter: {reference}\n{expression.python_source}"
    )


# ------------------------------------------------------------------ bundled data


@pytest.fixture(scope="module")
def bundled() -> Definitions:
    return load_definitions(REPO_ROOT / "checks", now=NOW)


@pytest.fixture(scope="module")
def example_activations() -> list[tuple[str, Activation]]:
    catalog = load_catalog_files(REPO_ROOT / "examples" / "catalog")
    facts: dict[str, dict[str, Mapping[str, Any]]] = {}
    for fact in load_fact_files(REPO_ROOT / "examples" / "facts", NOW):
        facts.setdefault(fact.entity_ref, {})[fact.source] = fact.values
    return [(entity_ref(e), make_activation(e, facts.get(entity_ref(e), {}), NOW)) for e in catalog]


def bundled_expressions(definitions: Definitions) -> Iterator[tuple[str, Expression]]:
    for check in definitions.checks.values():
        for what, expression in (
            ("applies", check.applies),
            ("rule", check.rule),
            ("message", check.message),
        ):
            if expression is not None:
                yield f"check {check.id} {what}", expression
    for scorecard in definitions.scorecards.values():
        if scorecard.applies is not None:
            yield f"scorecard {scorecard.id} applies", scorecard.applies
    for campaign in definitions.campaigns.values():
        if campaign.applies is not None:
            yield f"campaign {campaign.id} applies", campaign.applies


def test_every_bundled_expression_runs_on_the_fast_path(bundled: Definitions) -> None:
    slow = {
        where: expression.fallback_reason
        for where, expression in bundled_expressions(bundled)
        if expression.path != FAST
    }
    assert slow == {}


def test_bundled_expressions_agree_over_the_example_catalog(
    bundled: Definitions, example_activations: list[tuple[str, Activation]]
) -> None:
    for where, expression in bundled_expressions(bundled):
        for ref, activation in example_activations:
            assert_agrees(expression, activation, f"{where} on {ref}")


def test_bundled_expressions_agree_on_every_inline_test(bundled: Definitions) -> None:
    for check in bundled.checks.values():
        expressions = [e for e in (check.applies, check.rule, check.message) if e is not None]
        for test in check.spec.tests:
            entity = normalize_entity({"apiVersion": "backstage.io/v1alpha1", **test.entity})
            moment = parse_timestamp(test.now) if test.now else NOW
            activation = make_activation(entity, dict(test.facts), moment)
            for expression in expressions:
                assert_agrees(expression, activation, f"check {check.id} test {test.name}")


# ------------------------------------------------------------------ generated corpus


def activation_for(entity: dict[str, Any], github: dict[str, Any]) -> Activation:
    return make_activation(entity, {"github": github}, NOW)


def compiled_or_none(source: str) -> Expression | None:
    try:
        return compile_expression(source)
    except CelSyntaxError:
        return None


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(source=expressions(), entity=entities(), github=facts_values())
@example(source="[1].map(x, 1/0) || true", entity={"kind": "A", "metadata": {}}, github={})
@example(source="false && [1].map(x, 1/0)[0] == 1", entity={"metadata": {}}, github={})
@example(source="(1 > 0 ? 1/0 : 2) || true", entity={}, github={})
@example(source='("a" + "b").contains("a")', entity={}, github={})
@example(source="1.5 + 1.5 == 3", entity={}, github={})
@example(source="true + true == 2", entity={}, github={})
@example(source="9223372036854775807 + 1 > 0 || true", entity={}, github={})
@example(source="[1, 2].exists(x, x / 0 == 1)", entity={}, github={})
@example(source="entity.metadata.exists(k, k == 1) || true", entity={"metadata": {}}, github={})
@example(source="int(1e300 * 1e300) == 0 || true", entity={}, github={})
@example(source='"ab".exists(c, c.contains("a"))', entity={}, github={})
@example(
    source="[1, 2].exists(x, x == 1 || (x == 2 ? x.all(y, true) : false))", entity={}, github={}
)
@example(source="[1, 2].exists(x, x == 1 || (x == 1 ? [1] : 5).all(y, true))", entity={}, github={})
@example(source="[1, 2].all(x, x == 2 && (x == 1 ? [1] : 5).all(y, true))", entity={}, github={})
@example(source="false && (true ? 1 : 2).all(x, true)", entity={}, github={})
@example(source="(1 == 2 ? 5 : [1].map(x, x / 0)) == [] || true", entity={}, github={})
@example(source="has(entity.x) || [1].exists_one(x, x / 0 == 1)", entity={}, github={})
def test_generated_expressions_agree_with_the_interpreter(
    source: str, entity: dict[str, Any], github: dict[str, Any]
) -> None:
    expression = compiled_or_none(source)
    if expression is not None:
        assert_agrees(expression, activation_for(entity, github))


@settings(max_examples=150, deadline=None, derandomize=True)
@given(source=st.sampled_from(GUARDED), entity=entities(), github=facts_values())
def test_guarded_rules_agree_with_the_interpreter(
    source: str, entity: dict[str, Any], github: dict[str, Any]
) -> None:
    expression = compile_expression(source)
    assert expression.path == FAST
    assert_agrees(expression, activation_for(entity, github))


def test_a_missing_key_is_an_error_never_a_pass() -> None:
    rule = compile_expression('entity.metadata.annotations["pagerduty.com/service-id"] != ""')
    activation = activation_for({"metadata": {"name": "a"}}, {})
    with pytest.raises(CelEvaluationError, match="annotations"):
        rule.evaluate(activation)


def test_an_error_on_one_side_of_and_is_absorbed_by_false_on_the_other() -> None:
    activation = activation_for({"metadata": {}}, {})
    for source in ("false && entity.missing", "entity.missing && false"):
        assert compile_expression(source).evaluate(activation) is False
    with pytest.raises(CelEvaluationError):
        compile_expression("true && entity.missing").evaluate(activation)


def test_expressions_outside_the_fast_subset_run_on_the_interpreter() -> None:
    expression = compile_expression('{"a": entity.kind}.a == "Component"')
    assert expression.path != FAST
    assert expression.fallback_reason is not None
    assert expression.evaluate(activation_for({"kind": "Component"}, {})) is True


def test_cel_python_values_passed_as_variables_are_accepted() -> None:
    from scorecards.cel import to_cel

    expression = compile_expression('response.items.filter(i, i.ok).size() == 1 && x == "a"')
    variables = {"response": to_cel({"items": [{"ok": True}, {"ok": False}]}), "x": "a"}
    assert expression.evaluate(variables) is True


# ------------------------------------------------------------------ operator matrix

# One sample of every kind of value, including the bare values cel-python's own
# arithmetic produces ("a" + "b" is a bare str, 1.5 + 1.5 a bare float ...).
SAMPLES = [
    "0",
    "7",
    "9223372036854775807",
    "-9223372036854775808",
    "2u",
    "0.0",
    "2.5",
    '""',
    '"ab"',
    "true",
    "null",
    "[1]",
    '{"a": 1}.a',
    '{1: "a", "b": 2}',
    "entity.metadata",
    '("a" + "b")',
    "(1.5 + 1.5)",
    "(true + true)",
    "([1] + [2])",
    'b"ab"',
    '"2026-11-24T16:42:00Z"',
    '"2026-11-24T16:42:00.5-05:30"',
    '"2026-02-29T00:00:00Z"',
    "now",
    'duration("1h")',
]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "in", "&&", "||"]
UNARY = [
    "-{}",
    "!{}",
    "size({})",
    "int({})",
    "uint({})",
    "double({})",
    "string({})",
    "type({})",
    "timestamp({})",
    "timestamp({}).getHours()",
]
METHODS = ["{}.startsWith({})", "{}.contains({})", "{}.matches({})", "{}[{}]", "[{}, {}][1]"]
ARGUMENTS = ['"ab"', "0", "7", '("a" + "b")', "null", "2.5"]
NOW_CEL = celtypes.TimestampType(NOW)


def sample_values() -> list[Any]:
    """Each sample evaluated once (both paths agreeing on it), as a variable's value."""
    base = activation_for({"metadata": {"name": "a", "tags": ["x"]}}, {})
    values = []
    for source in SAMPLES:
        expression = compile_expression(source)
        assert_agrees(expression, base)
        values.append(expression.evaluate(base))
    return values


def test_every_operator_agrees_on_every_pair_of_value_kinds() -> None:
    values = sample_values()
    for operator in OPERATORS:
        expression = compile_expression(f"left {operator} right")
        for left in values:
            for right in values:
                activation = Activation({"left": left, "right": right, "now": NOW_CEL})
                assert_agrees(expression, activation, f"{left!r} {operator} {right!r}")


def test_comparisons_with_a_literal_agree_on_every_kind_of_value() -> None:
    values = sample_values()
    for operator in ("==", "!=", "in", "<"):
        for literal in ('"ab"', "7", "true", "2.5", "null", '["ab", "c"]', "[7, 2]"):
            expression = compile_expression(f"left {operator} {literal}")
            for left in values:
                assert_agrees(expression, Activation({"left": left}), f"{left!r}")


def test_every_function_agrees_on_every_kind_of_value() -> None:
    values = sample_values()
    arguments = [v for source, v in zip(SAMPLES, values, strict=True) if source in ARGUMENTS]
    for template in UNARY:
        expression = compile_expression(template.format("value"))
        for value in values:
            assert_agrees(expression, Activation({"value": value}), f"{value!r}")
    for template in METHODS:
        expression = compile_expression(template.format("value", "argument"))
        for value in values:
            for argument in arguments:
                activation = Activation({"value": value, "argument": argument})
                assert_agrees(expression, activation, f"{value!r}, {argument!r}")


# ------------------------------------------------------------------ matches()

PATTERNS = [
    "(?i)runbook",
    "^[a-z0-9]+(-[a-z0-9]+)*$",
    "(?i)^\\s*(todo|tbd|tbc|fixme|wip|n/a|none|description)\\b",
    "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$",
    "\\d{2,3}\\w",
    "a$",
    "^\\S+\\s\\S+$",
    "[^a-c]\\B.",
    "(?s)a.b",
    "x{,2}",
    "(?=a)",
    "\\pL",
]
ALPHABET = "aAbB-_ /.19\n\t\u000b\u00a0\u212a\u017fkKsS\u0660é"


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pattern=st.sampled_from(PATTERNS), text=st.text(alphabet=ALPHABET, max_size=12))
def test_translated_patterns_match_exactly_what_re2_matches(pattern: str, text: str) -> None:
    python = translate(pattern)
    if python is None:
        return
    import re

    assert (re.search(python, text) is not None) == (re2.search(pattern, text) is not None)


def test_patterns_python_reads_differently_are_left_to_re2() -> None:
    for pattern in ("x{,2}", "(?=a)", "\\pL", "a++", "[[:alpha:]]", "(?m)^a$"):
        assert translate(pattern) is None, pattern


def test_the_time_used_is_the_activation_now() -> None:
    rule = compile_expression('now - timestamp("2026-11-24T12:00:00Z") == duration("24h")')
    activation = make_activation({}, {}, datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    assert rule.evaluate(activation) is True


def test_unknown_variables_are_errors() -> None:
    with pytest.raises(CelEvaluationError, match="undeclared"):
        compile_expression("nothing == 1").evaluate(make_activation({}, {}, NOW))
