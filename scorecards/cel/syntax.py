"""The syntax tree of a CEL expression, as the parser builds it and the checker and compiler read it.

Every node knows its span in the source (`start`, `end`: character offsets), so
errors found later (unknown names, bad types, run-time failures) can point at the
exact sub-expression. Macros (`has`, `all`, `map`, `cel.bind`, `optMap` ...) are
recognised by the parser and kept as their own nodes rather than expanded into
generic comprehensions: the compiler turns each into a plain Python loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    start: int = field(kw_only=True, compare=False)
    end: int = field(kw_only=True, compare=False)
    # Where the node's own name is (a selected field, a called function), for carets.
    at: int = field(default=-1, kw_only=True, compare=False)

    @property
    def position(self) -> int:
        return self.at if self.at >= 0 else self.start

    def children(self) -> Iterator[Node]:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                for element in value:
                    if isinstance(element, Node):
                        yield element
                    elif isinstance(element, tuple):
                        yield from (e for e in element if isinstance(e, Node))

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, parents first."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any  # None, bool, int, Uint, float, str or bytes


@dataclass(frozen=True, slots=True)
class Ident(Node):
    name: str  # may be dotted ("a.b.c") once qualified names are resolved
    leading_dot: bool = False


@dataclass(frozen=True, slots=True)
class Select(Node):
    operand: Node
    field: str
    optional: bool = False  # `a.?b`


@dataclass(frozen=True, slots=True)
class Index(Node):
    operand: Node
    index: Node
    optional: bool = False  # `a[?b]`


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call: `f(x)` (target None) or `x.f(y)`; `function` may be qualified."""

    function: str
    args: tuple[Node, ...]
    target: Node | None = None


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """`==` `!=` `<` `<=` `>` `>=` `in` `+` `-` `*` `/` `%`."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    """`&&` or `||` over two or more operands (chains are kept flat)."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...]
    optional: tuple[bool, ...]  # `[?x]`: the element is added only when the optional has a value


@dataclass(frozen=True, slots=True)
class MapEntry(Node):
    key: Node
    value: Node
    optional: bool = False  # `{?k: v}`


@dataclass(frozen=True, slots=True)
class MapExpr(Node):
    entries: tuple[MapEntry, ...]


@dataclass(frozen=True, slots=True)
class StructExpr(Node):
    """`pkg.Message{field: value}`: parsed so the error can say what it is; never compiled."""

    type_name: str
    fields: tuple[MapEntry, ...]


@dataclass(frozen=True, slots=True)
class Has(Node):
    """`has(a.b)`: whether field `b` is present on `a`."""

    operand: Node
    field: str


@dataclass(frozen=True, slots=True)
class Comprehension(Node):
    """A macro over a list or map.

    kind: all, exists, exists_one, map, filter, transformList, transformMap,
    transformMapEntry, sortBy. `variables` are one or two names (the element, or
    index/key and value); `body` holds the macro's expressions after the variables
    (a predicate, or a filter then a transform).
    """

    kind: str
    target: Node
    variables: tuple[str, ...]
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Bind(Node):
    """`cel.bind(name, value, body)`: `body` with `name` bound to `value`, evaluated once."""

    name: str
    value: Node
    body: Node


@dataclass(frozen=True, slots=True)
class OptionalMap(Node):
    """`opt.optMap(x, expr)` or `opt.optFlatMap(x, expr)`."""

    flat: bool
    target: Node
    variable: str
    body: Node


def span_text(source: str, node: Node, limit: int = 80) -> str:
    """The source text of a node, shortened to `limit` characters on one line."""
    text = " ".join(source[node.start : node.end].split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
