"""Compile a checked syntax tree into one Python function.

The function takes the variables (`A`, a dict) and a cost budget (`C`, a
one-element list) and returns the value or raises an evaluation error. Plain
sub-expressions become nested Python expressions with the common well-typed
case inline (`x == "Component"` is a type test and a string comparison); the rest
calls operators.py and the library. `&&`, `||`, `?:`, comprehensions and
optional entries become statements, so errors are caught only where CEL absorbs
them, and Python's `try` costs nothing when nothing fails.

Errors are exceptions: CelError from the runtime, and KeyError from an inline map
read (CEL's "no such key"). The *traced* form of the same function evaluates
every node in its own statement and notes which node an error came from; it runs
only to explain an error, and when an expression nests too deeply for the inline
form.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from scorecards.cel import operators, syntax
from scorecards.cel.errors import MAX_VALUE_SIZE, BudgetExceededError, CelError, no_overload
from scorecards.cel.library import FUNCTIONS
from scorecards.cel.library import standard as std
from scorecards.cel.values import NONE, TYPES, Optional, Uint

ERRORS = (CelError, KeyError)
Program = Callable[[dict[str, Any], list[float]], Any]

_RELATIONS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ARITHMETIC = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "modulo"}
_PLAIN = (str, int, float, bool, type(None))
# Blocks (while/try/for/if) a generated function may nest before a node moves into a
# function of its own; Python allows 20.
_MAX_BLOCKS = 12
# Inline string tests: CEL name -> (Python expression over _a and _b, helper).
_STRING_TESTS = {
    "contains": ("{b} in {a}", "contains"),
    "startsWith": ("{a}.startswith({b})", "starts_with"),
    "endsWith": ("{a}.endswith({b})", "ends_with"),
}


def note(error: BaseException, node: int) -> BaseException:
    """Record the innermost node an error came from (the first one to see it)."""
    if getattr(error, "cel_node", None) is None:
        with suppress(AttributeError):
            error.cel_node = node  # type: ignore[attr-defined]
    return error


def cost_exceeded() -> None:
    raise BudgetExceededError(
        "evaluation cost limit exceeded: more than 100,000 comprehension steps"
    )


def time_exceeded() -> None:
    raise BudgetExceededError("evaluation time budget exceeded")


def undeclared(name: str) -> None:
    raise CelError(f"undeclared reference to '{name}'")


def unsupported_call(message: str) -> None:
    raise CelError(message)


def from_optional(value: Any) -> Optional:
    return operators.optional_entry(value)


_NAMESPACE: dict[str, Any] = {
    "ERRORS": ERRORS,
    "CelError": CelError,
    "note": note,
    "cost_exceeded": cost_exceeded,
    "time_exceeded": time_exceeded,
    "monotonic": time.monotonic,
    "undeclared": undeclared,
    "unsupported_call": unsupported_call,
    "no_overload": no_overload,
    "Optional": Optional,
    "NONE": NONE,
    "NUMBERS": frozenset({int, float, Uint}),
    "from_optional": from_optional,
    **{name: getattr(operators, name) for name in operators.__all__},
    "size": std.size,
    "contains": std.contains,
    "starts_with": std.starts_with,
    "ends_with": std.ends_with,
    "matches": std.matches,
}


class Generator:
    def __init__(self, source: str, traced: bool) -> None:
        self.source = source
        self.traced = traced
        self.lines: list[str] = []
        self.indent = 1
        self.blocks = 0
        self.count = 0
        self.constants: dict[str, Any] = {}
        self.scopes: list[dict[str, str]] = []
        self.nodes: list[syntax.Node] = []  # by the number `note` records

    # ------------------------------------------------------------------ plumbing
    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.indent += 1
        self.blocks += 1
        try:
            yield
        finally:
            self.indent -= 1
            self.blocks -= 1

    def temp(self, stem: str = "t") -> str:
        self.count += 1
        return f"_{stem}{self.count}"

    def constant(self, value: Any) -> str:
        if type(value) in _PLAIN and not (type(value) is float and not math.isfinite(value)):
            text = repr(value)
            return f"({text})" if text.startswith("-") else text
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    def node_id(self, node: syntax.Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def settle(self, node: syntax.Node, expression: str) -> str:
        """In the traced form, evaluate `expression` in a statement that notes errors."""
        if not self.traced:
            return expression
        result = self.temp("n")
        with self.block("try:"):
            self.line(f"{result} = {expression}")
        with self.block("except ERRORS as _e:"):
            self.line(f"raise note(_e, {self.node_id(node)})")
        return result

    # ------------------------------------------------------------------ dispatch
    def emit(self, node: syntax.Node) -> str:
        if self.blocks >= _MAX_BLOCKS and _needs_blocks(node):
            return self.hoist(node)
        method: Callable[[Any], str] = getattr(self, f"emit_{type(node).__name__.lower()}")
        return method(node)

    def hoist(self, node: syntax.Node) -> str:
        """Evaluate `node` in a nested function, to keep Python's block nesting bounded."""
        name = self.temp("f")
        saved = self.blocks
        with self.block(f"def {name}():"):
            self.blocks = 0
            value = self.emit(node)
            self.line(f"return {value}")
        self.blocks = saved
        return f"{name}()"

    def emit_literal(self, node: syntax.Literal) -> str:
        return self.constant(node.value)

    def emit_ident(self, node: syntax.Ident) -> str:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        name = repr(node.name)
        if node.name in TYPES:
            return f"(A[{name}] if {name} in A else {self.constant(TYPES[node.name])})"
        return self.settle(node, f"A[{name}]")

    def emit_select(self, node: syntax.Select) -> str:
        chain = self.optional_chain(node)
        if chain is not None:
            return f"to_optional({chain})"
        operand = self.emit(node.operand)
        field = repr(node.field)
        held = self.temp()
        if node.optional:
            return self.settle(node, f"optional_select({operand}, {field})")
        return self.settle(
            node,
            f"({held}[{field}] if type({held} := {operand}) is dict else select({held}, {field}))",
        )

    def optional_chain(self, node: syntax.Node) -> str | None:
        """For `a.?b.?c` (and `[?"k"]`): an expression giving the value, or ABSENT when a
        link is missing, so a chain read with orValue/hasValue makes no Optional objects.

        None when `node` is not such a link (or in the traced form, which keeps to the
        general path).
        """
        if self.traced:
            return None
        if isinstance(node, syntax.Select) and node.optional:
            inner = self.optional_chain(node.operand) or self.emit(node.operand)
            held, field = self.temp(), repr(node.field)
            return (
                f"({held}.get({field}, ABSENT) if type({held} := {inner}) is dict "
                f"else maybe_select({held}, {field}))"
            )
        if (
            isinstance(node, syntax.Index)
            and node.optional
            and isinstance(node.index, syntax.Literal)
        ):
            inner = self.optional_chain(node.operand) or self.emit(node.operand)
            return f"maybe_index({inner}, {self.constant(node.index.value)})"
        return None

    def emit_chain_read(self, node: syntax.Call) -> str | None:
        """`chain.orValue(x)`, `chain.hasValue()` and `chain.value()` on an optional chain."""
        if node.target is None or node.function not in ("orValue", "hasValue", "value"):
            return None
        if len(node.args) != (1 if node.function == "orValue" else 0):
            return None
        chain = self.optional_chain(node.target)
        if chain is None:
            return None
        if node.function == "hasValue":
            return f"({chain} is not ABSENT)"
        held = self.temp()
        if node.function == "value":
            return f"({held} if ({held} := {chain}) is not ABSENT else none_dereference())"
        default = node.args[0]
        if isinstance(default, syntax.Literal):
            return (
                f"({held} if ({held} := {chain}) is not ABSENT else {self.constant(default.value)})"
            )
        self.line(f"{held} = {chain}")
        with self.block(f"if {held} is ABSENT:"):
            self.line(f"{held} = {self.emit(default)}")  # evaluated only when needed
        return held

    def emit_index(self, node: syntax.Index) -> str:
        chain = self.optional_chain(node)
        if chain is not None:
            return f"to_optional({chain})"
        container, key = self.operands([node.operand, node.index])
        if node.optional:
            return self.settle(node, f"optional_index({container}, {key})")
        if isinstance(node.index, syntax.Literal) and type(node.index.value) is str:
            held = self.temp()
            return self.settle(
                node,
                f"({held}[{key}] if type({held} := {container}) is dict else index({held}, {key}))",
            )
        return self.settle(node, f"index({container}, {key})")

    def emit_has(self, node: syntax.Has) -> str:
        operand = self.emit(node.operand)
        field = repr(node.field)
        held = self.temp()
        return self.settle(
            node,
            f"(({field} in {held}) if type({held} := {operand}) is dict else has_field({held}, {field}))",
        )

    def emit_unary(self, node: syntax.Unary) -> str:
        operand = self.emit(node.operand)
        if node.op == "-":
            return self.settle(node, f"negate({operand})")
        held = self.temp()
        return self.settle(
            node,
            f"(False if ({held} := {operand}) is True else True if {held} is False "
            f"else logical_not({held}))",
        )

    def emit_binary(self, node: syntax.Binary) -> str:
        right_literal = _literal(node.right)
        if node.op == "in" and _strings(node.right) is not None:
            strings = _strings(node.right)
            assert strings is not None
            item = self.emit(node.left)
            held = self.temp()
            return self.settle(
                node,
                f"(({held} in {self.constant(frozenset(strings))}) if type({held} := {item}) is str "
                f"else contained({held}, {self.constant(list(strings))}))",
            )
        left, right = self.operands([node.left, node.right])
        if node.op == "in" and _literal_string(node.left):
            # `"key" in map`: a str key is in a JSON map (or a str in a list) as in Python.
            held = self.temp()
            return self.settle(
                node,
                f"(({left} in {held}) if type({held} := {right}) is dict or type({held}) is list "
                f"else contained({left}, {held}))",
            )
        if node.op in _RELATIONS and right_literal is not None:
            fast = _fast_relation(node.op, right_literal)
            if fast is not None:
                held = self.temp()
                test = fast.format(held=held)
                return self.settle(
                    node,
                    f"(({held} {node.op} {right}) if {test.replace('@', f'({held} := {left})', 1)} "
                    f"else {_RELATIONS[node.op]}({held}, {right}))",
                )
        if node.op in _RELATIONS:
            return self.settle(node, f"{_RELATIONS[node.op]}({left}, {right})")
        if node.op == "+":
            return self.settle(node, _string_join(self, node, left, right))
        if node.op == "in":
            return self.settle(node, f"contained({left}, {right})")
        return self.settle(node, f"{_ARITHMETIC[node.op]}({left}, {right})")

    def operands(self, nodes: list[syntax.Node]) -> list[str]:
        """Expressions for strict operands, evaluated left to right.

        When a later operand needs statements, earlier operands are evaluated into
        temporaries first, so evaluation order stays left to right.
        """
        expressions: list[str] = []
        for node in nodes:
            mark = len(self.lines)
            expression = self.emit(node)
            if len(self.lines) > mark and expressions:
                held = [self.temp() for _ in expressions]
                inserted = [
                    "    " * self.indent + f"{h} = {e}"
                    for h, e in zip(held, expressions, strict=True)
                ]
                self.lines[mark:mark] = inserted
                expressions = held
            expressions.append(expression)
        return expressions

    # ------------------------------------------------------------------ calls
    def emit_call(self, node: syntax.Call) -> str:
        function = FUNCTIONS.get(node.function)
        args_nodes = [node.target, *node.args] if node.target is not None else list(node.args)
        member = node.target is not None
        if function is None or not any(
            o.accepts(len(args_nodes), member) for o in function.overloads
        ):
            args = self.operands(args_nodes)
            message = _call_problem(node, function is not None)
            for arg in args:
                self.line(f"_ = {arg}")  # arguments are evaluated first: their errors come first
            return self.settle(node, f"unsupported_call({message!r})")
        chain_read = self.emit_chain_read(node)
        if chain_read is not None:
            return chain_read
        if _is_alternative(node):
            return self.emit_alternative(node, function.implementation)
        args = self.operands(args_nodes)
        if node.function == "size" and len(args) == 1:
            held = self.temp()
            return self.settle(
                node,
                f"(len({held}) if type({held} := {args[0]}) is str or type({held}) is list "
                f"or type({held}) is dict else size({held}))",
            )
        if node.function in _STRING_TESTS and member and _literal_string(node.args[0]):
            test, helper = _STRING_TESTS[node.function]
            held = self.temp()
            fast = test.format(a=held, b=args[1])
            return self.settle(
                node,
                f"(({fast}) if type({held} := {args[0]}) is str else {helper}({held}, {args[1]}))",
            )
        if node.function == "matches" and len(args) == 2 and _literal_string(node.args[-1]):
            # An invalid pattern fails now, not per entity; a valid one is compiled once.
            pattern = node.args[-1].value  # type: ignore[attr-defined]
            matcher = self.constant(std.matcher(pattern))
            # The matcher's body inline (a call less per entity): RE2 over the UTF-8 text.
            run = self.constant(std.compile_pattern(pattern).Match)
            anchor = self.constant(std.UNANCHORED)
            text, encoded = self.temp(), self.temp()
            return self.settle(
                node,
                f"(({run}({anchor}, ({encoded} := {text}.encode('utf-8', 'surrogatepass')), 0, "
                f"len({encoded}))[0][0] >= 0) if type({text} := {args[0]}) is str "
                f"else {matcher}({text}))",
            )
        implementation = self.constant(function.implementation)
        return self.settle(node, f"{implementation}({', '.join(args)})")

    def emit_alternative(self, node: syntax.Call, implementation: Callable[..., Any]) -> str:
        """`opt.or(alt)` and `opt.orValue(alt)` evaluate `alt` only when `opt` is optional.none()."""
        assert node.target is not None
        held, result = self.temp(), self.temp("r")
        self.line(f"{held} = {self.emit(node.target)}")
        with self.block(f"if type({held}) is Optional and {held}.present:"):
            self.line(f"{result} = {held if node.function == 'or' else f'{held}.value'}")
        with self.block("else:"):
            alternative = self.emit(node.args[0])
            call = f"{self.constant(implementation)}({held}, {alternative})"
            self.line(f"{result} = {self.settle(node, call)}")
        return result

    # ------------------------------------------------------------------ literals
    def emit_listexpr(self, node: syntax.ListExpr) -> str:
        if not any(node.optional):
            if all(isinstance(i, syntax.Literal) for i in node.items):
                return self.constant([i.value for i in node.items])  # type: ignore[attr-defined]
            items = self.operands(list(node.items))
            return self.settle(node, f"[{', '.join(items)}]")
        result = self.temp("l")
        self.line(f"{result} = []")
        for item, optional in zip(node.items, node.optional, strict=True):
            value = self.emit(item)
            if optional:
                held = self.temp()
                self.line(f"{held} = {self.settle(node, f'from_optional({value})')}")
                with self.block(f"if {held}.present:"):
                    self.line(f"{result}.append({held}.value)")
            else:
                self.line(f"{result}.append({value})")
        return result

    def emit_mapexpr(self, node: syntax.MapExpr) -> str:
        entries = self.temp("e")
        self.line(f"{entries} = []")
        for entry in node.entries:
            key, value = self.operands([entry.key, entry.value])
            if entry.optional:
                held = self.temp()
                self.line(f"{held} = {self.settle(entry, f'from_optional({value})')}")
                with self.block(f"if {held}.present:"):
                    self.line(f"{entries}.append(({key}, {held}.value))")
            else:
                self.line(f"{entries}.append(({key}, {value}))")
        return self.settle(node, f"make_map({entries})")

    def emit_structexpr(self, node: syntax.StructExpr) -> str:
        raise UnsupportedSyntaxError(
            f"message construction ({node.type_name}{{...}}) needs protobuf types, "
            "which scorecards does not have: build a map instead, e.g. {'field': value}"
        )

    # ------------------------------------------------------------------ &&, ||, ?:
    def emit_logical(self, node: syntax.Logical) -> str:
        result = self.temp("r")
        stop, rest = ("False", "and_rest") if node.op == "&&" else ("True", "or_rest")
        names: list[str] = []
        with self.block("while True:"):
            for operand in node.operands:
                name = self.temp("v")
                names.append(name)
                self.capture(operand, name)
                with self.block(f"if {name} is {stop}:"):
                    self.line(f"{result} = {stop}")
                    self.line("break")
            other = "True" if stop == "False" else "False"
            every = " and ".join(f"{n} is {other}" for n in names)
            combined = self.settle(node, f"{rest}([{', '.join(names)}])")
            self.line(f"{result} = {other} if {every} else {combined}")
            self.line("break")
        return result

    def capture(self, node: syntax.Node, target: str) -> None:
        """`target` = the node's value, or the error it raised."""
        with self.block("try:"):
            value = self.emit(node)
            self.line(f"{target} = {value}")
        with self.block("except ERRORS as _e:"):
            self.line(f"{target} = _e")

    def emit_conditional(self, node: syntax.Conditional) -> str:
        result = self.temp("r")
        test = self.emit(node.test)
        held = self.temp("q")
        self.line(f"{held} = {test}")
        with self.block(f"if {held} is True:"):
            self.line(f"{result} = {self.emit(node.then)}")
        with self.block(f"elif {held} is False:"):
            self.line(f"{result} = {self.emit(node.otherwise)}")
        with self.block("else:"):
            self.line(self.settle(node, f"bad_condition({held})"))
        return result

    # ------------------------------------------------------------------ macros
    @contextmanager
    def scope(self, names: dict[str, str]) -> Iterator[None]:
        self.scopes.append(names)
        try:
            yield
        finally:
            self.scopes.pop()

    def emit_bind(self, node: syntax.Bind) -> str:
        value = self.emit(node.value)
        held = self.temp(f"b_{node.name}_")
        self.line(f"{held} = {value}")
        with self.scope({node.name: held}):
            return self.emit(node.body)

    def emit_optionalmap(self, node: syntax.OptionalMap) -> str:
        target = self.emit(node.target)
        held, result, variable = self.temp(), self.temp("r"), self.temp(f"x_{node.variable}_")
        kind = "optFlatMap" if node.flat else "optMap"
        self.line(f"{held} = {target}")
        with self.block(f"if type({held}) is not Optional:"):
            self.line(f"raise note(no_overload({kind!r}, {held}), {self.node_id(node)})")
        with self.block(f"if not {held}.present:"):
            self.line(f"{result} = NONE")
        with self.block("else:"):
            self.line(f"{variable} = {held}.value")
            with self.scope({node.variable: variable}):
                value = self.emit(node.body)
            if node.flat:
                self.line(f"{result} = {self.settle(node, f'from_optional({value})')}")
            else:
                self.line(f"{result} = Optional({value})")
        return result

    def emit_comprehension(self, node: syntax.Comprehension) -> str:
        kind = node.kind
        container = self.temp("s")
        self.line(f"{container} = {self.emit(node.target)}")
        items = self.temp("i")
        self.line(f"{items} = {self.settle(node, f'iterable({container}, {kind!r})')}")
        self.line(f"C[0] -= len({items}) + 1")
        with self.block("if C[0] < 0:"):
            self.line("cost_exceeded()")
        first = self.temp(f"x_{node.variables[0]}_")
        names = {node.variables[0]: first}
        header = f"for {first} in {items}:"
        if len(node.variables) == 2:
            second = self.temp(f"y_{node.variables[1]}_")
            names[node.variables[1]] = second
            header = f"for {first}, {second} in pairs({container}, {items}):"
        result = self.temp("r")
        with self.scope(names):
            getattr(self, f"loop_{kind}")(node, header, first, result)
        return result

    def loop_budget(self) -> None:
        """First in each loop body: a rule cannot outrun its entity's time budget."""
        with self.block("if monotonic() > C[1]:"):
            self.line("time_exceeded()")

    def _quantifier(self, node: syntax.Comprehension, header: str, first: str, result: str) -> None:
        universal = node.kind == "all"
        decided, undecided = ("False", "True") if universal else ("True", "False")
        error = self.temp("err")
        self.line(f"{result} = {undecided}")
        self.line(f"{error} = None")
        value = self.temp("p")
        with self.block(header):
            self.loop_budget()
            with self.block("try:"):
                body = self.emit(node.body[0])
                self.line(f"{value} = {body}")
            with self.block("except ERRORS as _e:"):
                self.line(f"{error} = {error} or _e")
                self.line("continue")
            with self.block(f"if {value} is {decided}:"):
                self.line(f"{result} = {decided}")
                self.line("break")
            with self.block(f"if {value} is not {undecided} and {error} is None:"):
                function = "_&&_" if universal else "_||_"
                self.line(f"{error} = no_overload({function!r}, {value})")
        with self.block(f"if {result} is {undecided} and {error} is not None:"):
            self.line(f"raise {error}")

    loop_all = _quantifier
    loop_exists = _quantifier

    def loop_exists_one(
        self, node: syntax.Comprehension, header: str, first: str, result: str
    ) -> None:
        count = self.temp("c")
        self.line(f"{count} = 0")
        with self.block(header):
            self.loop_budget()
            value = self.temp("p")
            self.line(f"{value} = {self.emit(node.body[0])}")
            with self.block(f"if {value} is True:"):
                self.line(f"{count} += 1")
            with self.block(f"elif {value} is not False:"):
                self.line(f"raise no_overload('exists_one', {value})")
        self.line(f"{result} = {count} == 1")

    def _collect(
        self, node: syntax.Comprehension, header: str, result: str, add: Callable[[str], str]
    ) -> None:
        self.line(f"{result} = []")
        with self.block(header):
            self.loop_budget()
            if len(node.body) == 2:
                keep = self.temp("k")
                self.line(f"{keep} = {self.emit(node.body[0])}")
                with self.block(f"if {keep} is False:"):
                    self.line("continue")
                with self.block(f"if {keep} is not True:"):
                    self.line(f"raise no_overload('filter', {keep})")
            self.line(f"{result}.append({add(self.emit(node.body[-1]))})")

    def loop_map(self, node: syntax.Comprehension, header: str, first: str, result: str) -> None:
        self._collect(node, header, result, lambda value: value)

    loop_transformList = loop_map  # noqa: N815

    def loop_filter(self, node: syntax.Comprehension, header: str, first: str, result: str) -> None:
        self.line(f"{result} = []")
        keep = self.temp("k")
        with self.block(header):
            self.loop_budget()
            self.line(f"{keep} = {self.emit(node.body[0])}")
            with self.block(f"if {keep} is True:"):
                self.line(f"{result}.append({first})")
            with self.block(f"elif {keep} is not False:"):
                self.line(f"raise no_overload('filter', {keep})")

    def loop_transformMap(  # noqa: N802
        self, node: syntax.Comprehension, header: str, first: str, result: str
    ) -> None:
        entries = self.temp("e")
        self._collect(node, header, entries, lambda value: f"({first}, {value})")
        self.line(f"{result} = make_map({entries})")

    def loop_transformMapEntry(  # noqa: N802
        self, node: syntax.Comprehension, header: str, first: str, result: str
    ) -> None:
        entries = self.temp("e")
        self._collect(node, header, entries, lambda value: value)
        self.line(f"{result} = merge_entries({entries})")

    def loop_sortBy(self, node: syntax.Comprehension, header: str, first: str, result: str) -> None:  # noqa: N802
        keys, items = self.temp("k"), header.split(" in ", 1)[1].rstrip(":")
        self.line(f"{keys} = []")
        with self.block(header):
            self.loop_budget()
            self.line(f"{keys}.append({self.emit(node.body[0])})")
        self.line(f"{result} = sort_by({items}, {keys})")


class UnsupportedSyntaxError(Exception):
    """Syntax CEL has but scorecards cannot run (protobuf message construction)."""


def _needs_blocks(node: syntax.Node) -> bool:
    return (
        isinstance(
            node,
            syntax.Logical
            | syntax.Conditional
            | syntax.Comprehension
            | syntax.OptionalMap
            | syntax.MapExpr,
        )
        or (isinstance(node, syntax.ListExpr) and any(node.optional))
        or (isinstance(node, syntax.Call) and _is_alternative(node))
    )


def _is_alternative(node: syntax.Call) -> bool:
    """`x.or(y)` or `x.orValue(y)`, whose argument is evaluated only when needed."""
    return node.function in ("or", "orValue") and node.target is not None and len(node.args) == 1


def _string_join(generator: Generator, node: syntax.Binary, left: str, right: str) -> str:
    """`a + b` with the strings messages join inline; the rest (and too long) in add()."""
    a, b = generator.temp(), generator.temp()
    if _literal_string(node.left):
        room = MAX_VALUE_SIZE - len(node.left.value)  # type: ignore[attr-defined]
        return f"(({left} + {b}) if type({b} := {right}) is str and len({b}) <= {room} else add({left}, {b}))"
    if _literal_string(node.right):
        room = MAX_VALUE_SIZE - len(node.right.value)  # type: ignore[attr-defined]
        return f"(({a} + {right}) if type({a} := {left}) is str and len({a}) <= {room} else add({a}, {right}))"
    return (
        f"(({a} + {b}) if type({a} := {left}) is type({b} := {right}) is str "
        f"and len({a}) + len({b}) <= {MAX_VALUE_SIZE} else add({a}, {b}))"
    )


def _literal_string(node: syntax.Node) -> bool:
    return isinstance(node, syntax.Literal) and type(node.value) is str


def _literal(node: syntax.Node) -> Any:
    if isinstance(node, syntax.Literal) and type(node.value) in (str, int, float, bool):
        return node
    return None


def _fast_relation(op: str, literal: syntax.Literal) -> str | None:
    """The inline type test under which Python's own operator is CEL's."""
    kind = type(literal.value)
    if op in ("==", "!="):
        if kind is float and not math.isfinite(literal.value):
            return None
        return f"type(@) is {kind.__name__}"
    if kind is bool:
        return None
    if kind is int and -(2**53) <= literal.value <= 2**53:
        # Python compares an int and a double exactly; CEL converts the int to a
        # double. The two agree when the int is exactly a double, as this literal is.
        return "type(@) in NUMBERS"
    if kind in (int, float):
        return f"type(@) is {kind.__name__}"
    return "type(@) is str"


def _strings(node: syntax.Node) -> tuple[str, ...] | None:
    if not isinstance(node, syntax.ListExpr) or any(node.optional) or not node.items:
        return None
    values = []
    for item in node.items:
        if not (isinstance(item, syntax.Literal) and type(item.value) is str):
            return None
        values.append(item.value)
    return tuple(values)


def _call_problem(node: syntax.Call, known: bool) -> str:
    if not known:
        return f"undeclared reference to '{node.function}'"
    style = "receiver" if node.target is not None else "global"
    count = len(node.args)
    return f"found no matching overload for '{node.function}' ({style} call with {count} arguments)"


def generate(
    tree: syntax.Node, source: str, traced: bool
) -> tuple[str, dict[str, Any], list[syntax.Node]]:
    """Python source of `def program(A, C)`, its constants, and the nodes errors may name."""
    generator = Generator(source, traced)
    value = generator.emit(tree)
    body = [*generator.lines, f"    return {value}"]
    return "def program(A, C):\n" + "\n".join(body) + "\n", generator.constants, generator.nodes


def build(
    tree: syntax.Node, source: str, traced: bool = False
) -> tuple[Program, str, list[syntax.Node]]:
    """Compile the tree into a Python function; also its source and the nodes it may name."""
    text, constants, nodes = generate(tree, source, traced)
    namespace = {**_NAMESPACE, **constants}
    code = compile(text, "<cel>", "exec")
    exec(code, namespace)
    program: Program = namespace["program"]
    return program, text, nodes
