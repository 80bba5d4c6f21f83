"""CEL's math extension (cel-go's ext/math.go): greatest and least, rounding, abs and
sign, floating-point tests and bitwise functions."""

from __future__ import annotations

import math
from typing import Any

import pytest

from scorecards.cel import Activation, check_expression, compile_expression
from scorecards.cel.types import DYN, INT
from scorecards.cel.values import Uint
from scorecards.errors import CelEvaluationError

INT64_MIN = -(2**63)


def run(source: str, x: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": x}))


def findings(source: str) -> list[str]:
    expression = compile_expression(source, ["x"])
    return [f.message for f in check_expression(expression, {"x": DYN}, returns=INT)]


def same(actual: Any, expected: Any) -> bool:
    """Equal and of the same CEL type (1, 1u and 1.0 differ here)."""
    return type(actual) is type(expected) and actual == expected


# ------------------------------------------------------------------ greatest, least


def test_greatest_of_several_numbers_is_the_largest() -> None:
    assert same(run("math.greatest(3, -7, 10, 2)"), 10)


def test_greatest_of_one_number_is_that_number() -> None:
    assert same(run("math.greatest(5u)"), Uint(5))


def test_greatest_of_a_list_is_its_largest_element() -> None:
    assert same(run("math.greatest(x)", [1.5, 4.5, -2.0]), 4.5)


def test_greatest_compares_int_uint_and_double_by_value_and_keeps_the_winners_type() -> None:
    assert same(run("math.greatest(5.4, 10, 3u, -5.0)"), 10)


def test_greatest_of_equal_numbers_is_the_first_of_them() -> None:
    assert same(run("math.greatest(1u, 1.0, 1)"), Uint(1))


def test_least_of_several_numbers_is_the_smallest() -> None:
    assert same(run("math.least(3, -7, 10, 2)"), -7)


def test_least_of_a_list_from_the_data_compares_mixed_numbers() -> None:
    assert same(run("math.least(x)", [3, 2.5, Uint(1)]), Uint(1))


def test_least_orders_a_negative_int_below_any_uint() -> None:
    assert same(run("math.least(0u, -1)"), -1)


def test_greatest_of_an_empty_list_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="must not be empty"):
        run("math.greatest(x)", [])


def test_greatest_of_a_string_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload"):
        run("math.greatest(x)", "text")


def test_greatest_of_a_list_holding_a_string_is_an_error_that_hides_the_string() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload") as raised:
        run("math.greatest(x)", [1, "secret"])
    assert "secret" not in str(raised.value)


def test_greatest_of_a_list_and_a_number_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload"):
        run("math.greatest(x, 2)", [1])


def test_greatest_of_nan_and_a_number_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="NaN"):
        run("math.greatest(1, x)", math.nan)


def test_greatest_of_ints_is_statically_an_int() -> None:
    assert findings("math.greatest(1, 2, 3)") == []


def test_greatest_over_mixed_numbers_passes_the_checker() -> None:
    assert findings("math.greatest(1, 2.0, 3u)") == []


def test_greatest_with_a_string_argument_is_found_by_the_checker() -> None:
    assert findings("math.greatest(1, 'a')") == [
        "found no matching overload for 'math.greatest' applied to '(int, string)'"
    ]


def test_greatest_with_no_argument_is_found_by_the_checker() -> None:
    assert len(findings("math.greatest()")) == 1


# ------------------------------------------------------------------ rounding


def test_ceil_rounds_up_to_a_double() -> None:
    assert same(run("math.ceil(-1.2)"), -1.0)


def test_floor_rounds_down_to_a_double() -> None:
    assert same(run("math.floor(-1.2)"), -2.0)


def test_trunc_drops_the_fraction() -> None:
    assert same(run("math.trunc(-1.7)"), -1.0)


@pytest.mark.parametrize(
    ("value", "expected"), [(2.5, 3.0), (-2.5, -3.0), (1.4, 1.0), (-1.6, -2.0)]
)
def test_round_rounds_halves_away_from_zero(value: float, expected: float) -> None:
    assert same(run("math.round(x)", value), expected)


def test_round_keeps_the_sign_of_a_negative_result_of_zero() -> None:
    assert math.copysign(1.0, run("math.round(-0.4)")) == -1.0


@pytest.mark.parametrize("function", ["ceil", "floor", "round", "trunc"])
def test_rounding_leaves_infinity_as_it_is(function: str) -> None:
    assert run(f"math.{function}(x)", -math.inf) == -math.inf


def test_rounding_nan_gives_nan() -> None:
    assert math.isnan(run("math.floor(x)", math.nan))


def test_rounding_an_int_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"no matching overload for 'math\.ceil'"):
        run("math.ceil(x)", 1)


# ------------------------------------------------------------------ abs, sign


def test_abs_of_a_negative_int_is_positive() -> None:
    assert same(run("math.abs(-11)"), 11)


def test_abs_of_a_negative_double_is_positive() -> None:
    assert same(run("math.abs(-11.5)"), 11.5)


def test_abs_of_a_uint_is_that_uint() -> None:
    assert same(run("math.abs(7u)"), Uint(7))


def test_abs_of_the_least_int_overflows() -> None:
    with pytest.raises(CelEvaluationError, match="integer overflow"):
        run("math.abs(x)", INT64_MIN)


def test_sign_of_a_negative_int_is_minus_one() -> None:
    assert same(run("math.sign(-42)"), -1)


def test_sign_of_a_double_is_a_double() -> None:
    assert same(run("math.sign(0.25)"), 1.0)


def test_sign_of_negative_zero_is_zero() -> None:
    assert same(run("math.sign(-0.0)"), 0.0)


def test_sign_of_a_uint_is_zero_or_one() -> None:
    assert same(run("math.sign(100u)"), Uint(1))


def test_sign_of_nan_is_nan() -> None:
    assert math.isnan(run("math.sign(x)", math.nan))


def test_sign_of_a_bool_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"no matching overload for 'math\.sign'"):
        run("math.sign(x)", True)


# ------------------------------------------------------------------ floating-point tests


def test_is_nan_is_true_for_nan() -> None:
    assert run("math.isNaN(0.0 / 0.0)") is True


def test_is_inf_is_true_for_either_infinity() -> None:
    assert run("math.isInf(-1.0 / 0.0)") is True


def test_is_finite_is_false_for_nan() -> None:
    assert run("math.isFinite(0.0 / 0.0)") is False


def test_is_finite_is_true_for_an_ordinary_double() -> None:
    assert run("math.isFinite(1.5)") is True


def test_is_nan_of_an_int_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"no matching overload for 'math\.isNaN'"):
        run("math.isNaN(x)", 1)


# ------------------------------------------------------------------ bitwise


def test_bit_and_of_ints_keeps_the_common_bits() -> None:
    assert same(run("math.bitAnd(-3, -5)"), -7)


def test_bit_or_of_uints_is_a_uint() -> None:
    assert same(run("math.bitOr(1u, 4u)"), Uint(5))


def test_bit_xor_of_ints_keeps_the_differing_bits() -> None:
    assert same(run("math.bitXor(4, -2)"), -6)


def test_bitwise_functions_refuse_an_int_with_a_uint() -> None:
    with pytest.raises(CelEvaluationError, match=r"applied to '\(int, uint\)'"):
        run("math.bitAnd(1, 1u)")


def test_bit_not_of_an_int_is_its_ones_complement() -> None:
    assert same(run("math.bitNot(0)"), -1)


def test_bit_not_of_a_uint_stays_within_64_bits() -> None:
    assert same(run("math.bitNot(1u)"), Uint(2**64 - 2))


def test_shift_left_multiplies_by_powers_of_two() -> None:
    assert same(run("math.bitShiftLeft(-5, 2)"), -20)


def test_shift_left_of_an_int_wraps_into_the_sign_bit() -> None:
    assert same(run("math.bitShiftLeft(1, 63)"), INT64_MIN)


def test_shift_left_of_a_uint_drops_the_bits_past_64() -> None:
    assert same(run("math.bitShiftLeft(18446744073709551615u, 4)"), Uint(2**64 - 16))


def test_shift_right_of_a_negative_int_fills_with_zeros() -> None:
    assert same(run("math.bitShiftRight(-1024, 3)"), 2305843009213693824)


def test_shift_right_by_zero_leaves_a_negative_int_as_it_is() -> None:
    assert same(run("math.bitShiftRight(-1, 0)"), -1)


@pytest.mark.parametrize("source", ["math.bitShiftLeft(-1, 64)", "math.bitShiftRight(-1, 200)"])
def test_shifting_an_int_by_64_or_more_gives_zero(source: str) -> None:
    assert same(run(source), 0)


def test_shifting_a_uint_by_64_or_more_gives_uint_zero() -> None:
    assert same(run("math.bitShiftLeft(1u, 64)"), Uint(0))


def test_a_negative_shift_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="negative offset"):
        run("math.bitShiftRight(1u, x)", -1)


def test_a_shift_by_a_uint_count_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"applied to '\(uint, uint\)'"):
        run("math.bitShiftLeft(1u, 2u)")
