"""The lists extension (cel-go's ext/lists.go, latest version), with `first`/`last`.

    [1, [2, 3]].flatten()           [1, 2, 3]
    [1, [2, [3]]].flatten(2)        [1, 2, 3]
    [1, 2, 3, 4].slice(1, 3)        [2, 3]
    [3, 1, 2].sort()                [1, 2, 3]
    [1, 1.0, 2].distinct()          [1, 2]      (CEL equality: 1 == 1.0)
    [1, 2, 3].reverse()             [3, 2, 1]
    lists.range(3)                  [0, 1, 2]
    [1, 2].first(), [].last()       optional.of(1), optional.none()

`sortBy(x, key)` is a macro (parser.py) that sorts with operators.sort_by, as
`sort()` does here. `first()` and `last()` are cel-go's (its optional library).
"""

from __future__ import annotations

from typing import Any, Final

from scorecards.cel.errors import CelError, check_size, no_overload
from scorecards.cel.library import member, plain, register
from scorecards.cel.operators import sort_by
from scorecards.cel.types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    LIST_DYN,
    STRING,
    TIMESTAMP,
    UINT,
    A,
    Type,
    list_of,
    optional_of,
)
from scorecards.cel.values import NONE, Optional, equals

_LIST_A: Final = list_of(A)


def _receiver(args: list[Type]) -> Type:
    """The result has the receiver's type: list(string) stays list(string)."""
    return args[0]


def _element(kind: Type) -> Type:
    return kind.params[0] if kind.name == "list" and kind.params else DYN


def _optional_element(args: list[Type]) -> Type:
    return optional_of(_element(args[0]))


def _flattened(args: list[Type]) -> Type:
    return list_of(_element(_element(args[0])))


# lists.range builds its whole list at once; past this many elements it errs
# rather than exhaust memory.
MAX_RANGE: Final = 1_000_000


def _is_list(value: Any) -> bool:
    return type(value) is list or type(value) is tuple


@register("slice", [member(_LIST_A, INT, INT, result=_receiver)])
def slice_(items: Any, start: Any, end: Any) -> list[Any]:
    """The elements from index `start` up to, not including, `end`."""
    if not _is_list(items) or type(start) is not int or type(end) is not int:
        raise no_overload("slice", items, start, end)
    if start < 0 or end < 0:
        raise CelError(f"cannot slice({start}, {end}), negative indexes not supported")
    if start > end:
        raise CelError(
            f"cannot slice({start}, {end}), start index must be less than or equal to end index"
        )
    if end > len(items):
        raise CelError(f"cannot slice({start}, {end}), list is length {len(items)}")
    return list(items[start:end])


@register(
    "flatten",
    [member(list_of(_LIST_A), result=_flattened), member(LIST_DYN, INT, result=LIST_DYN)],
)
def flatten(items: Any, *depth: Any) -> list[Any]:
    """The elements of nested lists, `depth` levels down (one by default)."""
    levels = depth[0] if depth else 1
    if not _is_list(items) or type(levels) is not int:
        raise no_overload("flatten", items, *depth)
    if levels < 0:
        raise CelError("level must be non-negative")
    flat: list[Any] = []
    _flatten_into(flat, items, levels)
    return flat


def _flatten_into(flat: list[Any], items: Any, depth: int) -> None:
    for item in items:
        if depth > 0 and _is_list(item):
            _flatten_into(flat, item, depth - 1)
        else:
            flat.append(item)
    check_size(len(flat))


# cel-go declares sort() for lists of these element types only.
_COMPARABLE: Final = (INT, UINT, DOUBLE, BOOL, DURATION, TIMESTAMP, STRING, BYTES)


@register("sort", [member(list_of(t), result=_receiver) for t in _COMPARABLE])
def sort(items: Any) -> list[Any]:
    """The elements in ascending order; they must be comparable, and of one type (or numbers)."""
    if not _is_list(items):
        raise no_overload("sort", items)
    return sort_by(list(items), items, "sort")


@register("distinct", [member(_LIST_A, result=_receiver)])
def distinct(items: Any) -> list[Any]:
    """The elements without repeats (by CEL equality), each where it first appears."""
    if not _is_list(items):
        raise no_overload("distinct", items)
    unique: list[Any] = []
    strings: set[str] = set()  # a string equals only a string: a set finds it at once
    others: list[Any] = []
    for item in items:
        if type(item) is str:
            if item in strings:
                continue
            strings.add(item)
        elif any(equals(item, seen) for seen in others):
            continue
        else:
            others.append(item)
        unique.append(item)
    return unique


@register("reverse", [member(_LIST_A, result=_receiver)])
def reverse(items: Any) -> list[Any]:
    if not _is_list(items):
        raise no_overload("reverse", items)
    return list(reversed(items))


@register("lists.range", [plain(INT, result=list_of(INT))])
def lists_range(count: Any) -> list[int]:
    """[0, 1, ... count - 1]; empty when `count` is not positive."""
    if type(count) is not int:
        raise no_overload("lists.range", count)
    if count > MAX_RANGE:
        raise CelError(f"lists.range({count}) is too long: at most {MAX_RANGE} elements")
    return list(range(count))


@register("first", [member(_LIST_A, result=_optional_element)])
def first(items: Any) -> Optional:
    """optional.of(the first element), or optional.none() for an empty list."""
    if not _is_list(items):
        raise no_overload("first", items)
    return Optional(items[0]) if items else NONE


@register("last", [member(_LIST_A, result=_optional_element)])
def last(items: Any) -> Optional:
    """optional.of(the last element), or optional.none() for an empty list."""
    if not _is_list(items):
        raise no_overload("last", items)
    return Optional(items[-1]) if items else NONE
