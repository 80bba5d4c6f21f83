"""The value domain of the fast path, and its bridge to cel-python's values.

The fast path works on plain JSON-shaped Python data, so an entity needs no
conversion: a plain `str`, `int`, `float`, `bool`, `None`, `list` or `dict`
stands for the CEL value cel-python's `json_to_cel` would make of it
(`StringType`, `IntType`, ...). Other CEL values (timestamps, durations, uints,
bytes) are cel-python's own objects.

cel-python's interpreter also produces *bare* Python values in a few places,
and they behave differently from the CEL types: `"a" + "b"` is a bare `str`
(which has no `.contains()`), `1.5 + 1.5` a bare `float` (which equals `3`),
`true + true` a bare `int`, `[1] + [2]` a bare `list`. The `Bare*` marker
classes keep that distinction, so the fast path agrees with the interpreter
even where the interpreter's behaviour is a quirk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from celpy import celtypes


class BareStr(str):
    """A bare Python `str` produced by cel-python (e.g. by `+` or indexing)."""

    __slots__ = ()


class BareFloat(float):
    """A bare Python `float` produced by cel-python's double arithmetic."""

    __slots__ = ()


class BareInt(int):
    """A bare Python `int` produced by cel-python (e.g. by `true + true`)."""

    __slots__ = ()


class BareList(list[Any]):
    """A bare Python `list` produced by cel-python's list concatenation."""

    __slots__ = ()


# CEL types cel-python represents with its own classes in both domains.
_NATIVE_CEL = (
    celtypes.UintType,
    celtypes.BytesType,
    celtypes.TimestampType,
    celtypes.DurationType,
    celtypes.TypeType,
)
_CEL = (
    celtypes.BoolType,
    celtypes.IntType,
    celtypes.DoubleType,
    celtypes.StringType,
    celtypes.ListType,
    celtypes.MapType,
    *_NATIVE_CEL,
)


def to_cel(value: Any) -> Any:
    """The cel-python value a fast-path value stands for."""
    kind = type(value)
    if kind is str:
        return celtypes.StringType(value)
    if kind is bool:
        return celtypes.BoolType(value)
    if kind is int:
        return celtypes.IntType(value)
    if kind is float:
        return celtypes.DoubleType(value)
    if value is None:
        return None
    if kind is dict:
        return celtypes.MapType({to_cel(k): to_cel(v) for k, v in value.items()})
    if kind is list:
        return celtypes.ListType([to_cel(v) for v in value])
    if kind is BareStr:
        return str(value)
    if kind is BareFloat:
        return float(value)
    if kind is BareInt:
        return int(value)
    if kind is BareList:
        return [to_cel(v) for v in value]
    return _to_cel_other(value)


def _to_cel_other(value: Any) -> Any:
    if isinstance(value, (*_CEL, type)):
        return value
    if isinstance(value, datetime):
        return celtypes.TimestampType(value)
    if isinstance(value, timedelta):
        return celtypes.DurationType(value)
    if isinstance(value, Mapping):
        return celtypes.MapType({to_cel(k): to_cel(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return celtypes.ListType([to_cel(v) for v in value])
    # The same refusal json_to_cel gives: CEL has no such value.
    raise ValueError(f"unexpected type {type(value).__name__} in CEL data: {value!r}")


def from_cel(value: Any) -> Any:
    """The fast-path value for a value cel-python produced."""
    kind = type(value)
    if kind is celtypes.BoolType or kind is bool:
        return bool(value)
    if kind is celtypes.StringType:
        return str(value)
    if kind is celtypes.IntType:
        return int(value)
    if kind is celtypes.DoubleType:
        return float(value)
    if value is None:
        return None
    if kind is celtypes.ListType:
        return [from_cel(v) for v in value]
    if kind is celtypes.MapType:
        return {from_cel(k): from_cel(v) for k, v in value.items()}
    if kind is str:
        return BareStr(value)
    if kind is float:
        return BareFloat(value)
    if kind is int:
        return BareInt(value)
    if kind is list:
        return BareList(from_cel(v) for v in value)
    if kind is dict:
        return {from_cel(k): from_cel(v) for k, v in value.items()}
    return value


def from_input(value: Any) -> Any:
    """A caller's variable (plain JSON data or cel-python values) as a fast-path value."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        return {from_input(k): from_input(v) for k, v in value.items()}
    if kind is list:
        return [from_input(v) for v in value]
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.IntType):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, _NATIVE_CEL):
        return value
    if isinstance(value, datetime):
        return celtypes.TimestampType(value)
    if isinstance(value, timedelta):
        return celtypes.DurationType(value)
    if isinstance(value, Mapping):
        return {from_input(k): from_input(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_input(v) for v in value]
    return value


def is_plain_tree(value: Any) -> bool:
    """True when `value` is already in the fast path's domain (exact JSON types)."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(k) is str and is_plain_tree(v) for k, v in value.items())
    if kind is list:
        return all(is_plain_tree(v) for v in value)
    return isinstance(value, _NATIVE_CEL)
