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
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

from celpy import celtypes
from celpy import evaluation as celeval

from scorecards.celfast.regex import matcher
from scorecards.celfast.values import BareFloat, BareInt, BareList, BareStr, from_cel, to_cel

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


def _cel_result(value: Any) -> Any:
    if isinstance(value, celeval.CELEvalError):
        raise CelError(str(value.args[0]) if value.args else "evaluation error")
    return from_cel(value)


# ----------------------------------------------------------------- relations


def relate(op: Callable[[Any, Any], Any], a: Any, b: Any) -> bool:
    """A relation the way the interpreter runs it (`boolean(op)` on CEL values)."""
    try:
        result = op(to_cel(a), to_cel(b))
    except TypeError as exc:
        raise CelError(f"no such overload: {_type(a)} {_OP_TEXT[op]} {_type(b)}") from exc
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


def _type(value: Any) -> str:
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
        raise CelError(f"no such overload: {_type(item)} in {_type(container)}") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return bool(_cel_result(result))


# ----------------------------------------------------------------- arithmetic


def _arithmetic(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    try:
        result = op(to_cel(a), to_cel(b))
    except TypeError as exc:
        raise CelError(f"no such overload: {_type(a)} {_ARITH_TEXT[op]} {_type(b)}") from exc
    except ZeroDivisionError as exc:
        if op is operator.add or op is operator.sub:
            raise EscapeError(exc) from exc
        raise CelError("modulus or divide by zero") from exc
    except (ValueError, OverflowError) as exc:
        raise CelError("return error for overflow") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return _cel_result(result)


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
        raise CelError(f"no such overload: -{_type(value)}") from exc
    except ValueError as exc:
        raise CelError("return error for overflow") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return _cel_result(result)


def logical_not(value: Any) -> bool:
    if value is True:
        return False
    if value is False:
        return True
    raise CelError(f"no such overload: !{_type(value)}")


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
    raise CelError(f"no such overload: _?_:_ condition must be bool, got {_type(value)}")


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
        raise CelError(f"no such overload: {_type(container)}[{_type(key)}]") from exc
    except KeyError as exc:
        raise CelError(f"no such key: {exc.args[0]!r}") from exc
    except IndexError as exc:
        raise CelError("invalid_argument: index out of range") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return _cel_result(result)


# ----------------------------------------------------------------- functions


def call(function: Callable[..., Any], *args: Any) -> Any:
    """A cel-python function on converted arguments, errors mapped like `function_eval`."""
    try:
        result = function(*[to_cel(a) for a in args])
    except ValueError as exc:
        raise CelError("return error for overflow") from exc
    except (TypeError, AttributeError) as exc:
        name = getattr(function, "__name__", "function")
        raise CelError(f"no such overload: {name}({', '.join(map(_type, args))})") from exc
    except Exception as exc:
        raise EscapeError(exc) from exc
    return _cel_result(result)


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


# ----------------------------------------------------------------- macros


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
    raise EscapeError(TypeError(f"'{_type(target)}' object is not iterable"))


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
