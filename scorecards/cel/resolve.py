"""Resolve qualified names once the variables are known.

`a.b.c` may read field `c` of variable `a.b`, or be the variable `a.b.c`; `math.abs(x)`
is the function `math.abs`, not a method `abs` of a variable `math`. CEL resolves
the longest name that is declared; so does this pass. Macro variables shadow
everything.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

from scorecards.cel import syntax as s
from scorecards.cel.library import FUNCTIONS
from scorecards.cel.values import TYPES


def resolve(node: s.Node, variables: Collection[str]) -> s.Node:
    return _Resolver(frozenset(variables)).visit(node, frozenset())


def dotted(node: s.Node) -> str | None:
    """`a.b.c` for a chain of plain selections on an identifier, else None."""
    if isinstance(node, s.Ident):
        return node.name
    if isinstance(node, s.Select) and not node.optional:
        base = dotted(node.operand)
        return None if base is None else f"{base}.{node.field}"
    return None


class _Resolver:
    def __init__(self, variables: frozenset[str]) -> None:
        self.variables = variables

    def visit(self, node: s.Node, locals_: frozenset[str]) -> s.Node:
        if isinstance(node, s.Select | s.Ident):
            resolved = self.qualified(node, locals_)
            if resolved is not None:
                return resolved
        if isinstance(node, s.Call) and node.target is not None:
            name = dotted(node.target)
            if name is not None and name.split(".")[0] not in locals_ | self.variables:
                qualified = f"{name}.{node.function}"
                if qualified in FUNCTIONS:
                    args = tuple(self.visit(a, locals_) for a in node.args)
                    return s.Call(
                        qualified, args, None, start=node.start, end=node.end, at=node.start
                    )
        if isinstance(node, s.Comprehension):
            inner = locals_ | set(node.variables)
            return replace(
                node,
                target=self.visit(node.target, locals_),
                body=tuple(self.visit(b, inner) for b in node.body),
            )
        if isinstance(node, s.Bind):
            return replace(
                node,
                value=self.visit(node.value, locals_),
                body=self.visit(node.body, locals_ | {node.name}),
            )
        if isinstance(node, s.OptionalMap):
            return replace(
                node,
                target=self.visit(node.target, locals_),
                body=self.visit(node.body, locals_ | {node.variable}),
            )
        return self.rebuild(node, locals_)

    def rebuild(self, node: s.Node, locals_: frozenset[str]) -> s.Node:
        changes: dict[str, Any] = {}
        for name in node.__dataclass_fields__:
            if name in ("start", "end"):
                continue
            value = getattr(node, name)
            if isinstance(value, s.Node):
                changes[name] = self.visit(value, locals_)
            elif isinstance(value, tuple) and any(isinstance(v, s.Node) for v in value):
                changes[name] = tuple(
                    self.visit(v, locals_) if isinstance(v, s.Node) else v for v in value
                )
        return replace(node, **changes) if changes else node

    def qualified(self, node: s.Select | s.Ident, locals_: frozenset[str]) -> s.Node | None:
        """The node with its longest declared dotted prefix as one identifier."""
        chain: list[s.Select] = []
        current: s.Node = node
        while isinstance(current, s.Select) and not current.optional:
            chain.append(current)
            current = current.operand
        if not isinstance(current, s.Ident) or current.name in locals_:
            return (
                None
                if not isinstance(current, s.Ident) or not chain
                else self.reselect(current, chain, locals_)
            )
        parts = [current.name, *(c.field for c in reversed(chain))]
        for length in range(len(parts), 0, -1):
            name = ".".join(parts[:length])
            if name in self.variables or (length > 1 and name in TYPES):
                ident = s.Ident(
                    name,
                    current.leading_dot,
                    start=current.start,
                    end=chain[len(parts) - length].end if length > 1 else current.end,
                )
                return self.reselect(ident, chain[: len(parts) - length], locals_)
        return None if not chain else self.reselect(current, chain, locals_)

    def reselect(self, base: s.Node, chain: list[s.Select], locals_: frozenset[str]) -> s.Node:
        node = base
        for select in reversed(chain):
            node = replace(select, operand=node)
        return node
