"""Optional values (cel-go's OptionalTypes library): `optional.of`, `hasValue`, `orValue` ...

The syntax half lives elsewhere: `a.?b`, `a[?b]`, `[?x]`, `{?k: v}` and the
`optMap`/`optFlatMap` macros are parsed and compiled (parser.py, codegen.py), and
selecting or indexing into an optional keeps the result optional
(`entity.?spec.owner` is `entity.?spec.?owner`; see operators.py). `or` and
`orValue` evaluate their argument only when the receiver is `optional.none()`
(codegen.py); the implementations here are their complete definitions.
`first()` and `last()`, which return optionals, are with the lists extension.
"""

from __future__ import annotations

from typing import Any

from scorecards.cel.errors import CelError, no_overload
from scorecards.cel.library import member, plain, register
from scorecards.cel.types import BOOL, DYN, A, Type, join, list_of, optional_of
from scorecards.cel.values import (
    NONE,
    Duration,
    Optional,
    Timestamp,
    Uint,
    type_name,
)

_OPTIONAL_A = optional_of(A)


def _wrapped(args: list[Type]) -> Type:
    """The type an optional argument wraps: int for optional(int), dyn when unknown."""
    first = args[0]
    return first.params[0] if first.name == "optional" and first.params else DYN


def _held_or_default(args: list[Type]) -> Type:
    """orValue's type: the held type when the default has it too, else dyn."""
    return join([_wrapped(args), args[1]])


def _optional_of_first(args: list[Type]) -> Type:
    return optional_of(args[0])


def _unwrapped_list(args: list[Type]) -> Type:
    elements = args[0].params[0] if args[0].name == "list" and args[0].params else DYN
    return list_of(_wrapped([elements]))


@register("optional.of", [plain(A, result=_optional_of_first)])
def optional_of_value(value: Any) -> Optional:
    """An optional holding `value`, whatever it is (null included)."""
    return Optional(value)


@register("optional.ofNonZeroValue", [plain(A, result=_optional_of_first)])
def optional_of_non_zero_value(value: Any) -> Optional:
    """An optional holding `value`, or optional.none() when it is its type's zero value."""
    return NONE if is_zero(value) else Optional(value)


@register("optional.none", [plain(result=optional_of(DYN))])
def optional_none() -> Optional:
    return NONE


def is_zero(value: Any) -> bool:
    """Whether `value` is the zero value of its type, as cel-go's IsZeroValue says.

    null, false, 0, 0u, 0.0, "", b"", [], {} and a zero duration are; so is the
    Unix epoch, protobuf's default Timestamp (as cel-cpp says; cel-go's code tests
    Go's zero time, year 1, though its documentation says epoch 0). Types and
    optionals have no zero value.
    """
    kind = type(value)
    if value is None or value is False:
        return True
    if kind is int or kind is Uint or kind is float:
        return bool(value == 0)
    if kind is str or kind is bytes or kind is list or kind is dict or kind is tuple:
        return len(value) == 0
    if kind is Duration:
        return bool(value.nanos == 0)
    if kind is Timestamp:
        return bool(value.nanos == 0)
    return False


@register("hasValue", [member(_OPTIONAL_A, result=BOOL)])
def has_value(optional: Any) -> bool:
    if type(optional) is not Optional:
        raise no_overload("hasValue", optional)
    return optional.present


@register("value", [member(_OPTIONAL_A, result=_wrapped)])
def value(optional: Any) -> Any:
    """The value an optional holds; an error for optional.none()."""
    if type(optional) is not Optional:
        raise no_overload("value", optional)
    if not optional.present:
        raise CelError("optional.none() dereference")
    return optional.value


@register("or", [member(_OPTIONAL_A, _OPTIONAL_A, result=join)])
def or_(optional: Any, alternative: Any) -> Optional:
    """`optional` when it holds a value, else `alternative` (another optional)."""
    if type(optional) is not Optional:
        raise no_overload("or", optional, alternative)
    if optional.present:
        return optional
    if type(alternative) is not Optional:
        raise no_overload("or", optional, alternative)
    return alternative


@register("orValue", [member(_OPTIONAL_A, A, result=_held_or_default)])
def or_value(optional: Any, default: Any) -> Any:
    """The value `optional` holds, else `default`."""
    if type(optional) is not Optional:
        raise no_overload("orValue", optional, default)
    return optional.value if optional.present else default


def _unwrap(values: Any, function: str) -> list[Any]:
    if type(values) is not list and type(values) is not tuple:
        raise no_overload(function, values)
    present = []
    for item in values:
        if type(item) is not Optional:
            raise CelError(
                f"{function}() needs a list of optionals, found a {type_name(item)} in it"
            )
        if item.present:
            present.append(item.value)
    return present


_UNWRAP_OVERLOAD = list_of(_OPTIONAL_A)


@register("optional.unwrap", [plain(_UNWRAP_OVERLOAD, result=_unwrapped_list)])
def optional_unwrap(values: Any) -> list[Any]:
    """The values of the optionals in a list that hold one, in order."""
    return _unwrap(values, "optional.unwrap")


@register("unwrapOpt", [member(_UNWRAP_OVERLOAD, result=_unwrapped_list)])
def unwrap_opt(values: Any) -> list[Any]:
    """`list.unwrapOpt()`: optional.unwrap(list)."""
    return _unwrap(values, "unwrapOpt")
