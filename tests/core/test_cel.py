"""The CEL bridge: compile once, bounded size, fact sources, guards, and data conversion."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import celpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards.cel import (
    MAX_EXPRESSION_LENGTH,
    compile_expression,
    is_bool,
    make_activation,
    to_cel,
    to_python,
)
from scorecards.definitions.compiled import Definitions
from scorecards.entities import normalize_entity
from scorecards.errors import CelEvaluationError, CelSyntaxError
from scorecards.evaluation import evaluate_entities
from tests.conftest import NOW

Load = Callable[..., Definitions]


def entity(**metadata: Any) -> dict[str, Any]:
    return normalize_entity(
        {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "svc", **metadata}}
    )


def evaluate(source: str, document: dict[str, Any] | None = None, **facts: Any) -> Any:
    activation = make_activation(document or entity(), facts, NOW)
    return compile_expression(source).evaluate(activation)


@pytest.fixture
def parse_count(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every CEL source cel-python parses or turns into a program, in order."""
    calls: list[str] = []
    original_compile = celpy.Environment.compile
    original_program = celpy.Environment.program

    def counting_compile(self: celpy.Environment, text: str) -> Any:
        calls.append(text)
        return original_compile(self, text)

    def counting_program(self: celpy.Environment, expr: Any, functions: Any = None) -> Any:
        calls.append("<program>")
        return original_program(self, expr, functions)

    monkeypatch.setattr(celpy.Environment, "compile", counting_compile)
    monkeypatch.setattr(celpy.Environment, "program", counting_program)
    yield calls


def test_evaluating_many_entities_never_parses_cel_again(
    load: Load, parse_count: list[str]
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
    assert parse_count, "loading must have compiled the expressions"
    parsed_at_load = len(parse_count)
    entities = [
        normalize_entity({"apiVersion": "v1", "kind": "Component", "metadata": {"name": f"s{i}"}})
        for i in range(50)
    ]
    evaluations = evaluate_entities(definitions, entities, {}, NOW)
    assert len(evaluations) == 50
    assert len(parse_count) == parsed_at_load


def test_a_compiled_expression_gives_the_same_answer_each_time() -> None:
    expression = compile_expression('entity.metadata.name.startsWith("pay")')
    first = make_activation(entity(name="payments"), {}, NOW)
    second = make_activation(entity(name="search"), {}, NOW)
    assert [bool(expression.evaluate(a)) for a in (first, second, first)] == [True, False, True]


def test_an_expression_longer_than_the_limit_is_rejected() -> None:
    source = " || ".join(["true"] * (MAX_EXPRESSION_LENGTH // 8 + 1))
    assert len(source) > MAX_EXPRESSION_LENGTH
    with pytest.raises(CelSyntaxError, match="characters; the limit is 4000"):
        compile_expression(source)


def test_an_expression_with_too_many_syntax_nodes_is_rejected() -> None:
    source = "+".join(["1"] * 1500)
    assert len(source) < MAX_EXPRESSION_LENGTH
    with pytest.raises(CelSyntaxError, match="too large"):
        compile_expression(source)


def test_comprehensions_nested_two_deep_are_allowed() -> None:
    assert evaluate("[1, 2].all(x, [3].exists(y, y > x))") is not None


def test_comprehensions_nested_three_deep_are_rejected() -> None:
    with pytest.raises(CelSyntaxError, match="comprehensions nest 3 deep; the limit is 2"):
        compile_expression("[1].all(x, [2].all(y, [3].exists(z, x + y < z)))")


def test_a_syntax_error_carries_its_line_and_column() -> None:
    with pytest.raises(CelSyntaxError) as caught:
        compile_expression('entity.kind == "A" &&\n  entity.metadata.name = "b"')
    assert (caught.value.line, caught.value.column) == (2, 24)


def test_the_fact_sources_an_expression_reads_are_detected() -> None:
    expression = compile_expression(
        'facts.github.archived == false && facts["ci"].coverage > 70.0 && "id" in facts.pagerduty'
    )
    assert expression.fact_sources == {"github", "ci", "pagerduty"}


def test_an_expression_reading_no_facts_has_no_fact_sources() -> None:
    assert compile_expression('entity.spec.owner == "facts"').fact_sources == frozenset()


def test_a_has_guard_combined_with_and_is_false_not_an_error_without_the_field() -> None:
    result = evaluate("has(entity.metadata.links) && entity.metadata.links.exists(l, true)")
    assert is_bool(result)
    assert result is not None and not bool(result)


def test_a_has_guard_combined_with_and_is_true_with_the_field() -> None:
    document = entity(links=[{"title": "Runbook", "url": "https://example.com"}])
    result = evaluate(
        'has(entity.metadata.links) && entity.metadata.links.exists(l, l.title == "Runbook")',
        document,
    )
    assert bool(result)


def test_a_negated_has_guard_combined_with_or_is_true_without_the_field() -> None:
    assert bool(evaluate("!has(entity.metadata.links) || size(entity.metadata.links) > 0"))


def test_an_unguarded_read_of_a_missing_field_raises_with_the_cel_text() -> None:
    with pytest.raises(CelEvaluationError, match="links"):
        evaluate("entity.metadata.links.exists(l, true)")


def test_a_type_mismatch_raises_an_evaluation_error() -> None:
    with pytest.raises(CelEvaluationError):
        evaluate('entity.metadata.name + 1 == "x"')


def test_now_is_a_timestamp_rules_can_compare() -> None:
    assert bool(evaluate('now > timestamp("2026-01-01T00:00:00Z")'))


def test_facts_are_visible_by_source() -> None:
    assert bool(evaluate("facts.ci.coverage >= 70.0", ci={"coverage": 80.5}))


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
    assert same(to_python(to_cel(value)), value)


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_timestamp_comes_back_as_rfc3339_text(moment: datetime) -> None:
    text = to_python(to_cel(moment))
    assert isinstance(text, str)
    assert text.endswith("Z")
    assert datetime.fromisoformat(text.replace("Z", "+00:00")) == moment
