"""Static types, for checking expressions when definitions load.

The checker infers what it can and treats everything else as `dyn`: an entity's
fields are dyn (catalog data has no fixed shape), a declared fact schema gives
its facts types. A type is a name and parameters: `list(string)`,
`map(string, dyn)`, `optional(int)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Type:
    name: str
    params: tuple[Type, ...] = ()
    # For `object` types (a declared fact schema, the `facts` variable): known fields.
    fields: tuple[tuple[str, Type], ...] | None = None

    def __str__(self) -> str:
        if self.fields is not None:
            return self.name
        if self.params:
            return f"{self.name}({', '.join(str(p) for p in self.params)})"
        return self.name

    def field(self, name: str) -> Type | None:
        assert self.fields is not None
        for field_name, field_type in self.fields:
            if field_name == name:
                return field_type
        return None


DYN: Final = Type("dyn")
BOOL: Final = Type("bool")
INT: Final = Type("int")
UINT: Final = Type("uint")
DOUBLE: Final = Type("double")
STRING: Final = Type("string")
BYTES: Final = Type("bytes")
NULL: Final = Type("null")
TIMESTAMP: Final = Type("timestamp")
DURATION: Final = Type("duration")
TYPE: Final = Type("type")
# A type parameter: matches anything, as dyn does, in an overload's signature.
A: Final = Type("A")
B: Final = Type("B")
NUMERIC: Final = frozenset({INT, UINT, DOUBLE})


def list_of(element: Type) -> Type:
    return Type("list", (element,))


def map_of(key: Type, value: Type) -> Type:
    return Type("map", (key, value))


def optional_of(value: Type) -> Type:
    return Type("optional", (value,))


def record(name: str, fields: dict[str, Type]) -> Type:
    """A map with known keys: reading any other key is a mistake the checker reports."""
    return Type(name, (), tuple(sorted(fields.items())))


LIST_DYN: Final = list_of(DYN)
MAP_DYN: Final = map_of(DYN, DYN)


def is_dyn(kind: Type) -> bool:
    return kind.name in ("dyn", "A", "B")


def base(kind: Type) -> str:
    """The kind without parameters: list, map, int ...; records are maps."""
    return "map" if kind.fields is not None else kind.name


def assignable(parameter: Type, argument: Type) -> bool:
    """Whether a value of static type `argument` may be passed where `parameter` is expected."""
    if is_dyn(parameter) or is_dyn(argument):
        return True
    if base(parameter) != base(argument):
        return False
    if argument.fields is not None or parameter.fields is not None:
        return True
    return all(assignable(p, a) for p, a in zip(parameter.params, argument.params, strict=False))


def join(kinds: list[Type]) -> Type:
    """The one type all of `kinds` share, or dyn."""
    if not kinds:
        return DYN
    first = kinds[0]
    return first if all(k == first for k in kinds[1:]) else DYN


# The names fact schemas use for their facts' types.
FACT_TYPES: Final = {
    "integer": INT,
    "float": DOUBLE,
    "string": STRING,
    "boolean": BOOL,
    "datetime": STRING,  # an RFC 3339 string; timestamp(x) reads it
    "set": LIST_DYN,
    "object": MAP_DYN,
}
