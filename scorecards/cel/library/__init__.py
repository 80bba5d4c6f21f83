"""The functions CEL expressions may call: the standard library and the extensions.

Each function is registered once with its overloads (for the checker) and one
Python implementation that takes the receiver first and dispatches on the
values it gets (for the compiler). Extensions follow cel-go's and Kubernetes'
names: strings, math, lists, sets, encoders (base64) and optionals; `cel.bind`
and the comprehension macros are syntax (see parser.py), not functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scorecards.cel.types import Type
from scorecards.cel.values import Duration, Optional, Timestamp, Uint

Implementation = Callable[..., Any]
ResultType = Type | Callable[[list[Type]], Type]


@dataclass(frozen=True, slots=True)
class Overload:
    params: tuple[Type, ...]  # the receiver first, for member overloads
    result: ResultType
    member: bool = False
    variadic: bool = False  # the last parameter repeats (math.greatest(a, b, c ...))

    def accepts(self, count: int, member: bool) -> bool:
        if member != self.member:
            return False
        if self.variadic:
            return count >= len(self.params)
        return count == len(self.params)

    def result_for(self, args: list[Type]) -> Type:
        return self.result(args) if callable(self.result) else self.result


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    implementation: Implementation
    overloads: tuple[Overload, ...]

    def styles(self) -> str:
        """How it may be called, for messages: `x.f()` and/or `f(x)`."""
        member = any(o.member for o in self.overloads)
        plain = any(not o.member for o in self.overloads)
        short = self.name.rsplit(".", 1)[-1]
        forms = ([f"x.{short}(...)"] if member else []) + ([f"{self.name}(...)"] if plain else [])
        return " or ".join(forms)

    def arities(self, member: bool) -> list[int]:
        return sorted(
            {len(o.params) - (1 if member else 0) for o in self.overloads if o.member == member}
        )


FUNCTIONS: dict[str, Function] = {}
# The Python types of a static type's values, for dispatch between registrations.
_RUNTIME_TYPES: dict[str, type] = {
    "string": str,
    "bytes": bytes,
    "list": list,
    "map": dict,
    "int": int,
    "double": float,
    "bool": bool,
    "uint": Uint,
    "timestamp": Timestamp,
    "duration": Duration,
    "optional": Optional,
}


def register(
    name: str, overloads: Iterable[Overload]
) -> Callable[[Implementation], Implementation]:
    """Register a function; a second registration of a name adds overloads to it.

    Two extensions may define the same name for different receivers (`reverse()` on
    strings and on lists): calls go to the registration whose receiver type fits.
    """

    def decorate(implementation: Implementation) -> Implementation:
        added = tuple(overloads)
        existing = FUNCTIONS.get(name)
        if existing is None:
            FUNCTIONS[name] = Function(name, implementation, added)
        else:
            FUNCTIONS[name] = Function(
                name,
                _dispatch(added, implementation, existing.implementation),
                existing.overloads + added,
            )
        return implementation

    return decorate


def _dispatch(
    overloads: tuple[Overload, ...], first: Implementation, otherwise: Implementation
) -> Implementation:
    kinds = frozenset(_RUNTIME_TYPES.get(o.params[0].name, object) for o in overloads if o.params)

    def call(*args: Any) -> Any:
        if args and (object in kinds or type(args[0]) in kinds):
            return first(*args)
        return otherwise(*args)

    return call


def member(*params: Type, result: ResultType, variadic: bool = False) -> Overload:
    return Overload(params, result, member=True, variadic=variadic)


def plain(*params: Type, result: ResultType, variadic: bool = False) -> Overload:
    return Overload(params, result, member=False, variadic=variadic)


def _load() -> None:
    # The modules register their functions when imported.
    from scorecards.cel.library import (  # noqa: F401
        encoders,
        lists,
        math_ext,
        optionals,
        sets,
        standard,
        strings,
        time,
    )


_load()
