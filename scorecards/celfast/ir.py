"""cel-python's parse tree, reduced to the few node kinds the fast compiler knows.

`lower(tree)` raises `UnsupportedError` (with the reason) for anything outside the
fast subset: map literals, message construction, `type()`, `reduce`/`min`,
unknown functions, names cel-python resolves to types. Such expressions run on
cel-python's interpreter instead.

Each node records whether evaluating it may raise an error that `&&`, `||` and
`?:` cannot absorb (`hard`), and among those whether it may escape even an
`all`/`exists` body (`escape`); see runtime.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lark
from celpy import celtypes
from celpy import evaluation as celeval

from scorecards.celfast.values import from_cel


class UnsupportedError(Exception):
    """The expression is outside the fast subset; the reason says what."""


# Functions the fast path knows, by the name CEL code uses (as f(x) or x.f()).
FUNCTIONS = frozenset(
    {
        "size",
        "contains",
        "startsWith",
        "endsWith",
        "matches",
        "int",
        "uint",
        "double",
        "string",
        "bool",
        "bytes",
        "duration",
        "timestamp",
        "getDate",
        "getDayOfMonth",
        "getDayOfWeek",
        "getDayOfYear",
        "getFullYear",
        "getMonth",
        "getHours",
        "getMilliseconds",
        "getMinutes",
        "getSeconds",
        "type",
    }
)
# cel-python lets these raise Python exceptions it does not catch (int(inf) -> OverflowError).
ESCAPING_FUNCTIONS = frozenset(FUNCTIONS - {"size", "contains", "startsWith", "endsWith", "type"})
# Names that, unless a variable has them, mean a type (`type(x) == string`).
TYPE_NAMES = frozenset(
    {"bool", "bytes", "double", "duration", "int", "list", "map", "null_type", "string"}
    | {"timestamp", "uint", "type"}
)
MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
# Identifiers the interpreter resolves to functions or protobuf packages, not variables.
RESERVED = frozenset({*celeval.base_functions, "google", "dyn", "has"})
RELATIONS = {
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_in": "in",
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
}


@dataclass(frozen=True)
class Node:
    hard: bool = field(default=False, kw_only=True)
    escape: bool = field(default=False, kw_only=True)


@dataclass(frozen=True)
class Lit(Node):
    value: Any
    error: str | None = None


@dataclass(frozen=True)
class Var(Node):
    name: str


@dataclass(frozen=True)
class TypeName(Node):
    name: str  # a variable of that name wins, as in cel-python
    value: Any


@dataclass(frozen=True)
class Local(Node):
    name: str  # a macro variable, by its Python name


@dataclass(frozen=True)
class Field(Node):
    target: Node
    name: str


@dataclass(frozen=True)
class Index(Node):
    target: Node
    key: Node


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Has(Node):
    arg: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "!" or "-"
    arg: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical(Node):
    op: str  # "&&" or "||"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Cond(Node):
    test: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Macro(Node):
    kind: str
    target: Node
    var: str  # Python name of the bound variable
    body: Node


Tree = lark.Tree[Any]


def _flags(*children: Node) -> dict[str, bool]:
    return {
        "hard": any(c.hard for c in children),
        "escape": any(c.escape for c in children),
    }


class Lowering:
    def __init__(self) -> None:
        self.scopes: list[dict[str, str]] = []
        self.count = 0

    def lower(self, tree: Tree) -> Node:
        method = getattr(self, f"_{tree.data}", None)
        if method is None:
            raise UnsupportedError(f"{tree.data} is not supported by the fast path")
        node: Node = method(tree)
        return node

    def _trees(self, tree: Tree) -> list[Tree]:
        return [c for c in tree.children if isinstance(c, lark.Tree)]

    def _single(self, tree: Tree) -> Node:
        (child,) = self._trees(tree)
        return self.lower(child)

    def _expr(self, tree: Tree) -> Node:
        children = self._trees(tree)
        if len(children) == 1:
            return self.lower(children[0])
        test, then, other = (self.lower(c) for c in children)
        return Cond(test, then, other, **_flags(test, then, other))

    def _conditionalor(self, tree: Tree) -> Node:
        return self._logical(tree, "||", "conditionalor")

    def _conditionaland(self, tree: Tree) -> Node:
        return self._logical(tree, "&&", "conditionaland")

    def _logical(self, tree: Tree, op: str, kind: str) -> Node:
        operands: list[Node] = []
        while True:
            children = self._trees(tree)
            if len(children) == 1:
                operands.append(self.lower(children[0]))
                break
            left, right = children
            operands.append(self.lower(right))
            if left.data != kind:
                operands.append(self.lower(left))
                break
            tree = left
        if len(operands) == 1:
            return operands[0]
        operands.reverse()
        return Logical(op, tuple(operands), **_flags(*operands))

    def _binary_chain(self, tree: Tree) -> Node:
        children = self._trees(tree)
        if len(children) == 1:
            return self.lower(children[0])
        op_tree, right_tree = children
        op = RELATIONS[op_tree.data]
        left = self._single(op_tree)
        right = self.lower(right_tree)
        return Binary(op, left, right, **_flags(left, right))

    _relation = _binary_chain
    _addition = _binary_chain
    _multiplication = _binary_chain

    def _unary(self, tree: Tree) -> Node:
        children = self._trees(tree)
        if len(children) == 1:
            return self.lower(children[0])
        op_tree, operand_tree = children
        operand = self.lower(operand_tree)
        op = "!" if op_tree.data == "unary_not" else "-"
        return Unary(op, operand, **_flags(operand))

    _member = _single
    _primary = _single
    _paren_expr = _single

    def _member_dot(self, tree: Tree) -> Node:
        target_tree, name = tree.children
        target = self.lower(target_tree)
        return Field(target, str(name), **_flags(target))

    def _member_index(self, tree: Tree) -> Node:
        target_tree, key_tree = self._trees(tree)
        target, key = self.lower(target_tree), self.lower(key_tree)
        return Index(target, key, **_flags(target, key))

    def _member_dot_arg(self, tree: Tree) -> Node:
        target_tree, name_token = tree.children[:2]
        name = str(name_token)
        arg_trees = self._arguments(tree.children[2] if len(tree.children) > 2 else None)
        if name in MACROS:
            return self._macro(name, target_tree, arg_trees)
        target = self.lower(target_tree)
        return self._call(name, [target, *(self.lower(a) for a in arg_trees)])

    def _arguments(self, exprlist: Any) -> list[Tree]:
        if exprlist is None:
            return []
        return self._trees(exprlist)

    def _ident_arg(self, tree: Tree) -> Node:
        name = str(tree.children[0])
        arg_trees = self._arguments(tree.children[1] if len(tree.children) > 1 else None)
        if name in ("has", "dyn"):
            if len(arg_trees) != 1:
                raise UnsupportedError(f"{name}() takes one argument")
            arg = self.lower(arg_trees[0])
            return Has(arg, **_flags(arg)) if name == "has" else arg
        return self._call(name, [self.lower(a) for a in arg_trees])

    def _call(self, name: str, args: list[Node]) -> Node:
        if name not in FUNCTIONS:
            raise UnsupportedError(f"function {name}() is not supported by the fast path")
        flags = _flags(*args)
        if name in ESCAPING_FUNCTIONS:
            flags = {"hard": True, "escape": True}
        return Call(name, tuple(args), **flags)

    def _macro(self, kind: str, target_tree: Tree, arg_trees: list[Tree]) -> Node:
        if len(arg_trees) != 2:
            raise UnsupportedError(f"{kind}() with {len(arg_trees)} arguments")
        variable = _bare_identifier(arg_trees[0])
        if variable is None:
            raise UnsupportedError(f"{kind}() needs a variable name as its first argument")
        target = self.lower(target_tree)
        self.count += 1
        local = f"v{self.count}_{variable}"
        self.scopes.append({variable: local})
        try:
            body = self.lower(arg_trees[1])
        finally:
            self.scopes.pop()
        return Macro(kind, target, local, body, hard=True, escape=True)

    def _ident(self, tree: Tree) -> Node:
        name = str(tree.children[0])
        for scope in reversed(self.scopes):
            if name in scope:
                return Local(scope[name])
        if name in TYPE_NAMES:
            return TypeName(name, celeval.base_functions[name])
        if name in RESERVED:
            raise UnsupportedError(f"'{name}' names a function or type in cel-python")
        return Var(name)

    def _list_lit(self, tree: Tree) -> Node:
        children = self._trees(tree)
        items = tuple(self.lower(c) for c in self._trees(children[0])) if children else ()
        return ListLit(items, **_flags(*items))

    def _literal(self, tree: Tree) -> Node:
        token = tree.children[0]
        assert isinstance(token, lark.Token)
        try:
            return Lit(from_cel(_literal_value(token)))
        except ValueError as exc:
            return Lit(None, error=str(exc.args[0]) if exc.args else "invalid literal")
        except Exception as exc:
            raise UnsupportedError(f"literal {token!s}: {exc}") from None


def _literal_value(token: lark.Token) -> Any:
    text = token.value
    kind = token.type
    if kind == "FLOAT_LIT":
        return celtypes.DoubleType(text)
    if kind == "INT_LIT":
        return celtypes.IntType(text)
    if kind == "UINT_LIT":
        return celtypes.UintType(text[:-1])
    if kind in ("MLSTRING_LIT", "STRING_LIT"):
        return celeval.celstr(token)
    if kind == "BYTES_LIT":
        return celeval.celbytes(token)
    if kind == "BOOL_LIT":
        return celtypes.BoolType(text.lower() == "true")
    if kind == "NULL_LIT":
        return None
    raise UnsupportedError(f"literal of type {kind}")


def _bare_identifier(tree: Tree) -> str | None:
    """The name when `tree` is nothing but one identifier (possibly parenthesized)."""
    while True:
        children = [c for c in tree.children if isinstance(c, lark.Tree)]
        if tree.data == "ident":
            return str(tree.children[0])
        if len(children) != 1 or len(tree.children) != 1:
            return None
        tree = children[0]


def lower(tree: Tree) -> Node:
    """The fast-path form of a parsed expression, or UnsupportedError."""
    return Lowering().lower(tree)
