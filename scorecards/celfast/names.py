"""CEL type names of values from either domain, for error messages."""

from __future__ import annotations

from typing import Any

from celpy import celtypes

_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "bool"),
    (celtypes.BoolType, "bool"),
    (celtypes.UintType, "uint"),
    (int, "int"),
    (float, "double"),
    (str, "string"),
    (bytes, "bytes"),
    (celtypes.TimestampType, "timestamp"),
    (celtypes.DurationType, "duration"),
    (list, "list"),
    (dict, "map"),
)


def cel_type_name(value: Any) -> str:
    """The CEL name of a value's type (`int`, `string`, `map` ...)."""
    if value is None:
        return "null"
    for kind, name in _NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__
