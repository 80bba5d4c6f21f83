"""The macros all, exists, exists_one, filter and map, as cel-python's interpreter runs them.

all/exists fold every element's result (errors included, as values) the way the
interpreter's reduce does; an error raised in a filter/map/exists_one body is one
that only an enclosing all/exists body absorbs (HardError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celpy import celtypes

from scorecards.celfast.runtime import SOFT, CelError, EscapeError, HardError, describe, type_name
from scorecards.celfast.values import BareInt, BareList, BareStr


def elements(target: Any) -> list[Any]:
    """What a macro iterates: list items, map keys, string characters."""
    kind = type(target)
    if kind is list or kind is BareList:
        return target  # type: ignore[no-any-return]
    if kind is dict:
        return list(target)
    if kind is str or kind is BareStr:
        return [BareStr(c) for c in target]
    if isinstance(target, celtypes.BytesType):
        return [BareInt(b) for b in target]
    raise EscapeError(TypeError(f"'{type_name(target)}' object is not iterable"))


Body = Callable[[Any], Any]


def _body_value(body: Body, item: Any) -> Any:
    try:
        return body(item)
    except SOFT as exc:
        return exc
    except HardError as exc:
        return CelError(str(exc.args[0]) if exc.args else "evaluation error")


def _strict_body(body: Body, item: Any) -> Any:
    try:
        return body(item)
    except SOFT as exc:
        raise HardError(describe(exc)) from exc


def macro_all(target: Any, body: Body, may_stop: bool) -> Any:
    result: Any = True
    for item in elements(target):
        result = _fold_and(result, _body_value(body, item))
        if result is False and may_stop:
            return False
    if isinstance(result, BaseException):
        raise result
    return result


def macro_exists(target: Any, body: Body, may_stop: bool) -> Any:
    result: Any = False
    for item in elements(target):
        result = _fold_or(result, _body_value(body, item))
        if result is True and may_stop:
            return True
    if isinstance(result, BaseException):
        raise result
    return result


def _fold_and(acc: Any, value: Any) -> Any:
    acc_bool, value_bool = acc is True or acc is False, value is True or value is False
    if acc_bool and value_bool:
        return acc and value
    if value_bool:
        return acc if value else False
    if acc_bool:
        return value if acc else False
    return CelError("no such overload: _&&_ applied to non-bool operands")


def _fold_or(acc: Any, value: Any) -> Any:
    acc_bool, value_bool = acc is True or acc is False, value is True or value is False
    if acc_bool and value_bool:
        return acc or value
    if value_bool:
        return True if value else acc
    if acc_bool:
        return True if acc else value
    return CelError("no such overload: _||_ applied to non-bool operands")


def macro_exists_one(target: Any, body: Body) -> bool:
    count = sum(1 for item in elements(target) if _strict_body(body, item))
    return count == 1


def macro_filter(target: Any, body: Body) -> list[Any]:
    return [item for item in elements(target) if _strict_body(body, item)]


def macro_map(target: Any, body: Body) -> list[Any]:
    return [_strict_body(body, item) for item in elements(target)]
