"""No rule, entity or request can hang a run or exhaust memory: RE2 and the evaluation budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scorecards.cel import compile_expression, make_activation
from scorecards.cel.errors import MAX_VALUE_SIZE
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.errors import CelEvaluationError, CelSyntaxError
from scorecards.records.entities import normalize_entity
from scorecards.records.results import Status
from tests.conftest import NOW

Load = Callable[..., Definitions]
CATASTROPHIC = "^([a-z0-9]+-?)+$"  # exponential on a backtracking engine


def entity(**metadata: Any) -> dict[str, Any]:
    return normalize_entity(
        {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a", **metadata}}
    )


def evaluate(source: str, document: dict[str, Any] | None = None, seconds: float = 5.0) -> Any:
    activation = make_activation(document or entity(), {}, NOW, seconds)
    return compile_expression(source).evaluate(activation)


def test_a_pattern_that_backtracks_exponentially_runs_in_linear_time_on_re2() -> None:
    # 5,000 characters: a backtracking engine would not finish in the lifetime of the run.
    text = "a" * 5_000 + "!"
    source = f'entity.metadata.description.matches("{CATASTROPHIC}")'
    assert evaluate(source, entity(description=text)) is False


def test_a_pattern_re2_rejects_is_an_error_not_a_fallback_to_backtracking() -> None:
    with pytest.raises(CelSyntaxError, match="invalid regular expression"):
        compile_expression(r'entity.metadata.name.matches("(a)\\1")')
    with pytest.raises(CelEvaluationError, match="invalid regular expression"):
        evaluate(
            r"entity.metadata.name.matches(entity.metadata.description)",
            entity(description=r"(a)\1"),
        )


def test_a_comprehension_over_too_many_elements_is_stopped() -> None:
    with pytest.raises(CelEvaluationError, match="cost limit exceeded"):
        evaluate("lists.range(200000).all(x, x >= 0)")


def test_nested_comprehensions_count_every_step() -> None:
    items = list(range(20_000))
    document = entity(annotations={}, items=items)
    with pytest.raises(CelEvaluationError, match="cost limit exceeded"):
        evaluate("entity.metadata.items.all(x, entity.metadata.items.exists(y, y == x))", document)


def test_an_exhausted_budget_is_not_absorbed_by_or() -> None:
    with pytest.raises(CelEvaluationError, match="cost limit exceeded"):
        evaluate("lists.range(200000).exists(x, x < 0) || true")


def test_a_value_doubled_past_the_size_limit_is_stopped() -> None:
    doubling = (
        'cel.bind(a, "0123456789abcdef", ' + "cel.bind(a, a + a, " * 20 + "size(a) > 0" + ")" * 21
    )
    with pytest.raises(CelEvaluationError, match=f"value too large.*{MAX_VALUE_SIZE:,}"):
        evaluate(doubling)


def test_replace_cannot_multiply_a_string_past_the_size_limit() -> None:
    document = entity(description="x" * 10_000)
    with pytest.raises(CelEvaluationError, match="value too large"):
        evaluate(
            'entity.metadata.description.replace("x", entity.metadata.description) != ""', document
        )


def test_a_rule_that_outruns_its_entitys_time_is_stopped() -> None:
    with pytest.raises(CelEvaluationError, match="time budget exceeded"):
        evaluate("lists.range(1000).all(x, x >= 0)", seconds=0.0)


def test_checks_left_when_the_time_is_up_are_errors_and_say_why(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: one
    name: One
    rule: "true"
  - id: two
    name: Two
    rule: "true"
"""
    )
    evaluation = evaluate_entity(definitions, entity(), {}, NOW, seconds=-1.0)
    assert [r.status for r in evaluation.checks] == [Status.ERROR, Status.ERROR]
    assert "evaluation budget" in (evaluation.checks[0].message or "")


def test_the_time_budget_does_not_touch_ordinary_rules(load: Load) -> None:
    definitions = load(a="checks:\n  - id: one\n    name: One\n    rule: '[1, 2].all(x, x > 0)'\n")
    [result] = evaluate_entity(definitions, entity(), {}, NOW).checks
    assert result.status is Status.PASS
