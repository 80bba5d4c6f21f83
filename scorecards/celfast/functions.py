"""CEL functions at run time: fast cases on plain values, cel-python's own otherwise."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from celpy import celtypes
from celpy import evaluation as celeval

from scorecards.celfast.regex import matcher
from scorecards.celfast.runtime import STRINGS, CelError, EscapeError, cel_result, type_name
from scorecards.celfast.values import BareFloat, BareInt, BareList, BareStr, to_cel


def call(function: Callable[..., Any], *args: Any) -> Any:
    """A cel-python function on converted arguments, errors mapped like `function_eval`."""
    try:
        result = function(*[to_cel(a) for a in args])
    except ValueError as exc:
        raise CelError("return error for overflow") from exc
    except (TypeError, AttributeError) as exc:
        name = getattr(function, "__name__", "function")
        raise CelError(f"no such overload: {name}({', '.join(map(type_name, args))})") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return cel_result(result)


def size(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return len(value)
    return call(celeval.function_size, value)


def starts_with(text: Any, prefix: Any) -> Any:
    if type(text) in STRINGS and type(prefix) in STRINGS:
        return text.startswith(prefix)
    return call(celeval.function_startsWith, text, prefix)


def ends_with(text: Any, suffix: Any) -> Any:
    if type(text) in STRINGS and type(suffix) in STRINGS:
        return text.endswith(suffix)
    return call(celeval.function_endsWith, text, suffix)


def contains(container: Any, item: Any) -> Any:
    if type(container) is str and type(item) in STRINGS:
        return item in container
    return call(celeval.function_contains, container, item)


def matches(text: Any, pattern: Any) -> Any:
    if type(text) in STRINGS and type(pattern) in STRINGS:
        search = matcher(str(pattern))
        if search is None:
            raise CelError(f"match error: invalid regular expression {str(pattern)!r}")
        return search(text) is not None
    return call(celeval.function_matches, text, pattern)


# RFC 3339 as facts carry it; datetime parses these like pendulum (cel-python's
# parser) does, 5x faster. Anything else, and any failure, goes to cel-python.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


def to_timestamp(value: Any) -> Any:
    if type(value) is str and _RFC3339.fullmatch(value):
        try:
            return celtypes.TimestampType(datetime.fromisoformat(value))
        except ValueError:
            pass
    return call(celtypes.TimestampType, value)


def to_double(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    return call(celtypes.DoubleType, value)


_TYPES: dict[type, type] = {
    str: celtypes.StringType,
    int: celtypes.IntType,
    float: celtypes.DoubleType,
    bool: celtypes.BoolType,
    dict: celtypes.MapType,
    list: celtypes.ListType,
    type(None): type(None),
    BareStr: str,
    BareInt: int,
    BareFloat: float,
    BareList: list,
}


def type_of(value: Any) -> Any:
    """`type(x)`: the cel-python class of the value the interpreter would hold."""
    found = _TYPES.get(type(value))
    if found is not None:
        return found
    return call(celtypes.TypeType, value)
