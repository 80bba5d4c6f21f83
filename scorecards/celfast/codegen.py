"""Python source for a lowered expression, compiled once into a function.

The generated function takes the variables (a dict) and returns the value or
raises (runtime.SOFT / HardError / EscapeError). Sub-expressions become Python
expressions; `&&`, `||`, `?:`, `has()`, macros and operands that must all be
evaluated become statements with temporaries, so errors are caught only where
CEL absorbs them and Python's try costs nothing on the happy path.

Evaluation order and completeness follow cel-python's interpreter, which
evaluates every operand of an operator (even `false && x` evaluates `x`): where
a skipped operand could raise an error nothing absorbs (`Node.hard`), it is
evaluated anyway; elsewhere skipping it cannot change the outcome.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celpy import celtypes
from celpy import evaluation as celeval

from scorecards.celfast import functions, ir, macros, runtime

_RELATIONS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ARITHMETIC = {"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}
# Functions with a fast helper, by CEL name and arity.
_FAST_CALLS = {
    ("size", 1): "size",
    ("contains", 2): "contains",
    ("startsWith", 2): "starts_with",
    ("endsWith", 2): "ends_with",
    ("matches", 2): "matches",
    ("double", 1): "to_double",
    ("type", 1): "type_of",
    ("timestamp", 1): "to_timestamp",
}
# cel-python's implementation of every function the fast path knows.
_CEL_FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: celeval.base_functions[name] for name in ir.FUNCTIONS
}
# Pure functions folded at compile time when every argument is a literal.
_FOLDABLE = frozenset({"duration", "timestamp", "int", "uint", "double", "string", "bool"})
_PLAIN_LITERALS = (str, int, float, bool, type(None))


class Generator:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.count = 0
        self.constants: dict[str, Any] = {}

    # ---------------------------------------------------------------- plumbing
    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def indented(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def temp(self, stem: str = "t") -> str:
        self.count += 1
        return f"_{stem}{self.count}"

    def constant(self, value: Any) -> str:
        if type(value) in _PLAIN_LITERALS and not (
            type(value) is float and (value != value or value in (float("inf"), float("-inf")))
        ):
            text = repr(value)
            return f"({text})" if text.startswith("-") else text
        name = f"K{len(self.constants)}"
        self.constants[name] = value
        return name

    # ---------------------------------------------------------------- dispatch
    def emit(self, node: ir.Node) -> str:
        method: Callable[[Any], str] = getattr(self, f"emit_{type(node).__name__.lower()}")
        return method(node)

    def emit_lit(self, node: ir.Lit) -> str:
        if node.error is not None:
            return f"fail({node.error!r})"
        return self.constant(node.value)

    def emit_var(self, node: ir.Var) -> str:
        return f"A[{node.name!r}]"

    def emit_typename(self, node: ir.TypeName) -> str:
        name = repr(node.name)
        return f"(A[{name}] if {name} in A else {self.constant(node.value)})"

    def emit_local(self, node: ir.Local) -> str:
        return node.name

    def emit_field(self, node: ir.Field) -> str:
        return f"{self.emit(node.target)}[{node.name!r}]"

    def emit_index(self, node: ir.Index) -> str:
        target, key = self.operands([node.target, node.key])
        return f"index({target}, {key})"

    def emit_unary(self, node: ir.Unary) -> str:
        value = self.emit(node.arg)
        if node.op == "-":
            return f"neg({value})"
        held = self.temp("n")
        return (
            f"(False if ({held} := {value}) is True else True if {held} is False "
            f"else logical_not({held}))"
        )

    def emit_binary(self, node: ir.Binary) -> str:
        if node.op == "in" and _string_list(node.right) is not None:
            strings = _string_list(node.right)
            item = self.emit(node.left)
            assert strings is not None
            return (
                f"contained_in_strings({item}, {self.constant(frozenset(strings))}, "
                f"{self.constant(list(strings))})"
            )
        left, right = self.operands([node.left, node.right])
        if node.op in ("==", "!=") and isinstance(node.right, ir.Lit) and node.right.error is None:
            kind = type(node.right.value)
            if kind in (str, int, bool):
                held = self.temp("c")
                test = "==" if node.op == "==" else "!="
                return (
                    f"(({held} {test} {right}) if type({held} := {left}) is {kind.__name__} "
                    f"else {_RELATIONS[node.op]}({held}, {right}))"
                )
        if node.op in _RELATIONS:
            return f"{_RELATIONS[node.op]}({left}, {right})"
        if node.op == "in":
            return f"contained({left}, {right})"
        return f"{_ARITHMETIC[node.op]}({left}, {right})"

    def emit_call(self, node: ir.Call) -> str:
        folded = self.fold(node)
        if folded is not None:
            return folded
        args = self.operands(list(node.args))
        fast = _FAST_CALLS.get((node.name, len(args)))
        if fast is not None:
            return f"{fast}({', '.join(args)})"
        function = self.constant(_CEL_FUNCTIONS[node.name])
        return f"call({', '.join([function, *args])})"

    def fold(self, node: ir.Call) -> str | None:
        literals = [a for a in node.args if isinstance(a, ir.Lit) and a.error is None]
        if node.name not in _FOLDABLE or len(literals) != len(node.args):
            return None
        try:
            value = functions.call(_CEL_FUNCTIONS[node.name], *(a.value for a in literals))
        except Exception:
            return None  # raise at run time, like the interpreter
        return self.constant(value)

    def emit_listlit(self, node: ir.ListLit) -> str:
        literals = [i for i in node.items if isinstance(i, ir.Lit) and i.error is None]
        if len(literals) == len(node.items):
            return self.constant([i.value for i in literals])
        return f"[{', '.join(self.operands(list(node.items)))}]"

    # ---------------------------------------------------------------- statements
    def capture(self, node: ir.Node, target: str) -> None:
        """`target` = the node's value, or the soft error it raised."""
        self.line("try:")
        with self.indented():
            value = self.emit(node)
            self.line(f"{target} = {value}")
        self.line("except SOFT as _e:")
        with self.indented():
            self.line(f"{target} = _e")

    def assign(self, node: ir.Node, target: str) -> None:
        value = self.emit(node)
        self.line(f"{target} = {value}")

    def operands(self, nodes: list[ir.Node]) -> list[str]:
        """Expressions for operands evaluated left to right, all of them when it matters."""
        if any(n.hard for n in nodes[1:]):
            names = [self.temp() for _ in nodes]
            for node, name in zip(nodes, names, strict=True):
                self.capture(node, name)
            self.line(f"raise_first({', '.join(names)})")
            return names
        exprs: list[str] = []
        for node in nodes:
            mark = len(self.lines)
            expr = self.emit(node)
            if len(self.lines) > mark and nodes[0].hard and exprs:
                # Keep the hard first operand first, ahead of this operand's statements.
                held = self.temp()
                self.lines.insert(mark, "    " * self.depth + f"{held} = {exprs[0]}")
                exprs[0] = held
            exprs.append(expr)
        return exprs

    def emit_logical(self, node: ir.Logical) -> str:
        result = self.temp("r")
        stop, rest = ("False", "and_rest") if node.op == "&&" else ("True", "or_rest")
        names = [self.temp("v") for _ in node.operands]
        may_stop = not any(n.hard for n in node.operands[1:])
        if may_stop:
            self.line("while True:")
            with self.indented():
                for operand, name in zip(node.operands, names, strict=True):
                    self.capture(operand, name)
                    self.line(f"if {name} is {stop}:")
                    with self.indented():
                        self.line(f"{result} = {stop}")
                        self.line("break")
                same = " and ".join(f"{n} is {_other(stop)}" for n in names)
                self.line(f"{result} = {_other(stop)} if {same} else {rest}([{', '.join(names)}])")
                self.line("break")
        else:
            for operand, name in zip(node.operands, names, strict=True):
                self.capture(operand, name)
            stopped = " or ".join(f"{n} is {stop}" for n in names)
            self.line(f"{result} = {stop} if {stopped} else {rest}([{', '.join(names)}])")
        return result

    def emit_cond(self, node: ir.Cond) -> str:
        result, test = self.temp("r"), self.temp("q")
        branches_hard = node.then.hard or node.other.hard
        if branches_hard:
            self.capture(node.test, test)
        else:
            self.assign(node.test, test)
        self.line(f"if {test} is True:")
        with self.indented():
            self.branch(node.then, result)
        self.line(f"elif {test} is False:")
        with self.indented():
            self.branch(node.other, result)
        self.line("else:")
        with self.indented():
            if branches_hard:
                # The interpreter still runs the branch the (non-bool) test's truth picks.
                self.line(f"if {test}:")
                with self.indented():
                    self.branch(node.then, "_")
                self.line("else:")
                with self.indented():
                    self.branch(node.other, "_")
            self.line(f"bad_condition({test})")
        return result

    def branch(self, node: ir.Node, target: str) -> None:
        """A `?:` branch: the interpreter catches TypeErrors escaping from it."""
        if not node.escape:
            self.assign(node, target)
            return
        self.line("try:")
        with self.indented():
            self.assign(node, target)
        self.line("except EscapeError as _x:")
        with self.indented():
            self.line("absorb_type_error(_x)")

    def emit_has(self, node: ir.Has) -> str:
        result = self.temp("h")
        self.line("try:")
        with self.indented():
            self.line(self.emit(node.arg))
            self.line(f"{result} = True")
        self.line("except SOFT:")
        with self.indented():
            self.line(f"{result} = False")
        return result

    def emit_macro(self, node: ir.Macro) -> str:
        target = self.emit(node.target)
        body = self.temp("m")
        self.line(f"def {body}({node.var}):")
        with self.indented():
            value = self.emit(node.body)
            self.line(f"return {value}")
        if node.kind in ("all", "exists"):
            may_stop = not node.body.escape
            return f"macro_{node.kind}({target}, {body}, {may_stop})"
        return f"macro_{node.kind}({target}, {body})"


def _other(stop: str) -> str:
    return "True" if stop == "False" else "False"


def _string_list(node: ir.Node) -> tuple[str, ...] | None:
    if not isinstance(node, ir.ListLit):
        return None
    values = []
    for item in node.items:
        if not (isinstance(item, ir.Lit) and item.error is None and type(item.value) is str):
            return None
        values.append(item.value)
    return tuple(values)


_RUNTIME_NAMES = (
    "SOFT",
    "EscapeError",
    "absorb_type_error",
    "fail",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "contained",
    "contained_in_strings",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "neg",
    "logical_not",
    "and_rest",
    "or_rest",
    "bad_condition",
    "raise_first",
    "index",
    "call",
    "size",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
    "to_double",
    "type_of",
    "to_timestamp",
    "macro_all",
    "macro_exists",
    "macro_exists_one",
    "macro_filter",
    "macro_map",
)
_MODULES = (runtime, functions, macros)
_NAMESPACE: dict[str, Any] = {
    name: next(getattr(m, name) for m in _MODULES if hasattr(m, name)) for name in _RUNTIME_NAMES
}
_NAMESPACE["celtypes"] = celtypes


Program = Callable[[dict[str, Any]], Any]


def generate(node: ir.Node) -> tuple[str, dict[str, Any]]:
    """Python source of `def program(A)` and the constants it refers to."""
    generator = Generator()
    value = generator.emit(node)
    body = [*generator.lines, f"    return {value}"]
    return "def program(A):\n" + "\n".join(body) + "\n", generator.constants


def build(node: ir.Node, name: str) -> tuple[Program, str]:
    """Compile a lowered expression into a Python function (and return its source)."""
    source, constants = generate(node)
    namespace = {**_NAMESPACE, **constants}
    with warnings.catch_warnings():
        # e.g. "'float' object is not subscriptable" for `1.5.x`: an error at run time, as in CEL
        warnings.simplefilter("ignore", SyntaxWarning)
        code = compile(source, name, "exec")
    exec(code, namespace)
    program: Program = namespace["program"]
    return program, source
