"""Many expressions compiled into one Python function that follows only the happy path.

The engine evaluates every check of an entity in one generated function
(scorecards/engine/program.py). Its expressions are compiled as codegen.py
compiles one, with two differences:

- `entity`, `facts` and `now` are the function's parameters `E`, `F` and `N`
  rather than reads of a variables dict;
- `&&`, `||` and `?:` are plain Python conditionals over true and false. Where
  CEL would absorb an error (`error || true`) or report a non-bool, the
  speculative form raises `Speculation` or lets the error out instead, and the
  caller evaluates that one expression again with the precise program, which
  says exactly what CEL says.

So a speculative value is always the precise value, or an exception: never a
different answer. `SPECULATION_FAILURES` lists what a caller catches to fall
back; anything else (a worker's time limit, an interrupt) is not ours to catch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from scorecards.cel import syntax
from scorecards.cel.codegen import _NAMESPACE, ERRORS, Generator
from scorecards.cel.errors import BudgetExceededError
from scorecards.cel.values import TYPES

# The variables every rule sees, as the generated function's parameters.
PARAMETERS: Final = {"entity": "E", "facts": "F", "now": "N"}


class Speculation(Exception):  # noqa: N818 - not an error: "take the precise path"
    """The happy path does not hold here: evaluate precisely instead."""


def speculation_failed() -> None:
    raise Speculation


# What the precise program turns into results (see Expression.evaluate), so what a
# speculative caller may retry precisely. Not ERRORS' parents: a comprehension's
# `except ERRORS` must not swallow a Speculation.
SPECULATION_FAILURES: Final = (
    Speculation,
    *ERRORS,
    BudgetExceededError,
    RecursionError,
    MemoryError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    ArithmeticError,
    UnicodeError,
)


# What a read of the parameters holds until it is first made.
UNSET: Final = object()


class SpeculativeGenerator(Generator):
    """codegen.Generator with parameters for variables, error-free logic and shared reads.

    A plain read of the variables (`entity.metadata.annotations`, `facts.github`)
    is made once per call and kept in a local every later read of it uses: the
    same expression over the same data has the same value, and one that raises
    keeps nothing.
    """

    def __init__(self) -> None:
        super().__init__("", traced=False)
        self.reads: dict[tuple[str, ...], str] = {}  # path -> the local keeping it
        self.hoisted = 0

    def hoist(self, node: syntax.Node) -> str:
        # A nested function cannot assign the caller's locals: no shared reads there.
        self.hoisted += 1
        try:
            return super().hoist(node)
        finally:
            self.hoisted -= 1

    def path(self, node: syntax.Node) -> tuple[str, ...] | None:
        """`("entity", ".metadata", ".annotations")` for a plain read of the variables."""
        if isinstance(node, syntax.Ident):
            shadowed = any(node.name in scope for scope in self.scopes)
            return (node.name,) if node.name in PARAMETERS and not shadowed else None
        if isinstance(node, syntax.Select) and not node.optional:
            inner = self.path(node.operand)
            return (*inner, f".{node.field}") if inner is not None else None
        if (
            isinstance(node, syntax.Index)
            and not node.optional
            and isinstance(node.index, syntax.Literal)
            and type(node.index.value) is str
        ):
            inner = self.path(node.operand)
            return (*inner, f"[{node.index.value}") if inner is not None else None
        return None

    def shared(self, node: syntax.Node, expression: Callable[[], str]) -> str:
        key = self.path(node)
        if key is None or self.hoisted:
            return expression()
        local = self.reads.get(key)
        if local is None:
            local = self.reads[key] = f"_read{len(self.reads)}"
        mark = len(self.lines)
        value = expression()
        assert len(self.lines) == mark, "a plain read needs no statements"
        return f"({local} if {local} is not UNSET else ({local} := {value}))"

    def emit_select(self, node: syntax.Select) -> str:
        return self.shared(node, lambda: super(SpeculativeGenerator, self).emit_select(node))

    def emit_index(self, node: syntax.Index) -> str:
        return self.shared(node, lambda: super(SpeculativeGenerator, self).emit_index(node))

    def emit_ident(self, node: syntax.Ident) -> str:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in PARAMETERS:
            return PARAMETERS[node.name]
        if node.name in TYPES:
            return self.constant(TYPES[node.name])
        return f"undeclared({node.name!r})"  # raises: the precise program words it

    def pure(self, node: syntax.Node) -> str | None:
        """The node as one Python expression, or None (and nothing emitted) when it needs statements."""
        mark = len(self.lines)
        expression = self.emit(node)
        if len(self.lines) == mark:
            return expression
        del self.lines[mark:]
        return None

    def emit_logical(self, node: syntax.Logical) -> str:
        stop, go = ("False", "True") if node.op == "&&" else ("True", "False")
        expressions = []
        for operand in node.operands:
            expression = self.pure(operand)
            if expression is None:
                return self.logical_statements(node.operands, stop, go)
            expressions.append(expression)
        held = self.temp()
        # The last operand decides, if it is a bool.
        folded = f"({held} if ({held} := {expressions[-1]}) is True or {held} is False else fail())"
        for expression in reversed(expressions[:-1]):
            held = self.temp()
            folded = (
                f"({stop} if ({held} := {expression}) is {stop} "
                f"else {folded} if {held} is {go} else fail())"
            )
        return folded

    def logical_statements(self, operands: tuple[syntax.Node, ...], stop: str, go: str) -> str:
        result = self.temp("r")
        self.line(f"{result} = {self.emit(operands[0])}")
        if len(operands) == 1:
            with self.block(f"if {result} is not True and {result} is not False:"):
                self.line("fail()")
            return result
        with self.block(f"if {result} is {go}:"):
            self.line(f"{result} = {self.logical_statements(operands[1:], stop, go)}")
        with self.block(f"elif {result} is not {stop}:"):
            self.line("fail()")
        return result

    def emit_conditional(self, node: syntax.Conditional) -> str:
        mark = len(self.lines)
        test = self.emit(node.test)
        then = self.pure(node.then)
        otherwise = self.pure(node.otherwise) if then is not None else None
        if then is None or otherwise is None:
            del self.lines[mark:]
            return super().emit_conditional(node)
        held = self.temp("q")
        return f"({then} if ({held} := {test}) is True else {otherwise} if {held} is False else fail())"


class Speculative:
    """Assembles one function from statements and speculative expressions."""

    def __init__(self) -> None:
        self.generator = SpeculativeGenerator()

    def line(self, text: str) -> None:
        self.generator.line(text)

    def block(self, header: str) -> Any:
        return self.generator.block(header)

    def constant(self, value: Any) -> str:
        """A name for `value` in the function's namespace (a literal for plain values)."""
        return self.generator.constant(value)

    def temp(self, stem: str = "t") -> str:
        return self.generator.temp(stem)

    def shared(self, key: tuple[str, ...], expression: str) -> str:
        """`expression`, evaluated once per call however often it is used (key names it)."""
        local = self.generator.reads.get(key)
        if local is None:
            local = self.generator.reads[key] = f"_read{len(self.generator.reads)}"
        return f"({local} if {local} is not UNSET else ({local} := {expression}))"

    def value(self, tree: syntax.Node) -> str:
        """A Python expression for the CEL expression `tree`; its statements are emitted first."""
        return self.generator.emit(tree)

    def build(self, name: str, parameters: str) -> tuple[Callable[..., Any], str]:
        """The function `name(parameters)` with the lines emitted so far, and its source."""
        reads = list(self.generator.reads.values())
        unset = [f"    {' = '.join(reads)} = UNSET"] if reads else []
        text = f"def {name}({parameters}):\n" + "\n".join([*unset, *self.generator.lines]) + "\n"
        namespace = {
            **_NAMESPACE,
            **self.generator.constants,
            "fail": speculation_failed,
            "UNSET": UNSET,
        }
        exec(compile(text, f"<{name}>", "exec"), namespace)
        function: Callable[..., Any] = namespace[name]
        return function, text
