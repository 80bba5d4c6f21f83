"""The CEL engine as scorecards uses it: compiled once, bounded, spec semantics, readable errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards.cel import compile_expression, is_bool, make_activation, parser, to_python
from scorecards.cel.values import from_python
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entities
from scorecards.errors import CelEvaluationError, CelSyntaxError
from scorecards.records.entities import normalize_entity
from tests.conftest import NOW

Load = Callable[..., Definitions]


def entity(**metadata: Any) -> dict[str, Any]:
    return normalize_entity(
        {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "svc", **metadata}}
    )


def evaluate(source: str, document: dict[str, Any] | None = None, **facts: Any) -> Any:
    activation = make_activation(document or entity(), facts, NOW)
    return compile_expression(source).evaluate(activation)


def test_evaluating_many_entities_never_parses_cel_again(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    definitions = load(
        a="""
checks:
  - id: has-owner
    name: Has an owner
    applies: entity.kind == "Component"
    rule: '"owner" in entity.spec'
    message: '"no owner on " + entity.metadata.name'
"""
    )
    parsed: list[str] = []
    monkeypatch.setattr(parser, "parse", lambda source: parsed.append(source))
    entities = [
        normalize_entity({"apiVersion": "v1", "kind": "Component", "metadata": {"name": f"s{i}"}})
        for i in range(50)
    ]
    assert len(evaluate_entities(definitions, entities, {}, NOW)) == 50
    assert parsed == []


def test_a_compiled_expression_gives_the_same_answer_each_time() -> None:
    expression = compile_expression('entity.metadata.name.startsWith("pay")')
    first = make_activation(entity(name="payments"), {}, NOW)
    second = make_activation(entity(name="search"), {}, NOW)
    assert [expression.evaluate(a) for a in (first, second, first)] == [True, False, True]


def test_an_expression_longer_than_the_limit_is_rejected() -> None:
    source = " || ".join(["true"] * (parser.MAX_LENGTH // 8 + 1))
    with pytest.raises(CelSyntaxError, match="characters; the limit is 4000"):
        compile_expression(source)


def test_an_expression_nesting_too_deeply_is_rejected() -> None:
    source = "+".join(["1"] * 1500)
    assert len(source) < parser.MAX_LENGTH
    with pytest.raises(CelSyntaxError, match="nests too deeply: more than 100 levels"):
        compile_expression(source)


def test_an_expression_nesting_within_the_bound_compiles() -> None:
    depth = parser.MAX_DEPTH - 2
    assert compile_expression("(" * depth + "1" + ")" * depth + " == 1").evaluate({}) is True
    assert compile_expression("+".join(["1"] * depth) + f" == {depth}").evaluate({}) is True


def test_comprehensions_nested_two_deep_are_allowed() -> None:
    assert evaluate("[1, 2].all(x, [3].exists(y, y > x))") is True


def test_comprehensions_nested_three_deep_are_rejected() -> None:
    with pytest.raises(CelSyntaxError, match="comprehensions nest 3 deep; the limit is 2"):
        compile_expression("[1].all(x, [2].all(y, [3].exists(z, x + y < z)))")


def test_a_syntax_error_carries_its_line_and_column() -> None:
    with pytest.raises(CelSyntaxError) as caught:
        compile_expression('entity.kind == "A" &&\n  entity.metadata.name = "b"')
    assert (caught.value.line, caught.value.column) == (2, 24)


def test_a_syntax_error_shows_a_caret_under_the_problem() -> None:
    with pytest.raises(CelSyntaxError) as caught:
        compile_expression('entity.kind == "A" )')
    assert caught.value.excerpt == 'entity.kind == "A" )\n                   ^'


def test_an_invalid_escape_is_a_syntax_error_naming_it() -> None:
    with pytest.raises(CelSyntaxError, match=r"invalid escape sequence \\q"):
        compile_expression(r'"a\q" == entity.kind')


def test_the_fact_sources_an_expression_reads_are_detected() -> None:
    expression = compile_expression(
        'facts.github.archived == false && facts["ci"].coverage > 70.0 '
        '&& "id" in facts.pagerduty && facts.?sonar.hasValue()'
    )
    assert expression.fact_sources == {"github", "ci", "pagerduty", "sonar"}


def test_an_expression_reading_no_facts_has_no_fact_sources() -> None:
    assert compile_expression('entity.spec.owner == "facts"').fact_sources == frozenset()


def test_a_has_guard_combined_with_and_is_false_without_the_field() -> None:
    assert evaluate("has(entity.metadata.links) && entity.metadata.links.exists(l, true)") is False


def test_a_has_guard_combined_with_and_is_true_with_the_field() -> None:
    document = entity(links=[{"title": "Runbook", "url": "https://example.com"}])
    source = 'has(entity.metadata.links) && entity.metadata.links.exists(l, l.title == "Runbook")'
    assert evaluate(source, document) is True


def test_a_negated_has_guard_combined_with_or_is_true_without_the_field() -> None:
    assert evaluate("!has(entity.metadata.links) || size(entity.metadata.links) > 0") is True


def test_an_optional_read_needs_no_guard() -> None:
    assert evaluate('entity.?spec.?system.orValue("none")') == "none"


def test_now_is_a_timestamp_rules_can_compare() -> None:
    assert evaluate('now > timestamp("2026-01-01T00:00:00Z")') is True


def test_facts_are_visible_by_source() -> None:
    assert evaluate("facts.ci.coverage >= 70.0", ci={"coverage": 80.5}) is True


# ---------------------------------------------------------------- the cases


def test_an_int_fact_compares_with_a_double_literal() -> None:
    assert evaluate("facts.ci.coverage >= 80.0", ci={"coverage": 85}) is True


def test_a_double_fact_equals_an_int_literal() -> None:
    assert evaluate("facts.ci.coverage == 100", ci={"coverage": 100.0}) is True


def test_a_double_is_found_in_a_list_of_ints() -> None:
    assert evaluate("dyn(3.0) in [1, 2, 3]") is True


def test_values_of_unrelated_types_are_unequal_not_an_error() -> None:
    assert evaluate('entity.metadata.name == 1 || entity.kind == "Component"') is True


def test_zero_divided_by_zero_is_nan_so_a_threshold_fails() -> None:
    source = "facts.tests.passed / facts.tests.total >= 0.8"
    assert evaluate(source, tests={"passed": 0.0, "total": 0.0}) is False


def test_nan_is_not_equal_to_itself() -> None:
    assert evaluate("0.0 / 0.0 == 0.0 / 0.0") is False
    assert math.isnan(evaluate("0.0 / 0.0"))


def test_int_overflow_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="overflow"):
        evaluate("9223372036854775807 + 1 > 0")


def test_timestamps_keep_nanoseconds() -> None:
    source = 'timestamp("2026-01-01T00:00:00.123456789Z") - timestamp("2026-01-01T00:00:00Z")'
    assert evaluate(f"{source} == duration('0.123456789s')") is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('entity.metadata.name.lowerAscii() == "svc"', True),
        ('"a,b".split(",") == ["a", "b"]', True),
        ("math.greatest(1, 2.5, 2) == 2.5", True),
        ('entity.?spec.?owner.orValue("") == ""', True),
    ],
)
def test_extension_functions_and_optional_syntax_are_compiled(source: str, expected: Any) -> None:
    expression = compile_expression(source)
    assert "def program" in expression.python_source  # there is no other way to run it
    assert expression.evaluate(make_activation(entity(), {}, NOW)) == expected


# ---------------------------------------------------------------- error messages


def test_an_unguarded_read_of_a_missing_field_names_the_key_and_the_subexpression() -> None:
    with pytest.raises(CelEvaluationError) as caught:
        evaluate("entity.metadata.links.exists(l, true)")
    assert str(caught.value) == "no such key: 'links' (in entity.metadata.links)"


def test_a_wrong_argument_type_names_the_function_and_the_types() -> None:
    with pytest.raises(CelEvaluationError) as caught:
        evaluate("size(entity.metadata.name) == 3 && 5.lowerAscii() == ''")
    assert str(caught.value).startswith(
        "found no matching overload for 'lowerAscii' applied to '(int)'"
    )


def test_error_messages_are_one_short_line_without_entity_or_fact_values() -> None:
    secret = "s3cr3t-" + "x" * 5000
    document = entity(description=secret, annotations={f"k{i}": secret for i in range(50)})
    with pytest.raises(CelEvaluationError) as caught:
        evaluate(
            "entity.metadata.description.lowerAscii() == facts.ci.token && "
            "entity.metadata.annotations.k1 + 1 == 2",
            document,
            ci={"token": secret},
        )
    message = str(caught.value)
    assert len(message) <= 300
    assert "\n" not in message
    assert "s3cr3t" not in message


def test_a_very_long_subexpression_is_shortened_in_the_message() -> None:
    source = "entity.metadata.annotations." + "a" * 400
    with pytest.raises(CelEvaluationError) as caught:
        evaluate(source + ' == "x"')
    assert len(str(caught.value)) <= 300


# ---------------------------------------------------------------- data in and out

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def same(left: Any, right: Any) -> bool:
    """Equal, and of the same JSON type all the way down (so 1 is not True or 1.0)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


@given(json_values)
def test_json_data_survives_the_trip_through_cel(value: Any) -> None:
    assert same(to_python(from_python(value)), value)


@given(json_values)
def test_json_data_read_by_an_expression_comes_back_unchanged(value: Any) -> None:
    result = compile_expression("x", ["x"]).evaluate({"x": value})
    assert same(to_python(result), value)


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_timestamp_comes_back_as_rfc3339_text(moment: datetime) -> None:
    text = to_python(from_python(moment))
    assert isinstance(text, str)
    assert text.endswith("Z")
    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == moment


def test_is_bool_accepts_only_true_and_false() -> None:
    assert [is_bool(v) for v in (True, False, 1, 0, None, "true")] == [True, True] + [False] * 4
