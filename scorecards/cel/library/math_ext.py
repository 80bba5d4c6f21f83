"""CEL's math extension, as cel-go defines it (ext/math.go): `math.greatest`,
`math.least`, rounding, `math.abs` and `math.sign`, the floating-point tests and
the bitwise functions.

`math.greatest` and `math.least` take one number, one list of numbers, or two or
more numbers; int, uint and double compare by value and the winner keeps its
type. Bitwise functions work on int64 and uint64 as Go does: shifts are logical
(no sign extension), a shift of 64 or more gives 0, and a negative shift is an
error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import product
from typing import Any, Final

from scorecards.cel.errors import CelError, no_overload
from scorecards.cel.library import Overload, plain, register
from scorecards.cel.types import BOOL, DOUBLE, DYN, INT, NUMERIC, UINT, Type, list_of
from scorecards.cel.values import INT64_MIN, NUMBERS, UINT64_MAX, Uint

_BITS: Final = 64
_SIGN_BIT: Final = 1 << 63
_WORD: Final = 1 << 64


# ------------------------------------------------------------------ greatest, least


def _common_number(args: list[Type]) -> Type:
    """int, uint or double when every argument has that type; dyn otherwise (as cel-go)."""
    first = args[0]
    return first if first in NUMERIC and all(a == first for a in args) else DYN


def _extreme_overloads() -> list[Overload]:
    numbers = (INT, UINT, DOUBLE)
    return [
        *(plain(n, result=n) for n in numbers),
        *(plain(list_of(n), result=n) for n in numbers),
        *(plain(a, b, result=a if a == b else DYN) for a, b in product(numbers, repeat=2)),
        # Three or more: any mix of numbers; only the result type can say more.
        plain(DYN, DYN, DYN, variadic=True, result=_common_number),
    ]


def _less(a: Any, b: Any) -> bool:
    # With a double, both compare as doubles (cel-go's rule, and the `<` operator's here).
    if type(a) is float or type(b) is float:
        a, b = float(a), float(b)
        if a != a or b != b:
            raise CelError("NaN values cannot be ordered")
    return bool(a < b)


def _pick(name: str, args: tuple[Any, ...], wins: Callable[[Any, Any], bool]) -> Any:
    """The number `wins` prefers, from one number, one list, or several numbers.

    Ties keep the earlier value, as cel-go does, so its type is the one returned.
    """
    values: Sequence[Any] = args
    if len(args) == 1:
        only = args[0]
        if type(only) in NUMBERS:
            return only
        if type(only) is not list and type(only) is not tuple:
            raise no_overload(name, only)
        if not only:
            raise CelError(f"{name}(list) argument must not be empty")
        values = only
    best = values[0]
    if type(best) not in NUMBERS:
        raise no_overload(name, *args)
    for value in values[1:]:
        if type(value) not in NUMBERS:
            raise no_overload(name, *args)
        if wins(value, best):
            best = value
    return best


@register("math.greatest", _extreme_overloads())
def greatest(*args: Any) -> Any:
    return _pick("math.greatest", args, lambda value, best: _less(best, value))


@register("math.least", _extreme_overloads())
def least(*args: Any) -> Any:
    return _pick("math.least", args, _less)


# ------------------------------------------------------------------ rounding


def _rounding(name: str, whole: Callable[[float], int]) -> None:
    @register(name, [plain(DOUBLE, result=DOUBLE)])
    def rounded(value: Any) -> float:
        if type(value) is not float:
            raise no_overload(name, value)
        if not math.isfinite(value):
            return value
        # Python's ceil/floor/trunc give ints: back to a double, keeping the sign of -0.0.
        return math.copysign(float(whole(value)), value)


def _round_half_away(value: float) -> int:
    # Go's math.Round; Python's round() would round half to even.
    whole = math.trunc(value)
    if abs(value - whole) >= 0.5:
        whole += 1 if value > 0 else -1
    return whole


_rounding("math.ceil", math.ceil)
_rounding("math.floor", math.floor)
_rounding("math.trunc", math.trunc)
_rounding("math.round", _round_half_away)


# ------------------------------------------------------------------ abs, sign


@register(
    "math.abs",
    [plain(DOUBLE, result=DOUBLE), plain(INT, result=INT), plain(UINT, result=UINT)],
)
def absolute(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        if value == INT64_MIN:
            raise CelError("integer overflow")
        return -value if value < 0 else value
    if kind is float:
        return math.fabs(value)
    if kind is Uint:
        return value
    raise no_overload("math.abs", value)


@register(
    "math.sign",
    [plain(DOUBLE, result=DOUBLE), plain(INT, result=INT), plain(UINT, result=UINT)],
)
def sign(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        return (value > 0) - (value < 0)
    if kind is float:
        if value != value:
            return value
        return 1.0 if value > 0 else (-1.0 if value < 0 else 0.0)
    if kind is Uint:
        return Uint(1 if value else 0)
    raise no_overload("math.sign", value)


# ------------------------------------------------------------------ floating-point tests


def _double_test(name: str, test: Callable[[float], bool]) -> None:
    @register(name, [plain(DOUBLE, result=BOOL)])
    def tested(value: Any) -> bool:
        if type(value) is not float:
            raise no_overload(name, value)
        return test(value)


_double_test("math.isNaN", math.isnan)
_double_test("math.isInf", math.isinf)
_double_test("math.isFinite", math.isfinite)


# ------------------------------------------------------------------ bitwise


def _signed(word: int) -> int:
    """A 64-bit pattern read as an int64."""
    return word - _WORD if word & _SIGN_BIT else word


def _bitwise(name: str, operation: Callable[[int, int], int]) -> None:
    @register(name, [plain(INT, INT, result=INT), plain(UINT, UINT, result=UINT)])
    def combined(left: Any, right: Any) -> Any:
        kind = type(left)
        if kind is type(right):
            if kind is int:
                return operation(left, right)
            if kind is Uint:
                return Uint(operation(left, right))
        raise no_overload(name, left, right)


_bitwise("math.bitAnd", int.__and__)
_bitwise("math.bitOr", int.__or__)
_bitwise("math.bitXor", int.__xor__)


@register("math.bitNot", [plain(INT, result=INT), plain(UINT, result=UINT)])
def bit_not(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        return ~value
    if kind is Uint:
        return Uint(UINT64_MAX ^ value)
    raise no_overload("math.bitNot", value)


def _shift(name: str, shifted: Callable[[int, int], int]) -> None:
    """Register a shift; `shifted` gets the value as an unsigned 64-bit word."""

    @register(name, [plain(INT, INT, result=INT), plain(UINT, INT, result=UINT)])
    def shift(value: Any, bits: Any) -> Any:
        kind = type(value)
        if (kind is not int and kind is not Uint) or type(bits) is not int:
            raise no_overload(name, value, bits)
        if bits < 0:
            raise CelError(f"{name}() negative offset")
        word = 0 if bits >= _BITS else shifted(value & UINT64_MAX, bits) & UINT64_MAX
        return Uint(word) if kind is Uint else _signed(word)


_shift("math.bitShiftLeft", int.__lshift__)
_shift("math.bitShiftRight", int.__rshift__)
