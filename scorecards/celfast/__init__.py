"""The fast CEL path: cel-python's parse tree compiled once into a Python function.

The function works on plain JSON-shaped data (no `json_to_cel` per entity) and
gives cel-python's interpreter's outcome: the same value, or an error where it
errs. Expressions outside the supported subset raise `UnsupportedError` and run on
cel-python's interpreter instead (see scorecards/cel.py).

Supported: literals (int, uint, double, string, bytes, bool, null), variables
and fields, indexing, list literals, `!` `-` `*` `/` `%` `+` `-`, comparisons,
`in`, `&&` `||` `?:` with CEL's error absorption, `has()`, `dyn()`, the macros
`all`, `exists`, `exists_one`, `map`, `filter`, and the functions `size`,
`contains`, `startsWith`, `endsWith`, `matches`, `int`, `uint`, `double`,
`string`, `bool`, `bytes`, `timestamp`, `duration` and the timestamp/duration
getters, called as `f(x)` or `x.f()`. Not supported (interpreter): map
literals, message construction, `type()`, `reduce`/`min`, other functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lark

from scorecards.celfast.codegen import Program, build
from scorecards.celfast.ir import UnsupportedError, lower
from scorecards.celfast.runtime import CelError, describe

__all__ = ["CelError", "Program", "UnsupportedError", "Variables", "compile_fast", "describe"]


class Variables(dict[str, Any]):
    """The variables an expression sees; reading an unbound one is a CEL error."""

    def __missing__(self, name: str) -> Any:
        raise CelError(f"undeclared reference to '{name}'")

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Variables:
        return cls(values)


def compile_fast(tree: lark.Tree[Any], label: str = "<cel>") -> tuple[Program, str]:
    """The compiled function and its Python source; UnsupportedError when out of the subset."""
    node = lower(tree)
    try:
        return build(node, label)
    except (SyntaxError, RecursionError, MemoryError) as exc:
        # e.g. more than 20 nested blocks: too deeply nested for one Python function
        raise UnsupportedError(
            f"too deeply nested for the fast path ({type(exc).__name__})"
        ) from None
