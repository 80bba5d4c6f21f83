"""The strings extension, as cel-go's ext/strings.go defines it (latest version).

charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, join,
substring, trim, reverse, format and strings.quote. Indexes count Unicode code
points, as cel-go's runes do; Python's str indexes the same way, so no function
here converts a string to count it.

`format` follows cel-spec's doc/extensions/strings.md: `%[.precision]conversion`
with s, d, f, e, b, o, x, X and `%%`. A format string is parsed once and cached,
since rules pass literal format strings.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from scorecards.cel.errors import CelError, check_size, no_overload
from scorecards.cel.library import member, plain, register
from scorecards.cel.types import DYN, INT, STRING, list_of
from scorecards.cel.values import (
    NANOS,
    CelType,
    Duration,
    Timestamp,
    Uint,
    format_timestamp,
    type_name,
)

# The default of an optional argument: CEL's null is a value a call may pass.
_ABSENT: Final[Any] = object()

# ------------------------------------------------------------------ characters


@register("charAt", [member(STRING, INT, result=STRING)])
def char_at(text: Any, index: Any) -> str:
    if type(text) is not str or type(index) is not int:
        raise no_overload("charAt", text, index)
    if 0 <= index < len(text):
        return text[index]
    if index == len(text):
        return ""
    raise CelError(f"index out of range: {index}")


@register(
    "indexOf",
    [member(STRING, STRING, result=INT), member(STRING, STRING, INT, result=INT)],
)
def index_of(text: Any, part: Any, start: Any = _ABSENT) -> int:
    if (
        type(text) is not str
        or type(part) is not str
        or not (start is _ABSENT or type(start) is int)
    ):
        raise no_overload("indexOf", *_passed(text, part, start))
    if start is _ABSENT:
        return text.find(part)
    # The conformance data (and cel-cpp) make an offset outside the string an error.
    if not 0 <= start <= len(text):
        raise CelError(f"index out of range: {start}")
    return text.find(part, start)


@register(
    "lastIndexOf",
    [member(STRING, STRING, result=INT), member(STRING, STRING, INT, result=INT)],
)
def last_index_of(text: Any, part: Any, last: Any = _ABSENT) -> int:
    if type(text) is not str or type(part) is not str or not (last is _ABSENT or type(last) is int):
        raise no_overload("lastIndexOf", *_passed(text, part, last))
    if last is _ABSENT:
        return text.rfind(part)
    if not 0 <= last <= len(text):
        raise CelError(f"index out of range: {last}")
    if not part:
        return last
    # A match may start at `last` at the latest, so it ends by last + len(part).
    return text.rfind(part, 0, last + len(part))


@register(
    "substring", [member(STRING, INT, result=STRING), member(STRING, INT, INT, result=STRING)]
)
def substring(text: Any, start: Any, end: Any = _ABSENT) -> str:
    if type(text) is not str or type(start) is not int or not (end is _ABSENT or type(end) is int):
        raise no_overload("substring", *_passed(text, start, end))
    size = len(text)
    if end is _ABSENT:
        end = size
    elif start > end:
        raise CelError(f"invalid substring range. start: {start}, end: {end}")
    for index in (start, end):
        if not 0 <= index <= size:
            raise CelError(f"index out of range: {index}")
    return text[start:end]


def _passed(*args: Any) -> list[Any]:
    """The arguments a call passed (for messages), without the optional one it left out."""
    return [a for a in args if a is not _ABSENT]


# ------------------------------------------------------------------ transformations

_LOWER: Final = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
# Unicode's White_Space, which Go's strings.TrimSpace strips; str.strip() would also
# strip the separators U+001C..U+001F, and no zero-width space is in it.
_WHITESPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


@register("lowerAscii", [member(STRING, result=STRING)])
def lower_ascii(text: Any) -> str:
    if type(text) is not str:
        raise no_overload("lowerAscii", text)
    return text.lower() if text.isascii() else text.translate(_LOWER)


@register("upperAscii", [member(STRING, result=STRING)])
def upper_ascii(text: Any) -> str:
    if type(text) is not str:
        raise no_overload("upperAscii", text)
    return text.upper() if text.isascii() else text.translate(_UPPER)


@register("trim", [member(STRING, result=STRING)])
def trim(text: Any) -> str:
    if type(text) is not str:
        raise no_overload("trim", text)
    return text.strip(_WHITESPACE)


# lists.py registers `reverse` for lists; the registry sends each receiver to its own.
@register("reverse", [member(STRING, result=STRING)])
def reverse(text: Any) -> str:
    if type(text) is not str:
        raise no_overload("reverse", text)
    return text[::-1]


@register(
    "replace",
    [
        member(STRING, STRING, STRING, result=STRING),
        member(STRING, STRING, STRING, INT, result=STRING),
    ],
)
def replace(text: Any, old: Any, new: Any, limit: Any = _ABSENT) -> str:
    if not (type(text) is str and type(old) is str and type(new) is str) or not (
        limit is _ABSENT or type(limit) is int
    ):
        raise no_overload("replace", *_passed(text, old, new, limit))
    if len(new) > len(old):  # the result may grow: count it before building it
        count = text.count(old) if old else len(text) + 1
        if limit is not _ABSENT and limit >= 0:
            count = min(count, limit)
        check_size(len(text) + count * (len(new) - len(old)))
    if limit is _ABSENT:
        return text.replace(old, new)
    # A negative limit replaces all, in Python as in Go.
    return text.replace(old, new, max(limit, -1))


@register(
    "split",
    [
        member(STRING, STRING, result=list_of(STRING)),
        member(STRING, STRING, INT, result=list_of(STRING)),
    ],
)
def split(text: Any, separator: Any, limit: Any = _ABSENT) -> list[str]:
    if (
        type(text) is not str
        or type(separator) is not str
        or not (limit is _ABSENT or type(limit) is int)
    ):
        raise no_overload("split", *_passed(text, separator, limit))
    if limit is _ABSENT:
        return text.split(separator) if separator else list(text)
    if limit == 0:
        return []
    if separator:
        return text.split(separator, max(limit - 1, -1))
    # An empty separator splits between code points; the last part keeps the rest.
    if limit < 0 or limit >= len(text):
        return list(text)
    return [*text[: limit - 1], text[limit - 1 :]]


@register(
    "join", [member(list_of(STRING), result=STRING), member(list_of(STRING), STRING, result=STRING)]
)
def join(parts: Any, separator: Any = _ABSENT) -> str:
    if type(parts) not in (list, tuple) or not (separator is _ABSENT or type(separator) is str):
        raise no_overload("join", *_passed(parts, separator))
    if separator is _ABSENT:
        separator = ""
    check_size(sum(len(p) for p in parts if type(p) is str) + len(separator) * len(parts))
    try:
        joined: str = separator.join(parts)
    except TypeError:
        wrong = next(p for p in parts if type(p) is not str)
        raise CelError(f"join: list elements must be strings, got {type_name(wrong)}") from None
    return joined


# ------------------------------------------------------------------ strings.quote

_QUOTED: Final = str.maketrans(
    {
        "\a": "\\a",
        "\b": "\\b",
        "\f": "\\f",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\v": "\\v",
        "\\": "\\\\",
        '"': '\\"',
        # A lone surrogate is no character (Go's strings cannot hold one): U+FFFD, as cel-go.
        **{chr(code): "\ufffd" for code in range(0xD800, 0xE000)},
    }
)


@register("strings.quote", [plain(STRING, result=STRING)])
def quote(text: Any) -> str:
    """The string in double quotes, with CEL's escapes for quotes, backslashes and controls."""
    if type(text) is not str:
        raise no_overload("strings.quote", text)
    check_size(len(text) * 2)
    return f'"{text.translate(_QUOTED)}"'


# ------------------------------------------------------------------ format

Formatter = Callable[[Any, int], str]
MAX_PRECISION: Final = 100  # cel-go's default cap: `%.1000000f` would build a huge string
_INVALID_UTF8: Final = re.compile("[\udc80-\udcff]+")
_DIGITS: Final = re.compile("[0-9]*")


@register("format", [member(STRING, list_of(DYN), result=STRING)])
def string_format(template: Any, args: Any) -> str:
    """`template` with each clause replaced by the next argument, formatted as it asks."""
    if type(template) is not str or type(args) not in (list, tuple):
        raise no_overload("format", template, args)
    out: list[str] = []
    index = size = 0
    for piece in _parse_format(template):
        if isinstance(piece, str):
            out.append(piece)
            continue
        if index >= len(args):
            raise CelError(
                f"index {index} out of range: the format has more clauses than arguments"
            )
        if isinstance(piece, _BadClause):
            raise CelError(piece.message)
        formatter, precision = piece
        out.append(formatter(args[index], precision))
        size += len(out[-1])
        check_size(size)
        index += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _BadClause:
    # Kept as text: an exception object cached and raised twice would keep the node
    # the first raise was noted at.
    message: str


Piece = str | tuple[Formatter, int] | _BadClause


@functools.lru_cache(maxsize=512)
def _parse_format(template: str) -> tuple[Piece, ...]:
    """Literal text and clauses; a malformed clause becomes the error its turn raises."""
    pieces: list[Piece] = []
    literal: list[str] = []
    position = 0
    while position < len(template):
        percent = template.find("%", position)
        if percent < 0:
            literal.append(template[position:])
            break
        literal.append(template[position:percent])
        if template.startswith("%%", percent):
            literal.append("%")
            position = percent + 2
            continue
        if literal:
            pieces.append("".join(literal))
            literal = []
        position, clause = _parse_clause(template, percent + 1)
        pieces.append(clause)
        if type(clause) is _BadClause:
            break  # formatting stops at it
    if literal:
        pieces.append("".join(literal))
    return tuple(pieces)


def _parse_clause(template: str, start: int) -> tuple[int, tuple[Formatter, int] | _BadClause]:
    """The clause after the `%` at start - 1: (where the text resumes, the clause)."""
    if start >= len(template):
        return start, _BadClause("unexpected end of format string after '%'")
    position, precision = start, 6
    if template[position] == ".":
        digits = _DIGITS.match(template, position + 1)
        assert digits is not None  # [0-9]* matches anywhere
        position = digits.end()
        if position >= len(template):
            return position, _bad_clause("could not find end of precision specifier")
        if not digits.group():
            return position, _bad_clause("precision must be a number after '.'")
        precision = int(digits.group())
        if precision > MAX_PRECISION:
            return position, _bad_clause(
                f"precision {precision} exceeds maximum allowed precision {MAX_PRECISION}"
            )
    formatter = _FORMATTERS.get(template[position])
    if formatter is None:
        return position, _bad_clause(
            f"unrecognized formatting clause at index {start - 1} of the format string; "
            "use %s, %d, %f, %e, %b, %o, %x, %X or %%"
        )
    return position + 1, (formatter, precision)


def _bad_clause(detail: str) -> _BadClause:
    return _BadClause(f"could not parse formatting clause: {detail}")


def _wrong_type(clause: str, accepted: str, value: Any) -> CelError:
    return CelError(
        f"error during formatting: {clause} can only be used on {accepted}, was given {type_name(value)}"
    )


def _special_double(value: float) -> str | None:
    """NaN and the infinities as every numeric clause writes them."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return None


def _plain_double(value: float) -> str:
    """The shortest decimal that reads back as `value`, never in exponent form (Go's 'f', -1)."""
    special = _special_double(value)
    if special is not None:
        return special
    text = repr(value)
    if "e" in text:
        return format(Decimal(text).normalize(), "f")
    return text[:-2] if text.endswith(".0") else text


def _as_text(value: Any) -> str:
    """A value as %s writes it; lists and maps element by element."""
    if type(value) is str:
        return value
    kind = type(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is Uint:
        return str(int(value))
    if kind is float:
        return _plain_double(value)
    if value is None:
        return "null"
    if kind is list or kind is tuple:
        return "[" + ", ".join(map(_as_text, value)) + "]"
    if kind is dict or isinstance(value, Mapping):
        entries = sorted(((_as_text(k), _as_text(v)) for k, v in value.items()), key=lambda e: e[0])
        return "{" + ", ".join(f"{k}: {v}" for k, v in entries) + "}"
    return _as_other_text(value)


def _as_other_text(value: Any) -> str:
    kind = type(value)
    if kind is bytes:
        return _decoded(value)
    if kind is Timestamp:
        return format_timestamp(value)
    if kind is Duration:
        # As cel-go: whole seconds plus the fraction, as one double.
        whole = abs(value.nanos) // NANOS * (1 if value.nanos >= 0 else -1)
        return _plain_double(whole + (value.nanos - whole * NANOS) / 1e9) + "s"
    if kind is CelType:
        name: str = value.name
        return name
    raise _wrong_type(
        "string clause",
        "strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps",
        value,
    )


def _decoded(value: bytes) -> str:
    """UTF-8 text; each run of invalid bytes becomes one U+FFFD (cel-spec's strings.md)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return _INVALID_UTF8.sub("\ufffd", value.decode("utf-8", "surrogateescape"))


def _string_clause(value: Any, precision: int) -> str:
    return _as_text(value)


def _decimal_clause(value: Any, precision: int) -> str:
    kind = type(value)
    if kind is int or kind is Uint:
        return str(int(value))
    if kind is float:
        return _plain_double(value)
    raise _wrong_type("decimal clause", "ints, uints, and doubles", value)


def _real_clause(name: str, style: str) -> Formatter:
    def clause(value: Any, precision: int) -> str:
        kind = type(value)
        if kind is float:
            special = _special_double(value)
            if special is not None:
                return special
        elif kind is not int and kind is not Uint:
            raise _wrong_type(name, "ints, uints, and doubles", value)
        return format(float(value), f".{precision}{style}")

    return clause


def _integer_clause(name: str, accepted: str, style: str, bools: bool = False) -> Formatter:
    def clause(value: Any, precision: int) -> str:
        kind = type(value)
        if kind is int or kind is Uint:
            return format(int(value), style)
        if bools and kind is bool:
            return "1" if value else "0"
        raise _wrong_type(name, accepted, value)

    return clause


def _hex_clause(upper: bool) -> Formatter:
    integer = _integer_clause(
        "hex clause", "ints, uints, bytes, and strings", "X" if upper else "x"
    )

    def clause(value: Any, precision: int) -> str:
        kind = type(value)
        if kind is str:
            value = value.encode("utf-8", "surrogatepass")
        elif kind is not bytes:
            return integer(value, precision)
        digits: str = value.hex()
        return digits.upper() if upper else digits

    return clause


_FORMATTERS: Final[dict[str, Formatter]] = {
    "s": _string_clause,
    "d": _decimal_clause,
    "f": _real_clause("fixed-point clause", "f"),
    "e": _real_clause("scientific clause", "e"),
    "b": _integer_clause("binary clause", "ints, uints, and bools", "b", bools=True),
    "o": _integer_clause("octal clause", "ints and uints", "o"),
    "x": _hex_clause(upper=False),
    "X": _hex_clause(upper=True),
}
