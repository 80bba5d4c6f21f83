"""CEL's operators on values.py's values: arithmetic, relations, `in`, indexing, fields.

Compiled expressions inline the common well-typed cases (two strings, two ints,
a key of a dict ...) and call these for everything else, so each function here
is the complete definition of its operator, errors included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cmp_to_key
from typing import Any, NoReturn

from scorecards.cel.errors import CelError, check_size, no_overload, no_such_key
from scorecards.cel.values import (
    INT64_MAX,
    INT64_MIN,
    NONE,
    NUMBERS,
    ORDERED,
    Duration,
    Optional,
    Timestamp,
    Uint,
    check_int,
    check_uint,
    compare,
    equals,
    lookup,
    type_name,
)


def fail(message: str) -> NoReturn:
    raise CelError(message)


# ------------------------------------------------------------------ arithmetic


def add(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b):
        if kind is int:
            return check_int(a + b)
        if kind is float:
            return a + b
        if kind is str or kind is bytes or kind is list:
            check_size(len(a) + len(b))
            return a + b
        if kind is Uint:
            return check_uint(a + b)
        if kind is Duration:
            return Duration(a.nanos + b.nanos)
    elif (kind is Timestamp and type(b) is Duration) or (kind is Duration and type(b) is Timestamp):
        return Timestamp(a.nanos + b.nanos)
    elif kind in (list, tuple) and type(b) in (list, tuple):
        check_size(len(a) + len(b))
        return [*a, *b]
    raise no_overload("_+_", a, b)


def subtract(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b):
        if kind is int:
            return check_int(a - b)
        if kind is float:
            return a - b
        if kind is Uint:
            return check_uint(a - b)
        if kind is Duration:
            return Duration(a.nanos - b.nanos)
        if kind is Timestamp:
            return Duration(a.nanos - b.nanos)
    elif kind is Timestamp and type(b) is Duration:
        if b.nanos == INT64_MIN:  # cel-go and cel-cpp negate the duration, which overflows
            raise CelError("integer overflow")
        return Timestamp(a.nanos - b.nanos)
    raise no_overload("_-_", a, b)


def multiply(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b):
        if kind is int:
            return check_int(a * b)
        if kind is float:
            return a * b
        if kind is Uint:
            return check_uint(a * b)
    raise no_overload("_*_", a, b)


def divide(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b):
        if kind is float:
            if b == 0.0:
                # IEEE 754, as CEL: x/0 is ±inf, 0/0 and NaN/0 are NaN.
                if a == 0.0 or math.isnan(a):
                    return math.nan
                return math.copysign(math.inf, a) * math.copysign(1.0, b)
            return a / b
        if kind is int:
            if b == 0:
                raise CelError("division by zero")
            if a == INT64_MIN and b == -1:
                raise CelError("integer overflow")
            quotient = abs(a) // abs(b)
            return quotient if (a < 0) == (b < 0) else -quotient
        if kind is Uint:
            if b == 0:
                raise CelError("division by zero")
            return Uint(a // b)
    raise no_overload("_/_", a, b)


def modulo(a: Any, b: Any) -> Any:
    kind = type(a)
    if kind is type(b):
        if kind is int:
            if b == 0:
                raise CelError("modulus by zero")
            if a == INT64_MIN and b == -1:
                raise CelError("integer overflow")
            remainder = abs(a) % abs(b)
            return remainder if a >= 0 else -remainder
        if kind is Uint:
            if b == 0:
                raise CelError("modulus by zero")
            return Uint(a % b)
    raise no_overload("_%_", a, b)


def negate(a: Any) -> Any:
    kind = type(a)
    if kind is int:
        return check_int(-a)
    if kind is float:
        return -a
    raise no_overload("-_", a)


def logical_not(a: Any) -> bool:
    if a is True:
        return False
    if a is False:
        return True
    raise no_overload("!_", a)


# ------------------------------------------------------------------ relations


def eq(a: Any, b: Any) -> bool:
    return equals(a, b)


def ne(a: Any, b: Any) -> bool:
    return not equals(a, b)


def lt(a: Any, b: Any) -> bool:
    return compare(a, b, "_<_") == -1


def le(a: Any, b: Any) -> bool:
    return compare(a, b, "_<=_") in (-1, 0)


def gt(a: Any, b: Any) -> bool:
    return compare(a, b, "_>_") == 1


def ge(a: Any, b: Any) -> bool:
    return compare(a, b, "_>=_") in (0, 1)


def contained(item: Any, container: Any) -> bool:
    """`item in container`: an element of a list, or a key of a map."""
    kind = type(container)
    if kind is list or kind is tuple:
        item_kind = type(item)
        if item_kind is str:  # a str equals only a str, in Python as in CEL
            return item in container
        return any(equals(item, element) for element in container)
    if kind is dict or isinstance(container, Mapping):
        return lookup(container, item)[0]
    raise no_overload("@in", item, container)


# ------------------------------------------------------------------ &&, ||, ?:


def and_rest(values: list[Any]) -> Any:
    """`&&` over operands none of which was false: true, or the first error."""
    return _combine(values, "_&&_")


def or_rest(values: list[Any]) -> Any:
    """`||` over operands none of which was true: false, or the first error."""
    return _combine(values, "_||_")


def _combine(values: list[Any], function: str) -> Any:
    expected = function == "_&&_"
    for value in values:
        if isinstance(value, BaseException):
            raise value
        if value is not expected:
            raise no_overload(function, value)
    return expected


def bad_condition(value: Any) -> NoReturn:
    if isinstance(value, BaseException):
        raise value
    raise no_overload("_?_:_", value)


# ------------------------------------------------------------------ members


def index(container: Any, key: Any) -> Any:
    """`container[key]`: a list element or a map value."""
    kind = type(container)
    if kind is dict or (kind is not list and isinstance(container, Mapping)):
        found, value = lookup(container, key)
        if found:
            return value
        if type(key) not in (str, int, Uint, bool, float):
            raise no_overload("_[_]", container, key)
        raise no_such_key(key)
    if kind is list or kind is tuple:
        position = _list_position(key, container)
        if not 0 <= position < len(container):
            raise CelError(f"index out of range: {position}")
        return container[position]
    if kind is Optional:  # optional chaining: `opt[k]` is `opt[?k]`
        return optional_index(container, key)
    raise no_overload("_[_]", container, key)


def _list_position(key: Any, container: Any) -> int:
    kind = type(key)
    if kind is int:
        return int(key)
    if kind is Uint or (kind is float and key.is_integer()):
        if not INT64_MIN <= key <= INT64_MAX:
            raise CelError("unsupported index value: it does not fit an int")
        return int(key)
    if kind is float:
        raise CelError(f"invalid list index: {key} is not a whole number")
    raise no_overload("_[_]", container, key)


def select(operand: Any, field: str) -> Any:
    """`operand.field`: the value of a map's key."""
    if type(operand) is dict or isinstance(operand, Mapping):
        if field in operand:
            return operand[field]
        raise no_such_key(field)
    if type(operand) is Optional:  # optional chaining: `opt.f` is `opt.?f`
        return optional_select(operand, field)
    raise CelError(f"type '{type_name(operand)}' does not support field selection")


def has_field(operand: Any, field: str) -> bool:
    """`has(operand.field)`."""
    if type(operand) is dict or isinstance(operand, Mapping):
        return field in operand
    if type(operand) is Optional:  # has(opt.f): false for optional.none()
        return operand.present and has_field(operand.value, field)
    raise CelError(f"has() needs a map, got {type_name(operand)}")


def optional_select(operand: Any, field: str) -> Optional:
    """`operand.?field`: optional.of(the value), or optional.none() when absent."""
    if type(operand) is Optional:
        if not operand.present:
            return NONE
        operand = operand.value
    if type(operand) is dict or isinstance(operand, Mapping):
        return Optional(operand[field]) if field in operand else NONE
    raise CelError(f"type '{type_name(operand)}' does not support field selection")


class _Absent:
    """What an optional chain (`a.?b.?c`) holds when a link is missing, before it is an Optional."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def maybe_select(operand: Any, field: str) -> Any:
    """`operand.?field` within a chain: the value, or ABSENT."""
    if operand is ABSENT:
        return ABSENT
    result = optional_select(operand, field)
    return result.value if result.present else ABSENT


def maybe_index(container: Any, key: Any) -> Any:
    """`container[?key]` within a chain: the value, or ABSENT."""
    if container is ABSENT:
        return ABSENT
    result = optional_index(container, key)
    return result.value if result.present else ABSENT


def to_optional(value: Any) -> Optional:
    """The Optional an optional chain stands for."""
    return NONE if value is ABSENT else Optional(value)


def none_dereference() -> Any:
    raise CelError("optional.none() dereference")


def optional_index(container: Any, key: Any) -> Optional:
    """`container[?key]`: optional.of(the element), or optional.none() when absent."""
    if type(container) is Optional:
        if not container.present:
            return NONE
        container = container.value
    kind = type(container)
    if kind is list or kind is tuple:
        position = _list_position(key, container)
        return Optional(container[position]) if 0 <= position < len(container) else NONE
    if kind is dict or isinstance(container, Mapping):
        found, value = lookup(container, key)
        return Optional(value) if found else NONE
    raise no_overload("_[?_]", container, key)


# ------------------------------------------------------------------ literals

_KEY_TYPES = frozenset({str, int, Uint, bool})


def make_map(entries: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """A map literal: keys must be strings, ints, uints or bools, and distinct."""
    result: dict[Any, Any] = {}
    for key, value in entries:
        if type(key) not in _KEY_TYPES:
            raise CelError(f"unsupported key type: {type_name(key)}")
        if lookup(result, key)[0]:
            raise CelError("Failed with repeated key")
        result[key] = value
    return result


def optional_entry(value: Any) -> Optional:
    """The value of a `?` list element or map entry, which must be an optional."""
    if type(value) is not Optional:
        raise CelError(f"a '?' entry needs an optional value, got {type_name(value)}")
    return value


def iterable(value: Any, macro: str) -> list[Any]:
    """What a comprehension ranges over: a list's elements or a map's keys."""
    kind = type(value)
    if kind is list:
        elements: list[Any] = value
        return elements
    if kind is dict or isinstance(value, Mapping):
        return list(value)
    if kind is tuple:
        return list(value)
    raise CelError(f"{macro}() needs a list or map, got {type_name(value)}")


def is_number(value: Any) -> bool:
    return type(value) in NUMBERS


def pairs(container: Any, items: list[Any]) -> Any:
    """(index, element) of a list, or (key, value) of a map, for two-variable macros."""
    if type(container) is list or type(container) is tuple:
        return enumerate(items)
    return ((key, container[key]) for key in items)


def merge_entries(entries: list[Any]) -> dict[Any, Any]:
    """transformMapEntry: the single-entry maps the body made, as one map."""
    merged: list[tuple[Any, Any]] = []
    for entry in entries:
        if type(entry) is not dict:
            raise no_overload("transformMapEntry", entry)
        merged.extend(entry.items())
    return make_map(merged)


def sort_by(items: list[Any], keys: list[Any], function: str = "sortBy") -> list[Any]:
    """`items` in the order of their `keys` (a stable sort), as sortBy() and sort() order.

    The keys must be comparable (numbers, strings, bytes, bools, timestamps or
    durations) and of one type, as cel-go requires; except that ints, uints and
    doubles may mix, ordered by value, since JSON data gives 3 and 3.5 different types.
    """
    if not keys:
        return list(items)
    kind = type(keys[0])
    if kind not in ORDERED:
        raise CelError(f"{function}: list elements must be comparable, not {type_name(keys[0])}")
    numbers = kind in NUMBERS
    uniform = True
    for key in keys:
        other = type(key)
        if other is not kind:
            uniform = False
            if not (numbers and other in NUMBERS):
                raise CelError(f"{function}: list elements must have the same type")
        if other is float and key != key:
            raise CelError(f"{function}: NaN values cannot be ordered")
    order = list(range(len(items)))
    if uniform:  # Python orders values of one of these types as CEL does
        order.sort(key=keys.__getitem__)
    else:

        def by_key(i: int, j: int) -> int:
            return compare(keys[i], keys[j], function)

        order.sort(key=cmp_to_key(by_key))
    return [items[i] for i in order]


__all__ = [
    "ABSENT",
    "add",
    "and_rest",
    "bad_condition",
    "contained",
    "divide",
    "eq",
    "ge",
    "gt",
    "has_field",
    "index",
    "iterable",
    "le",
    "logical_not",
    "lt",
    "make_map",
    "maybe_index",
    "maybe_select",
    "merge_entries",
    "modulo",
    "multiply",
    "ne",
    "negate",
    "none_dereference",
    "optional_index",
    "optional_select",
    "or_rest",
    "pairs",
    "select",
    "sort_by",
    "subtract",
    "to_optional",
]
