"""The sets extension (cel-go's ext/sets.go): lists compared as sets, by CEL equality.

    sets.contains([1, 2, 3], [3, 1])         true: every element of the second is in the first
    sets.equivalent([1, 2, 2], [2.0, 1u])    true: each contains the other (1 == 1.0 == 1u)
    sets.intersects(["a", "b"], ["b", "c"])  true: they share an element

Lists of strings (tags, owners, lifecycles) are the common case: their strings are
looked up in a Python set; other elements are compared one by one with CEL's `==`.
"""

from __future__ import annotations

from typing import Any

from scorecards.cel.errors import no_overload
from scorecards.cel.library import plain, register
from scorecards.cel.types import BOOL, A, list_of
from scorecards.cel.values import equals

_TWO_LISTS = plain(list_of(A), list_of(A), result=BOOL)


class _Members:
    """A list's elements, ready for membership tests by CEL equality."""

    __slots__ = ("others", "strings")

    def __init__(self, items: Any) -> None:
        # A string equals only a string, so strings can be hashed apart from the rest.
        self.strings = {item for item in items if type(item) is str}
        self.others = [item for item in items if type(item) is not str]

    def __contains__(self, item: Any) -> bool:
        if type(item) is str:
            return item in self.strings
        return any(equals(item, other) for other in self.others)


def _lists(function: str, first: Any, second: Any) -> None:
    for value in (first, second):
        if type(value) is not list and type(value) is not tuple:
            raise no_overload(function, first, second)


def _contains_all(items: Any, sublist: Any) -> bool:
    if not sublist:
        return True
    members = _Members(items)
    return all(item in members for item in sublist)


@register("sets.contains", [_TWO_LISTS])
def sets_contains(items: Any, sublist: Any) -> bool:
    """Whether every element of `sublist` is in `items` (true when `sublist` is empty)."""
    _lists("sets.contains", items, sublist)
    return _contains_all(items, sublist)


@register("sets.equivalent", [_TWO_LISTS])
def sets_equivalent(first: Any, second: Any) -> bool:
    """Whether each list contains every element of the other (sizes and repeats aside)."""
    _lists("sets.equivalent", first, second)
    return _contains_all(first, second) and _contains_all(second, first)


@register("sets.intersects", [_TWO_LISTS])
def sets_intersects(first: Any, second: Any) -> bool:
    """Whether the lists share at least one element (false when either is empty)."""
    _lists("sets.intersects", first, second)
    if not first or not second:
        return False
    members = _Members(second)
    return any(item in members for item in first)
