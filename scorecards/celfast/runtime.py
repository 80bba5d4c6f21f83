"""What compiled expressions call at run time: errors, operators, functions.

Every operator has a fast case for the common, well-typed plain values (two
strings, two ints, a key in a dict ...) whose result is exactly cel-python's,
and otherwise *delegates*: it converts the operands to cel-python values, runs
cel-python's own function and maps its exceptions the way cel-python's
interpreter does. So unusual type combinations get the interpreter's answer by
construction, quirks included.

Errors are Python exceptions here. The interpreter treats errors as values that
`&&`, `||` and `?:` may absorb (`SOFT`), except in two cases that escape: an
error raised in a `map`/`filter`/`exists_one` body (`HardError`, which only an
enclosing `all`/`exists` body absorbs) and Python exceptions the interpreter
does not catch, such as iterating a non-list in a macro (`EscapeError`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, NoReturn

from celpy import evaluation as celeval

from scorecards.celfast.values import BareStr, from_cel, to_cel

INT64 = 2**63


class CelError(Exception):
    """An evaluation error that `&&`, `||` and `?:` may absorb."""


class HardError(Exception):
    """An error raised from a map/filter/exists_one body: only all/exists bodies absorb it."""


class EscapeError(Exception):
    """A failure nothing absorbs (the interpreter lets the Python exception escape)."""


SOFT = (CelError, LookupError, TypeError)
FAST_EQ = frozenset({str, int, float, bool, type(None), type})
FAST_ORDER = frozenset({str, int, float, bool})
STRINGS = frozenset({str, BareStr})


def describe(exc: BaseException) -> str:
    """The error text a user sees for an exception raised during evaluation."""
    if isinstance(exc, CelError | HardError):
        return str(exc.args[0]) if exc.args else "evaluation error"
    if isinstance(exc, KeyError):
        return f"no such member in mapping: {exc.args[0]!r}"
    if isinstance(exc, IndexError):
        return "invalid_argument: index out of range"
    if isinstance(exc, TypeError):
        return f"no such overload: {exc}"
    if isinstance(exc, EscapeError) and exc.args:
        inner = exc.args[0]
        return describe(inner) if isinstance(inner, BaseException) else str(inner)
    return f"{type(exc).__name__}: {exc}"


def soft(exc: BaseException) -> CelError:
    return exc if isinstance(exc, CelError) else CelError(describe(exc))


def fail(message: str) -> NoReturn:
    raise CelError(message)


def cel_result(value: Any) -> Any:
    if isinstance(value, celeval.CELEvalError):
        raise CelError(str(value.args[0]) if value.args else "evaluation error")
    return from_cel(value)


# ----------------------------------------------------------------- relations


def relate(op: Callable[[Any, Any], Any], a: Any, b: Any) -> bool:
    """A relation the way the interpreter runs it (`boolean(op)` on CEL values)."""
    try:
        result = op(to_cel(a), to_cel(b))
    except TypeError as exc:
        raise CelError(f"no such overload: {type_name(a)} {_OP_TEXT[op]} {type_name(b)}") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return bool(result)


_OP_TEXT: dict[Callable[[Any, Any], Any], str] = {
    operator.eq: "==",
    operator.ne: "!=",
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
}


def type_name(value: Any) -> str:
    from scorecards.celfast.names import cel_type_name

    return cel_type_name(value)


def eq(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_EQ:
        return bool(a == b)
    return relate(operator.eq, a, b)


def ne(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_EQ:
        return bool(a != b)
    return relate(operator.ne, a, b)


def lt(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_ORDER:
        return bool(a < b)
    return relate(operator.lt, a, b)


def le(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_ORDER:
        return bool(a <= b)
    return relate(operator.le, a, b)


def gt(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_ORDER:
        return bool(a > b)
    return relate(operator.gt, a, b)


def ge(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b) and kind in FAST_ORDER:
        return bool(a >= b)
    return relate(operator.ge, a, b)


def contained(item: Any, container: Any) -> bool:
    """`item in container`."""
    kind = type(container)
    if kind is dict:
        if type(item) is str:
            if item in container:
                return True
            for key in container:
                if type(key) is not str:
                    return _contained_slow(item, container)
            return False
    elif kind is list:
        item_kind = type(item)
        if item_kind in FAST_EQ:
            for element in container:
                if type(element) is not item_kind:
                    return _contained_slow(item, container)
                if element == item:
                    return True
            return False
    return _contained_slow(item, container)


def contained_in_strings(item: Any, strings: frozenset[str], container: list[str]) -> bool:
    """`item in [literal strings]`."""
    if type(item) is str:
        return item in strings
    return contained(item, container)


def _contained_slow(item: Any, container: Any) -> bool:
    try:
        result = celeval.operator_in(to_cel(item), to_cel(container))
    except TypeError as exc:
        raise CelError(f"no such overload: {type_name(item)} in {type_name(container)}") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return bool(cel_result(result))


# ----------------------------------------------------------------- arithmetic


def _arithmetic(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    try:
        result = op(to_cel(a), to_cel(b))
    except TypeError as exc:
        raise CelError(
            f"no such overload: {type_name(a)} {_ARITH_TEXT[op]} {type_name(b)}"
        ) from exc
    except ZeroDivisionError as exc:
        if op is operator.add or op is operator.sub:
            raise EscapeError(exc) from exc
        raise CelError("modulus or divide by zero") from exc
    except (ValueError, OverflowError) as exc:
        raise CelError("return error for overflow") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return cel_result(result)


_ARITH_TEXT: dict[Callable[[Any, Any], Any], str] = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.mod: "%",
}


def _in_int64(value: int) -> int:
    if -INT64 <= value < INT64:
        return value
    raise CelError("return error for overflow")


def add(a: Any, b: Any) -> Any:
    kind_a, kind_b = type(a), type(b)
    if kind_a is int and kind_b is int:
        return _in_int64(a + b)
    if kind_a in STRINGS and kind_b in STRINGS:
        return BareStr(a + b)
    return _arithmetic(operator.add, a, b)


def sub(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return _in_int64(a - b)
    return _arithmetic(operator.sub, a, b)


def mul(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return _in_int64(a * b)
    return _arithmetic(operator.mul, a, b)


def div(a: Any, b: Any) -> Any:
    return _arithmetic(operator.truediv, a, b)


def mod(a: Any, b: Any) -> Any:
    return _arithmetic(operator.mod, a, b)


def neg(value: Any) -> Any:
    if type(value) is int:
        return _in_int64(-value)
    try:
        result = operator.neg(to_cel(value))
    except TypeError as exc:
        raise CelError(f"no such overload: -{type_name(value)}") from exc
    except ValueError as exc:
        raise CelError("return error for overflow") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return cel_result(result)


def logical_not(value: Any) -> bool:
    if value is True:
        return False
    if value is False:
        return True
    raise CelError(f"no such overload: !{type_name(value)}")


# ----------------------------------------------------------------- &&, ||, ?:


def and_rest(values: list[Any]) -> Any:
    """`&&` over operands none of which is false: true, the one non-bool, or an error."""
    odd = [v for v in values if v is not True]
    if not odd:
        return True
    if len(odd) == 1:
        if isinstance(odd[0], BaseException):
            raise odd[0]
        return odd[0]
    raise CelError("no such overload: _&&_ applied to non-bool operands")


def or_rest(values: list[Any]) -> Any:
    """`||` over operands none of which is true: false, the one non-bool, or an error."""
    odd = [v for v in values if v is not False]
    if not odd:
        return False
    if len(odd) == 1:
        if isinstance(odd[0], BaseException):
            raise odd[0]
        return odd[0]
    raise CelError("no such overload: _||_ applied to non-bool operands")


def bad_condition(value: Any) -> NoReturn:
    if isinstance(value, BaseException):
        raise CelError(f"no such overload: _?_:_ condition raised: {describe(value)}")
    raise CelError(f"no such overload: _?_:_ condition must be bool, got {type_name(value)}")


def absorb_type_error(exc: EscapeError) -> NoReturn:
    """The interpreter's `?:` turns a TypeError escaping its chosen branch into an error value."""
    cause = exc.args[0] if exc.args else None
    if isinstance(cause, TypeError):
        raise CelError(f"no such overload: _?_:_ branch raised: {cause}") from cause
    raise exc


def raise_first(*values: Any) -> None:
    """After evaluating operands one by one, raise the first error among them."""
    for value in values:
        if isinstance(value, BaseException):
            raise value


# ----------------------------------------------------------------- indexing


def index(container: Any, key: Any) -> Any:
    kind = type(container)
    if kind is dict and type(key) is str:
        try:
            return container[key]
        except KeyError:
            raise CelError(f"no such key: {key!r}") from None
    if kind is list and type(key) is int:
        try:
            return container[key]
        except IndexError:
            raise CelError("invalid_argument: index out of range") from None
    try:
        result = operator.getitem(to_cel(container), to_cel(key))
    except TypeError as exc:
        raise CelError(f"no such overload: {type_name(container)}[{type_name(key)}]") from exc
    except KeyError as exc:
        raise CelError(f"no such key: {exc.args[0]!r}") from exc
    except IndexError as exc:
        raise CelError("invalid_argument: index out of range") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return cel_result(result)
