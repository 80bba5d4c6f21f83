"""The sets extension: sets.contains, sets.equivalent and sets.intersects, by CEL equality."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.cel import Activation, compile_expression
from scorecards.errors import CelEvaluationError

ENTITY: dict[str, Any] = {
    "kind": "Component",
    "metadata": {"name": "payments", "tags": ["java", "tier-1", "pci"]},
    "spec": {"lifecycle": "production", "owner": "team-payments"},
}


def evaluate(source: str, value: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": value}))


def evaluate_entity(source: str) -> Any:
    return compile_expression(source, ["entity"]).evaluate(Activation({"entity": ENTITY}))


# ------------------------------------------------------------------ sets.contains


def test_contains_is_true_when_every_element_is_present() -> None:
    assert evaluate_entity('sets.contains(entity.metadata.tags, ["pci", "java"])') is True


def test_contains_is_false_when_an_element_is_missing() -> None:
    assert evaluate_entity('sets.contains(entity.metadata.tags, ["pci", "go"])') is False


def test_contains_of_an_empty_list_is_true() -> None:
    assert evaluate("sets.contains([], [])") is True


def test_an_empty_list_contains_nothing() -> None:
    assert evaluate("sets.contains([], [1])") is False


def test_contains_matches_numbers_across_types() -> None:
    assert evaluate("sets.contains([1, 2.0, 3u], [1.0, 2u, 3])") is True


def test_contains_does_not_take_true_for_one() -> None:
    assert evaluate("sets.contains([true], [1])") is False


def test_contains_does_not_take_a_number_for_its_string() -> None:
    assert evaluate("sets.contains(['1'], [1])") is False


def test_contains_compares_lists_by_value() -> None:
    assert evaluate("sets.contains([[1, 2], [3]], [[3.0]])") is True


def test_contains_needs_two_lists() -> None:
    with pytest.raises(CelEvaluationError, match=r"no matching overload for 'sets\.contains'"):
        evaluate('sets.contains(x, "java")', ["java"])


# ------------------------------------------------------------------ sets.equivalent


def test_equivalent_ignores_order_and_repeats() -> None:
    assert evaluate("sets.equivalent([1, 2, 2], [2, 1])") is True


def test_equivalent_matches_numbers_across_types() -> None:
    assert evaluate("sets.equivalent([1, 2, 3], [3u, 2.0, 1])") is True


def test_equivalent_is_false_when_one_has_an_extra_element() -> None:
    assert evaluate("sets.equivalent([1, 2], [1, 2, 3])") is False


def test_empty_lists_are_equivalent() -> None:
    assert evaluate("sets.equivalent([], [])") is True


# ------------------------------------------------------------------ sets.intersects


def test_intersects_is_true_when_an_element_is_shared() -> None:
    assert evaluate_entity('sets.intersects(entity.metadata.tags, ["go", "pci"])') is True


def test_intersects_is_false_when_nothing_is_shared() -> None:
    assert evaluate_entity('sets.intersects(entity.metadata.tags, ["go", "python"])') is False


def test_intersects_with_an_empty_list_is_false() -> None:
    assert evaluate("sets.intersects([1], [])") is False


def test_intersects_compares_lists_by_value() -> None:
    assert evaluate("sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])") is True


def test_intersects_checks_a_lifecycle_against_allowed_values() -> None:
    assert (
        evaluate_entity('sets.intersects([entity.spec.lifecycle], ["production", "experimental"])')
        is True
    )
