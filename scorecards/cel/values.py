"""CEL's values as Python objects, and CEL's equality and ordering over them.

Most values are the plain JSON-shaped data entities and facts already are, so an
entity needs no conversion before evaluation:

    null -> None      bool -> bool     int -> int       double -> float
    string -> str     bytes -> bytes   list -> list     map -> dict

The other CEL types have small classes here: `Uint` (an `int` subclass, so Python
arithmetic and hashing treat 1u like 1, as CEL's numeric equality does),
`Timestamp` and `Duration` (nanosecond precision, CEL's ranges), `CelType` (the
value of `type(x)`) and `Optional`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from scorecards.cel.errors import CelError, no_overload

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
UINT64_MAX: Final = 2**64 - 1
NANOS: Final = 1_000_000_000
# Timestamps span years 0001 to 9999; durations are int64 nanoseconds (about 292 years).
TIMESTAMP_MIN: Final = -62_135_596_800 * NANOS
TIMESTAMP_MAX: Final = 253_402_300_799 * NANOS + NANOS - 1
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class Uint(int):
    """A CEL `uint`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}u"


class Timestamp:
    """A CEL `timestamp`: nanoseconds since the Unix epoch, UTC."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int) -> None:
        if not TIMESTAMP_MIN <= nanos <= TIMESTAMP_MAX:
            raise CelError("timestamp out of range")
        self.nanos = nanos

    @classmethod
    def from_datetime(cls, moment: datetime) -> Timestamp:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - _EPOCH
        return cls((delta.days * 86_400 + delta.seconds) * NANOS + delta.microseconds * 1_000)

    def to_datetime(self) -> datetime:
        """As a UTC datetime (microseconds: Python's datetime has no nanoseconds)."""
        return _EPOCH + timedelta(microseconds=self.nanos // 1_000)

    def __eq__(self, other: object) -> bool:
        return type(other) is Timestamp and other.nanos == self.nanos

    def __lt__(self, other: Timestamp) -> bool:
        return self.nanos < other.nanos

    def __le__(self, other: Timestamp) -> bool:
        return self.nanos <= other.nanos

    def __gt__(self, other: Timestamp) -> bool:
        return self.nanos > other.nanos

    def __ge__(self, other: Timestamp) -> bool:
        return self.nanos >= other.nanos

    def __hash__(self) -> int:
        return hash(("timestamp", self.nanos))

    def __repr__(self) -> str:
        return f"timestamp({format_timestamp(self)!r})"


class Duration:
    """A CEL `duration`, in nanoseconds."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int) -> None:
        if not INT64_MIN <= nanos <= INT64_MAX:
            raise CelError("duration out of range")
        self.nanos = nanos

    @classmethod
    def from_timedelta(cls, delta: timedelta) -> Duration:
        return cls((delta.days * 86_400 + delta.seconds) * NANOS + delta.microseconds * 1_000)

    def to_timedelta(self) -> timedelta:
        return timedelta(microseconds=int(self.nanos / 1_000))

    def __eq__(self, other: object) -> bool:
        return type(other) is Duration and other.nanos == self.nanos

    def __lt__(self, other: Duration) -> bool:
        return self.nanos < other.nanos

    def __le__(self, other: Duration) -> bool:
        return self.nanos <= other.nanos

    def __gt__(self, other: Duration) -> bool:
        return self.nanos > other.nanos

    def __ge__(self, other: Duration) -> bool:
        return self.nanos >= other.nanos

    def __hash__(self) -> int:
        return hash(("duration", self.nanos))

    def __repr__(self) -> str:
        return f"duration({format_duration(self)!r})"


class CelType:
    """A CEL type as a value: what `type(x)` returns and `int`, `string` ... name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return type(other) is CelType and other.name == self.name

    def __hash__(self) -> int:
        return hash(("type", self.name))

    def __repr__(self) -> str:
        return self.name


class Optional:
    """A CEL optional value: `optional.of(x)` or `optional.none()`."""

    __slots__ = ("present", "value")

    def __init__(self, value: Any = None, present: bool = True) -> None:
        self.value = value
        self.present = present

    def __eq__(self, other: object) -> bool:
        if type(other) is not Optional:
            return False
        if not (self.present and other.present):
            return self.present == other.present
        return equals(self.value, other.value)

    def __hash__(self) -> int:
        return hash(("optional", self.present))

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.present else "optional.none()"


NONE: Final = Optional(None, present=False)

TYPES: Final[dict[str, CelType]] = {
    name: CelType(name)
    for name in (
        "bool",
        "int",
        "uint",
        "double",
        "string",
        "bytes",
        "list",
        "map",
        "null_type",
        "type",
        "google.protobuf.Timestamp",
        "google.protobuf.Duration",
        "optional_type",
    )
}
_TYPE_OF: Final[dict[type, CelType]] = {
    bool: TYPES["bool"],
    int: TYPES["int"],
    Uint: TYPES["uint"],
    float: TYPES["double"],
    str: TYPES["string"],
    bytes: TYPES["bytes"],
    list: TYPES["list"],
    tuple: TYPES["list"],
    dict: TYPES["map"],
    type(None): TYPES["null_type"],
    CelType: TYPES["type"],
    Timestamp: TYPES["google.protobuf.Timestamp"],
    Duration: TYPES["google.protobuf.Duration"],
    Optional: TYPES["optional_type"],
}
_SHORT_NAMES: Final = {
    "google.protobuf.Timestamp": "timestamp",
    "google.protobuf.Duration": "duration",
    "null_type": "null",
    "optional_type": "optional",
}
NUMBERS: Final = frozenset({int, Uint, float})
# Types whose values Python's own `==` compares exactly as CEL does.
SCALARS: Final = frozenset({str, int, float, bool, bytes, type(None)})
ORDERED: Final = frozenset({str, int, float, bool, bytes, Uint, Timestamp, Duration})


def type_of(value: Any) -> CelType:
    kind = _TYPE_OF.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, Mapping):
        return TYPES["map"]
    raise CelError(f"unsupported value of Python type {type(value).__name__}")


def type_name(value: Any) -> str:
    """The short CEL name of a value's type, for messages: int, string, map, timestamp ..."""
    kind = _TYPE_OF.get(type(value))
    if kind is None:
        return "map" if isinstance(value, Mapping) else type(value).__name__
    return _SHORT_NAMES.get(kind.name, kind.name)


def equals(a: Any, b: Any) -> bool:
    """CEL's `==`: numbers compare by value across int, uint and double; other types
    compare by value within the same type; values of different types are unequal."""
    kind = type(a)
    if kind is type(b):
        if kind in SCALARS:
            return bool(a == b)
        if kind is list:
            return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
        if kind is dict:
            return _maps_equal(a, b)
        return bool(a == b)
    if kind in NUMBERS and type(b) in NUMBERS:
        return _numbers_compare(a, b) == 0
    if kind in (list, tuple) and type(b) in (list, tuple):
        return len(a) == len(b) and all(equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return _maps_equal(a, b)
    return False


def _maps_equal(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> bool:
    if len(a) != len(b):
        return False
    for key, value in a.items():
        found, other = lookup(b, key)
        if not found or not equals(value, other):
            return False
    return True


def lookup(mapping: Mapping[Any, Any], key: Any) -> tuple[bool, Any]:
    """Find `key` in a CEL map: (found, value).

    Numeric keys match across int, uint and double (`{1: x}[1.0]`); a bool matches
    only a bool, though Python's dict lets `True` find the key `1`.
    """
    kind = type(key)
    if kind is str:
        return (True, mapping[key]) if key in mapping else (False, None)
    if kind is float:
        if not key.is_integer():
            return False, None
        key = int(key)
    if kind is bool or (kind in NUMBERS and key in (0, 1)):
        for stored, value in mapping.items():
            if (
                type(stored) is not str
                and stored == key
                and (type(stored) is bool) == (kind is bool)
            ):
                return True, value
        return False, None
    try:
        return (True, mapping[key]) if key in mapping else (False, None)
    except TypeError:  # an unhashable key (a list or map) is in no map
        return False, None


def compare(a: Any, b: Any, op: str) -> int:
    """-1, 0 or 1 for CEL's ordering of `a` and `b`; an error for types without one.

    NaN is unordered: callers get 2, which no relation accepts.
    """
    kind = type(a)
    if kind is type(b) and kind in ORDERED:
        if kind is float and (math.isnan(a) or math.isnan(b)):
            return 2
        return -1 if a < b else (1 if a > b else 0)
    if kind in NUMBERS and type(b) in NUMBERS:
        return _numbers_compare(a, b)
    raise no_overload(op, a, b)


def _numbers_compare(a: Any, b: Any) -> int:
    """int, uint and double compared as CEL does: with a double, both as doubles."""
    if type(a) is float or type(b) is float:
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return 2
    return -1 if a < b else (1 if a > b else 0)


def format_timestamp(value: Timestamp) -> str:
    """RFC 3339 in UTC with as many fractional digits as needed (none when whole)."""
    seconds, nanos = divmod(value.nanos, NANOS)
    moment = _EPOCH + timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.year < 1000:
        text = f"{moment.year:04d}" + text[text.index("-") :]
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"


def format_duration(value: Duration) -> str:
    """Seconds with as many fractional digits as needed: 90s, 1.5s, -0.000000001s."""
    sign = "-" if value.nanos < 0 else ""
    seconds, nanos = divmod(abs(value.nanos), NANOS)
    fraction = ("." + f"{nanos:09d}".rstrip("0")) if nanos else ""
    return f"{sign}{seconds}{fraction}s"


def format_double(value: float) -> str:
    """A double as CEL's string() writes it: Go's shortest %g (100, 0.0045, 1e+06)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    # repr() is the shortest text that reads back as the same double.
    exact = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, exact.digits))
    exponent = len(digits) + int(exact.exponent) - 1  # of the leading digit
    if exponent < -4 or exponent >= 6:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    whole = digits[: exponent + 1].ljust(exponent + 1, "0")
    fraction = digits[exponent + 1 :]
    return f"{sign}{whole}" + (f".{fraction}" if fraction else "")


def check_int(value: int) -> int:
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise CelError("integer overflow")


def check_uint(value: int) -> Uint:
    if 0 <= value <= UINT64_MAX:
        return Uint(value)
    raise CelError("unsigned integer overflow")


def from_python(value: Any) -> Any:
    """Plain data from elsewhere (datetimes, tuples, other mappings) as CEL values."""
    kind = type(value)
    if kind in SCALARS or kind in (Uint, Timestamp, Duration, CelType, Optional):
        return value
    if kind is list:
        return [from_python(v) for v in value]
    if kind is dict:
        return {k: from_python(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return Timestamp.from_datetime(value)
    if isinstance(value, timedelta):
        return Duration.from_timedelta(value)
    if isinstance(value, Mapping):
        return {k: from_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_python(v) for v in value]
    raise CelError(f"unsupported value of Python type {kind.__name__}")


def to_python(value: Any) -> Any:
    """A CEL value as plain JSON-able data (timestamps and durations as text)."""
    kind = type(value)
    if kind is Uint:
        return int(value)
    if kind in SCALARS and kind is not bytes:
        return value
    if kind is list:
        return [to_python(v) for v in value]
    if kind is dict:
        return {str(k) if type(k) is not str else k: to_python(v) for k, v in value.items()}
    if kind is Timestamp:
        return format_timestamp(value)
    if kind is Duration:
        return format_duration(value)
    if kind is Optional:
        return to_python(value.value) if value.present else None
    if kind is bytes:
        return value.decode("utf-8", "replace")
    return str(value)
