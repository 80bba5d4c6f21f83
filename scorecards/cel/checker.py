"""Static checking: what can be known wrong about an expression before any entity is read.

Every identifier must resolve (variables, macro variables, type names); every
function must exist with that receiver style and arity, and have an overload for
argument types known statically; a field of a declared record (the `facts`
variable, a fact schema) must exist. The inferred result type lets the caller
reject a rule that can only return a non-bool. Entity fields are `dyn`: nothing
about them is reported, since catalog data has no fixed shape.

Findings carry the span of the sub-expression, so the caller can print a caret.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scorecards.cel import syntax as s
from scorecards.cel import types as t
from scorecards.cel.library import FUNCTIONS
from scorecards.cel.library.standard import pattern_problem
from scorecards.cel.types import Type
from scorecards.cel.values import TYPES, Uint


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    message: str
    hint: str | None = None


def check(tree: s.Node, variables: Mapping[str, Type]) -> tuple[Type, list[Finding]]:
    """The expression's static type and every problem found, in source order."""
    checker = _Checker(variables)
    kind = checker.visit(tree, {})
    return kind, sorted(checker.findings, key=lambda f: (f.start, f.end))


def suggest(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1)
    return f"did you mean '{close[0]}'?" if close else None


_LITERAL_TYPES = {
    type(None): t.NULL,
    bool: t.BOOL,
    int: t.INT,
    Uint: t.UINT,
    float: t.DOUBLE,
    str: t.STRING,
    bytes: t.BYTES,
}
_ARITHMETIC = {
    "+": {
        ("int", "int"): t.INT,
        ("uint", "uint"): t.UINT,
        ("double", "double"): t.DOUBLE,
        ("string", "string"): t.STRING,
        ("bytes", "bytes"): t.BYTES,
        ("list", "list"): t.LIST_DYN,
        ("timestamp", "duration"): t.TIMESTAMP,
        ("duration", "timestamp"): t.TIMESTAMP,
        ("duration", "duration"): t.DURATION,
    },
    "-": {
        ("int", "int"): t.INT,
        ("uint", "uint"): t.UINT,
        ("double", "double"): t.DOUBLE,
        ("timestamp", "timestamp"): t.DURATION,
        ("timestamp", "duration"): t.TIMESTAMP,
        ("duration", "duration"): t.DURATION,
    },
    "*": {("int", "int"): t.INT, ("uint", "uint"): t.UINT, ("double", "double"): t.DOUBLE},
    "/": {("int", "int"): t.INT, ("uint", "uint"): t.UINT, ("double", "double"): t.DOUBLE},
    "%": {("int", "int"): t.INT, ("uint", "uint"): t.UINT},
}
_ORDERED = frozenset({"int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration"})
_NUMERIC = frozenset({"int", "uint", "double"})
_FUNCTION_IDS = {"+": "_+_", "-": "_-_", "*": "_*_", "/": "_/_", "%": "_%_"}


class _Checker:
    def __init__(self, variables: Mapping[str, Type]) -> None:
        self.variables = variables
        self.findings: list[Finding] = []

    def report(self, node: s.Node, message: str, hint: str | None = None) -> None:
        if any(f.message == message for f in self.findings):
            return  # one mistake, one finding, however often it is repeated
        self.findings.append(Finding(node.position, node.end, message, hint))

    def visit(self, node: s.Node, scope: dict[str, Type]) -> Type:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        kind: Type = method(node, scope)
        return kind

    # ------------------------------------------------------------------ leaves
    def _literal(self, node: s.Literal, scope: dict[str, Type]) -> Type:
        return _LITERAL_TYPES[type(node.value)]

    def _ident(self, node: s.Ident, scope: dict[str, Type]) -> Type:
        if node.name in scope:
            return scope[node.name]
        if node.name in self.variables:
            return self.variables[node.name]
        if node.name in TYPES:
            return t.TYPE
        known = [*scope, *self.variables]
        self.report(
            node,
            f"undeclared reference to '{node.name}'",
            suggest(node.name, known) or f"the variables are {', '.join(sorted(known))}",
        )
        return t.DYN

    # ------------------------------------------------------------------ members
    def _select(self, node: s.Select, scope: dict[str, Type]) -> Type:
        operand = self.visit(node.operand, scope)
        # Selecting on an optional value chains, as `.?` does.
        optional = node.optional or operand.name == "optional"
        if operand.name == "optional":
            operand = operand.params[0]
        kind = self.field_type(node, operand, node.field)
        return t.optional_of(kind) if optional else kind

    def field_type(self, node: s.Node, operand: Type, field: str) -> Type:
        if operand.fields is not None:
            found = operand.field(field)
            if found is None:
                self.report_unknown_field(node, operand, field)
                return t.DYN
            return found
        if t.is_dyn(operand):
            return t.DYN
        if operand.name == "map":
            return operand.params[1]
        self.report(node, f"type '{operand}' does not support field selection")
        return t.DYN

    def report_unknown_field(self, node: s.Node, record: Type, field: str) -> None:
        names = [name for name, _ in record.fields or ()]
        if record.name == "facts":
            self.report(
                node,
                f"unknown fact source '{field}'",
                suggest(field, names)
                or "declare the source under `sources:` (type push for pushed facts), with its schema",
            )
        else:
            self.report(
                node,
                f"source '{record.name}' has no fact '{field}' in its schema",
                suggest(field, names) or f"its facts are {', '.join(names)}",
            )

    def _index(self, node: s.Index, scope: dict[str, Type]) -> Type:
        operand = self.visit(node.operand, scope)
        key = self.visit(node.index, scope)
        optional = node.optional or operand.name == "optional"
        if operand.name == "optional":
            operand = operand.params[0]
        if (
            operand.fields is not None
            and isinstance(node.index, s.Literal)
            and type(node.index.value) is str
        ):
            kind = self.field_type(node, operand, node.index.value)
        elif operand.name == "list":
            if not (t.is_dyn(key) or key.name in _NUMERIC):
                self.report(
                    node, f"found no matching overload for '_[_]' applied to '({operand}, {key})'"
                )
            kind = operand.params[0]
        elif operand.name == "map":
            kind = operand.params[1]
        elif t.is_dyn(operand) or operand.fields is not None:
            kind = t.DYN
        else:
            self.report(
                node, f"found no matching overload for '_[_]' applied to '({operand}, {key})'"
            )
            kind = t.DYN
        return t.optional_of(kind) if optional else kind

    def _has(self, node: s.Has, scope: dict[str, Type]) -> Type:
        operand = self.visit(node.operand, scope)
        if operand.name == "optional":
            operand = operand.params[0]
        if operand.fields is not None and operand.field(node.field) is None:
            self.report_unknown_field(node, operand, node.field)
        elif not (t.is_dyn(operand) or t.base(operand) == "map"):
            self.report(node, f"has() needs a map, got {operand}")
        return t.BOOL

    # ------------------------------------------------------------------ calls
    def _call(self, node: s.Call, scope: dict[str, Type]) -> Type:
        args = [
            self.visit(a, scope) for a in ([node.target] if node.target else []) + list(node.args)
        ]
        function = FUNCTIONS.get(node.function)
        if function is None:
            self.report(
                node,
                f"undeclared reference to function '{node.function}'",
                suggest(node.function, FUNCTIONS) or "see the function list in the README",
            )
            return t.DYN
        member = node.target is not None
        shaped = [o for o in function.overloads if o.accepts(len(args), member)]
        if not shaped:
            self.report(
                node,
                _arity_message(function.name, member, len(node.args)),
                f"call it as {function.styles()}",
            )
            return t.DYN
        fitting = [o for o in shaped if _fits(o.params, args, o.variadic)]
        if not fitting:
            kinds = ", ".join(str(a) for a in args)
            self.report(
                node, f"found no matching overload for '{node.function}' applied to '({kinds})'"
            )
            return t.DYN
        if node.function == "matches" and isinstance(node.args[-1], s.Literal):
            pattern = node.args[-1].value
            problem = pattern_problem(pattern) if type(pattern) is str else None
            if problem:
                self.report(
                    node.args[-1],
                    problem,
                    "matches() takes RE2 syntax: no backreferences or lookaround",
                )
        return t.join([o.result_for(args) for o in fitting])

    # ------------------------------------------------------------------ operators
    def _unary(self, node: s.Unary, scope: dict[str, Type]) -> Type:
        operand = self.visit(node.operand, scope)
        if node.op == "!":
            self.expect_bool(node.operand, operand, "!_")
            return t.BOOL
        if not (t.is_dyn(operand) or operand.name in ("int", "double", "duration")):
            self.report(node, f"found no matching overload for '-_' applied to '({operand})'")
        return operand if not t.is_dyn(operand) else t.DYN

    def _binary(self, node: s.Binary, scope: dict[str, Type]) -> Type:
        left = self.visit(node.left, scope)
        right = self.visit(node.right, scope)
        if node.op == "in":
            if right.fields is not None and isinstance(node.left, s.Literal):
                if type(node.left.value) is str and right.field(node.left.value) is None:
                    self.report_unknown_field(node.left, right, node.left.value)
            elif not (t.is_dyn(right) or t.base(right) in ("list", "map")):
                self.report(
                    node, f"found no matching overload for '@in' applied to '({left}, {right})'"
                )
            return t.BOOL
        if node.op in ("==", "!="):
            if _concrete(left) and _concrete(right) and not _comparable(left, right):
                self.report(
                    node,
                    f"comparing {left} with {right} is always {'false' if node.op == '==' else 'true'}",
                    "convert one side, e.g. string(x) or int(x)",
                )
            return t.BOOL
        if node.op in ("<", "<=", ">", ">="):
            if _concrete(left) and _concrete(right):
                same = t.base(left) == t.base(right) and t.base(left) in _ORDERED
                numeric = left.name in _NUMERIC and right.name in _NUMERIC
                if not (same or numeric):
                    self.report(
                        node,
                        f"found no matching overload for '_{node.op}_' applied to '({left}, {right})'",
                    )
            return t.BOOL
        table = _ARITHMETIC[node.op]
        if t.is_dyn(left) or t.is_dyn(right):
            return t.DYN
        result = table.get((t.base(left), t.base(right)))
        if result is None:
            hint = (
                "CEL does not mix int and double in arithmetic: convert one, e.g. double(x)"
                if {
                    left.name,
                    right.name,
                }
                <= _NUMERIC
                else None
            )
            self.report(
                node,
                f"found no matching overload for '{_FUNCTION_IDS[node.op]}' applied to '({left}, {right})'",
                hint,
            )
            return t.DYN
        return left if result == t.LIST_DYN and left == right else result

    def expect_bool(self, node: s.Node, kind: Type, function: str) -> None:
        if _concrete(kind) and kind != t.BOOL:
            self.report(node, f"found no matching overload for '{function}' applied to '({kind})'")

    def _logical(self, node: s.Logical, scope: dict[str, Type]) -> Type:
        function = "_&&_" if node.op == "&&" else "_||_"
        for operand in node.operands:
            self.expect_bool(operand, self.visit(operand, scope), function)
        return t.BOOL

    def _conditional(self, node: s.Conditional, scope: dict[str, Type]) -> Type:
        self.expect_bool(node.test, self.visit(node.test, scope), "_?_:_")
        return t.join([self.visit(node.then, scope), self.visit(node.otherwise, scope)])

    # ------------------------------------------------------------------ literals
    def _listexpr(self, node: s.ListExpr, scope: dict[str, Type]) -> Type:
        items = []
        for item, optional in zip(node.items, node.optional, strict=True):
            kind = self.visit(item, scope)
            items.append(kind.params[0] if optional and kind.name == "optional" else kind)
        return t.list_of(t.join(items))

    def _mapexpr(self, node: s.MapExpr, scope: dict[str, Type]) -> Type:
        keys, values = [], []
        for entry in node.entries:
            key = self.visit(entry.key, scope)
            if _concrete(key) and key.name not in ("string", "int", "uint", "bool"):
                self.report(entry.key, f"unsupported key type: {key}")
            keys.append(key)
            value = self.visit(entry.value, scope)
            values.append(value.params[0] if entry.optional and value.name == "optional" else value)
        return t.map_of(t.join(keys), t.join(values))

    def _mapentry(self, node: s.MapEntry, scope: dict[str, Type]) -> Type:
        return t.DYN

    def _structexpr(self, node: s.StructExpr, scope: dict[str, Type]) -> Type:
        return t.DYN  # compile_expression reports it

    # ------------------------------------------------------------------ macros
    def _comprehension(self, node: s.Comprehension, scope: dict[str, Type]) -> Type:
        target = self.visit(node.target, scope)
        if target.fields is not None:
            element, value = t.STRING, t.DYN
        elif target.name == "list":
            element, value = target.params[0], target.params[0]
        elif target.name == "map":
            element, value = target.params[0], target.params[1]
        else:
            if _concrete(target):
                self.report(
                    node.target, f"{node.kind}() needs a list or map, but this is a {target}"
                )
            element = value = t.DYN
        if len(node.variables) == 2:
            first = t.INT if target.name == "list" else element
            inner = {**scope, node.variables[0]: first, node.variables[1]: value}
        else:
            inner = {**scope, node.variables[0]: element}
        body = [self.visit(b, inner) for b in node.body]
        if node.kind in ("all", "exists", "exists_one"):
            self.expect_bool(node.body[0], body[0], node.kind)
            return t.BOOL
        if len(node.body) == 2 and node.kind != "sortBy":
            self.expect_bool(node.body[0], body[0], "filter")
        if node.kind == "filter":
            self.expect_bool(node.body[0], body[0], "filter")
            return t.list_of(element)
        if node.kind in ("map", "transformList"):
            return t.list_of(body[-1])
        if node.kind == "transformMap":
            return t.map_of(element, body[-1])
        if node.kind == "sortBy":
            return target if target.name == "list" else t.LIST_DYN
        return t.MAP_DYN

    def _bind(self, node: s.Bind, scope: dict[str, Type]) -> Type:
        value = self.visit(node.value, scope)
        return self.visit(node.body, {**scope, node.name: value})

    def _optionalmap(self, node: s.OptionalMap, scope: dict[str, Type]) -> Type:
        target = self.visit(node.target, scope)
        inner = target.params[0] if target.name == "optional" else t.DYN
        if _concrete(target) and target.name != "optional":
            kind = "optFlatMap" if node.flat else "optMap"
            self.report(node.target, f"{kind}() needs an optional value, but this is a {target}")
        body = self.visit(node.body, {**scope, node.variable: inner})
        if node.flat:
            return body if body.name == "optional" else t.optional_of(t.DYN)
        return t.optional_of(body)


def _fits(params: tuple[Type, ...], args: list[Type], variadic: bool) -> bool:
    if variadic and len(args) > len(params):
        params = params + (params[-1],) * (len(args) - len(params))
    return all(t.assignable(p, a) for p, a in zip(params, args, strict=False))


def _concrete(kind: Type) -> bool:
    return not t.is_dyn(kind) and kind.name != "null"


def _comparable(left: Type, right: Type) -> bool:
    if left.name in _NUMERIC and right.name in _NUMERIC:
        return True
    return t.base(left) == t.base(right)


def _arity_message(name: str, member: bool, count: int) -> str:
    style = "as a method" if member else "as a function"
    return f"'{name}' cannot be called {style} with {count} argument{'s' if count != 1 else ''}"


def type_of_fact(kind: str) -> Type:
    return t.FACT_TYPES.get(kind, t.DYN)
