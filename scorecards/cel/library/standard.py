"""CEL's standard functions: size, string tests, matches (RE2), conversions, dyn, type."""

from __future__ import annotations

import functools
import math
import re
from typing import Any, cast

import re2  # type: ignore[import-untyped]

from scorecards.cel.errors import CelError, no_overload
from scorecards.cel.library import member, plain, register
from scorecards.cel.library.time import parse_duration, parse_timestamp
from scorecards.cel.types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    STRING,
    TIMESTAMP,
    TYPE,
    UINT,
    A,
    list_of,
    map_of,
)
from scorecards.cel.values import (
    INT64_MAX,
    NANOS,
    UINT64_MAX,
    CelType,
    Duration,
    Timestamp,
    Uint,
    check_int,
    format_double,
    format_duration,
    format_timestamp,
    type_of,
)

_SIZED = (STRING, BYTES, list_of(A), map_of(A, DYN))


@register(
    "size", [*(plain(t, result=INT) for t in _SIZED), *(member(t, result=INT) for t in _SIZED)]
)
def size(value: Any) -> int:
    kind = type(value)
    if kind is str or kind is bytes or kind is list or kind is dict or kind is tuple:
        return len(value)
    raise no_overload("size", value)


@register("contains", [member(STRING, STRING, result=BOOL)])
def contains(text: Any, part: Any) -> bool:
    if type(text) is str and type(part) is str:
        return part in text
    raise no_overload("contains", text, part)


@register("startsWith", [member(STRING, STRING, result=BOOL)])
def starts_with(text: Any, prefix: Any) -> bool:
    if type(text) is str and type(prefix) is str:
        return text.startswith(prefix)
    raise no_overload("startsWith", text, prefix)


@register("endsWith", [member(STRING, STRING, result=BOOL)])
def ends_with(text: Any, suffix: Any) -> bool:
    if type(text) is str and type(suffix) is str:
        return text.endswith(suffix)
    raise no_overload("endsWith", text, suffix)


# ------------------------------------------------------------------ matches (RE2)

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern is reported to the user, not logged by RE2
_OPTIONS.never_capture = True  # matches() only asks whether there is a match
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED
UNANCHORED = _UNANCHORED  # for code compiled with a matcher's body inline (codegen.py)


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """RE2's compiled program for `pattern`; CelError when RE2 rejects it.

    RE2 runs in time linear in the text, whatever the pattern: a rule's regular
    expression cannot hang a run, whatever the catalog holds.
    """
    try:
        return re2.compile(pattern, _OPTIONS)._regexp
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise CelError(f"invalid regular expression: {detail}") from None


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 rejects `pattern`, or None."""
    try:
        compile_pattern(pattern)
    except CelError as exc:
        return str(exc)
    return None


def matcher(pattern: str) -> Any:
    """`matches` with its pattern fixed (a literal in the rule): compiled once, called per entity."""
    run = compile_pattern(pattern).Match

    def match(text: Any) -> bool:
        if type(text) is not str:
            raise no_overload("matches", text, pattern)
        encoded = text.encode("utf-8", "surrogatepass")
        return bool(run(_UNANCHORED, encoded, 0, len(encoded))[0][0] >= 0)

    return match


@register("matches", [member(STRING, STRING, result=BOOL), plain(STRING, STRING, result=BOOL)])
def matches(text: Any, pattern: Any) -> bool:
    if type(text) is not str or type(pattern) is not str:
        raise no_overload("matches", text, pattern)
    encoded = text.encode("utf-8", "surrogatepass")
    spans = compile_pattern(pattern).Match(_UNANCHORED, encoded, 0, len(encoded))
    return bool(spans[0][0] >= 0)


# ------------------------------------------------------------------ conversions

_INT_TEXT = re.compile(r"[+-]?[0-9]+")
# Go's ParseFloat: decimal numbers, and inf, infinity and nan in any case.
_DOUBLE_TEXT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)", re.IGNORECASE
)


@register(
    "int",
    [plain(t, result=INT) for t in (INT, UINT, DOUBLE, STRING, TIMESTAMP)],
)
def to_int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return cast(int, value)
    if kind is Uint:
        if value > INT64_MAX:
            raise CelError("range error: uint value does not fit an int")
        return int(value)
    if kind is float:
        # Doubles that round to the int64 bounds are out of range, as in cel-go.
        if math.isnan(value) or not -9.223372036854775e18 <= value <= 9.223372036854775e18:
            raise CelError("range error: double value does not fit an int")
        return int(value)
    if kind is str:
        if not _INT_TEXT.fullmatch(value):
            raise CelError(f"cannot convert string to int: {value[:40]!r}")
        return check_int(int(value))
    if kind is Timestamp:
        return cast(int, value.nanos // NANOS)
    raise no_overload("int", value)


@register("uint", [plain(t, result=UINT) for t in (INT, UINT, DOUBLE, STRING)])
def to_uint(value: Any) -> Uint:
    kind = type(value)
    if kind is Uint:
        return cast(Uint, value)
    if kind is int:
        if value < 0:
            raise CelError("range error: negative int does not fit a uint")
        return Uint(value)
    if kind is float:
        if math.isnan(value) or not 0 <= value < 1.8446744073709552e19:
            raise CelError("range error: double value does not fit a uint")
        return Uint(int(value))
    if kind is str:
        if not _INT_TEXT.fullmatch(value) or value.startswith("-"):
            raise CelError(f"cannot convert string to uint: {value[:40]!r}")
        number = int(value)
        if number > UINT64_MAX:
            raise CelError("range error: value does not fit a uint")
        return Uint(number)
    raise no_overload("uint", value)


@register("double", [plain(t, result=DOUBLE) for t in (INT, UINT, DOUBLE, STRING)])
def to_double(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return cast(float, value)
    if kind is int or kind is Uint:
        return float(value)
    if kind is str:
        if not _DOUBLE_TEXT.fullmatch(value):
            raise CelError(f"cannot convert string to double: {value[:40]!r}")
        return float(value)
    raise no_overload("double", value)


@register(
    "string",
    [
        plain(t, result=STRING)
        for t in (INT, UINT, DOUBLE, STRING, BYTES, BOOL, TIMESTAMP, DURATION)
    ],
)
def to_string(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return cast(str, value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is Uint:
        return str(int(value))
    if kind is float:
        return format_double(value)
    if kind is bytes:
        try:
            return cast(str, value.decode("utf-8"))
        except UnicodeDecodeError:
            raise CelError("invalid UTF-8 in bytes converted to string") from None
    if kind is Timestamp:
        return format_timestamp(value)
    if kind is Duration:
        return format_duration(value)
    raise no_overload("string", value)


@register("bytes", [plain(STRING, result=BYTES), plain(BYTES, result=BYTES)])
def to_bytes(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if type(value) is str:
        return value.encode("utf-8", "surrogatepass")
    raise no_overload("bytes", value)


_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


@register("bool", [plain(BOOL, result=BOOL), plain(STRING, result=BOOL)])
def to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if type(value) is str:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise CelError(f"cannot convert string to bool: {value[:40]!r}")
    raise no_overload("bool", value)


@register(
    "timestamp",
    [
        plain(STRING, result=TIMESTAMP),
        plain(TIMESTAMP, result=TIMESTAMP),
        plain(INT, result=TIMESTAMP),
    ],
)
def to_timestamp(value: Any) -> Timestamp:
    kind = type(value)
    if kind is Timestamp:
        return cast(Timestamp, value)
    if kind is str:
        return parse_timestamp(value)
    if kind is int:
        return Timestamp(value * NANOS)
    raise no_overload("timestamp", value)


@register("duration", [plain(STRING, result=DURATION), plain(DURATION, result=DURATION)])
def to_duration(value: Any) -> Duration:
    if type(value) is Duration:
        return value
    if type(value) is str:
        return parse_duration(value)
    raise no_overload("duration", value)


@register("dyn", [plain(A, result=DYN)])
def dyn(value: Any) -> Any:
    return value


@register("type", [plain(A, result=TYPE)])
def type_function(value: Any) -> CelType:
    return type_of(value)
