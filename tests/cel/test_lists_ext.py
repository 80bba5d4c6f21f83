"""The lists extension: flatten, slice, sort, sortBy, distinct, reverse, first, last, lists.range."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.cel import Activation, compile_expression
from scorecards.cel.values import NONE, Optional, Uint
from scorecards.errors import CelEvaluationError

ENTITIES: list[dict[str, Any]] = [
    {
        "metadata": {"name": "search", "tags": ["java", "tier-2"]},
        "spec": {"owner": "team-b", "score": 70},
    },
    {
        "metadata": {"name": "payments", "tags": ["java", "tier-1"]},
        "spec": {"owner": "team-a", "score": 92.5},
    },
    {"metadata": {"name": "web", "tags": ["go"]}, "spec": {"owner": "team-b", "score": 81}},
]


def evaluate(source: str, value: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": value}))


# ------------------------------------------------------------------ flatten


def test_flatten_removes_one_level_of_nesting() -> None:
    assert evaluate("[1, [2, [3, 4]]].flatten()") == [1, 2, [3, 4]]


def test_flatten_drops_empty_lists() -> None:
    assert evaluate("[1, 2, [], [], [3, 4]].flatten()") == [1, 2, 3, 4]


def test_flatten_of_a_flat_list_is_the_list() -> None:
    assert evaluate("dyn([1, 2]).flatten()") == [1, 2]


def test_flatten_with_a_depth_removes_that_many_levels() -> None:
    assert evaluate("[1, [2, [3, [4]]]].flatten(2)") == [1, 2, 3, [4]]


def test_flatten_to_depth_zero_leaves_the_list_alone() -> None:
    assert evaluate("[1, [2]].flatten(0)") == [1, [2]]


def test_flatten_with_a_negative_depth_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="level must be non-negative"):
        evaluate("[1, [2]].flatten(-1)")


def test_flatten_of_a_map_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload for 'flatten'"):
        evaluate("x.flatten()", {"a": [1]})


def test_flatten_gathers_every_entitys_tags() -> None:
    assert evaluate("x.map(e, e.metadata.tags).flatten()", ENTITIES) == [
        "java",
        "tier-2",
        "java",
        "tier-1",
        "go",
    ]


# ------------------------------------------------------------------ slice


def test_slice_takes_the_elements_from_start_up_to_end() -> None:
    assert evaluate("[1, 2, 3, 4].slice(1, 3)") == [2, 3]


def test_slice_may_be_empty() -> None:
    assert evaluate("[1, 2, 3, 4].slice(4, 4)") == []


def test_slice_past_the_end_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"cannot slice\(0, 10\), list is length 4"):
        evaluate("[1, 2, 3, 4].slice(0, 10)")


def test_slice_with_a_negative_index_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="negative indexes not supported"):
        evaluate("[1, 2, 3, 4].slice(-1, 2)")


def test_slice_with_start_after_end_is_an_error() -> None:
    with pytest.raises(
        CelEvaluationError, match="start index must be less than or equal to end index"
    ):
        evaluate("[1, 2, 3, 4].slice(3, 1)")


# ------------------------------------------------------------------ sort and sortBy


def test_sort_orders_numbers() -> None:
    assert evaluate("[4, 3, 2, 1].sort()") == [1, 2, 3, 4]


def test_sort_orders_strings() -> None:
    assert evaluate('["d", "a", "c", "b"].sort()') == ["a", "b", "c", "d"]


def test_sort_orders_timestamps() -> None:
    assert (
        evaluate('[timestamp("2026-02-01T00:00:00Z"), timestamp(0)].sort()[0] == timestamp(0)')
        is True
    )


def test_sort_orders_ints_and_doubles_together_by_value() -> None:
    assert evaluate("[2, 1.5, 1u].sort()") == [Uint(1), 1.5, 2]


def test_sort_of_strings_and_numbers_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="list elements must have the same type"):
        evaluate('["d", 3].sort()')


def test_sort_of_lists_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="list elements must be comparable"):
        evaluate("[[2], [1]].sort()")


def test_sort_of_nan_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="NaN values cannot be ordered"):
        evaluate("[1.0, 0.0 / 0.0].sort()")


def test_sort_by_orders_by_the_key() -> None:
    assert evaluate("[-3, 1, -5, -2, 4].sortBy(e, -(e * e))") == [-5, 4, -3, -2, 1]


def test_sort_by_keeps_the_order_of_equal_keys() -> None:
    assert evaluate("['bb', 'a', 'cc', 'd'].sortBy(s, s.size())") == ["a", "d", "bb", "cc"]


def test_sort_by_orders_entities_by_name() -> None:
    assert evaluate("x.sortBy(e, e.metadata.name).map(e, e.metadata.name)", ENTITIES) == [
        "payments",
        "search",
        "web",
    ]


def test_sort_by_orders_entities_by_a_score_mixing_ints_and_doubles() -> None:
    assert evaluate("x.sortBy(e, -e.spec.score).map(e, e.metadata.name)", ENTITIES) == [
        "payments",
        "web",
        "search",
    ]


def test_sort_by_keys_of_different_types_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="list elements must have the same type"):
        evaluate("[1, 'a'].sortBy(e, e)")


# ------------------------------------------------------------------ distinct and reverse


def test_distinct_keeps_the_first_of_each_value() -> None:
    assert evaluate("['c', 'a', 'a', 'b', 'c'].distinct()") == ["c", "a", "b"]


def test_distinct_uses_cel_equality_across_numeric_types() -> None:
    assert evaluate("[1, 1.0, 2, 2u].distinct()") == [1, 2]


def test_distinct_compares_lists_by_value() -> None:
    assert evaluate("[[1], [1], [2]].distinct()") == [[1], [2]]


def test_distinct_keeps_a_string_and_a_number_apart() -> None:
    assert evaluate("['1', 1, '1'].distinct()") == ["1", 1]


def test_distinct_gives_each_owner_once() -> None:
    assert evaluate("x.map(e, e.spec.owner).distinct()", ENTITIES) == ["team-b", "team-a"]


def test_reverse_reverses_the_order() -> None:
    assert evaluate("[5, 1, 2, 3].reverse()") == [3, 2, 1, 5]


# ------------------------------------------------------------------ first, last, lists.range


def test_first_gives_the_first_element_as_an_optional() -> None:
    assert evaluate("[1, 2, 3].first()") == Optional(1)


def test_last_gives_the_last_element_as_an_optional() -> None:
    assert evaluate("[1, 2, 3].last()") == Optional(3)


def test_first_of_an_empty_list_is_none() -> None:
    assert evaluate("[].first()") == NONE


def test_last_of_an_empty_list_falls_back_with_or_value() -> None:
    assert evaluate("x.last().orValue('none')", []) == "none"


def test_first_of_a_string_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload for 'first'"):
        evaluate("x.first()", "abc")


def test_lists_range_counts_from_zero() -> None:
    assert evaluate("lists.range(4)") == [0, 1, 2, 3]


def test_lists_range_of_a_negative_count_is_empty() -> None:
    assert evaluate("lists.range(-2)") == []


def test_lists_range_refuses_a_list_too_long_to_build() -> None:
    with pytest.raises(CelEvaluationError, match="too long"):
        evaluate("lists.range(1000000000)")


def test_lists_range_indexes_a_list() -> None:
    assert evaluate("lists.range(size(x)).filter(i, x[i] == 'b')", ["a", "b", "b"]) == [1, 2]
