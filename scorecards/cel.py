"""The CEL bridge: compile expressions once, bound their size, evaluate them.

Expressions are parsed once, when definitions load, and compiled to Python by
the fast path (scorecards/celfast), which reads plain JSON data directly and
agrees with cel-python's interpreter; what it does not support runs on that
interpreter. Evaluation only runs the compiled program against an activation
built once per entity (`Activation`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from scorecards.celfast import Program, UnsupportedError, Variables, compile_fast, describe, values
from scorecards.celfast.names import cel_type_name
from scorecards.celfast.values import from_input
from scorecards.errors import CelEvaluationError, CelSyntaxError

# cel-python logs every evaluation error at ERROR level before raising it; an
# `error` status is an ordinary outcome for us, reported with the result.
logging.getLogger("celpy").setLevel(logging.CRITICAL)

MAX_EXPRESSION_LENGTH = 4_000
MAX_SYNTAX_NODES = 4_000
MAX_COMPREHENSION_DEPTH = 2
COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})


@functools.cache
def _environment() -> celpy.Environment:
    # Building cel-python's parser takes about 0.2 s: only commands that compile CEL
    # pay it (a remote `scorecards gate` in CI does not).
    return celpy.Environment()


Tree = lark.Tree[Any]
FAST = "fast"
INTERPRETED = "celpy"


class Activation:
    """The variables of one evaluation, built once per entity and shared by every check.

    Values are plain JSON-shaped data (what the fast path reads directly); the
    cel-python form is made only if an expression that needs the interpreter runs.
    """

    __slots__ = ("_cel", "variables")

    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = Variables(variables)
        self._cel: dict[str, Any] | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Activation:
        """From any mix of plain data and cel-python values (converted once, here)."""
        return cls({name: from_input(value) for name, value in values.items()})

    def cel_variables(self) -> dict[str, Any]:
        if self._cel is None:
            self._cel = {name: values.to_cel(value) for name, value in self.variables.items()}
        return self._cel


@dataclass(frozen=True)
class Expression:
    """A compiled CEL expression, ready to evaluate many times.

    `path` says how it runs: `fast` (compiled to Python, see scorecards/celfast)
    or `celpy` (cel-python's interpreter, for what the fast path does not
    support; `fallback_reason` says what).
    """

    source: str
    program: Program | None = field(repr=False, compare=False)
    runner: celpy.Runner = field(repr=False, compare=False)
    fact_sources: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # identifiers it mentions (variables, macro variables)
    fallback_reason: str | None = None
    python_source: str | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> str:
        return FAST if self.program is not None else INTERPRETED

    @property
    def reads_now(self) -> bool:
        return "now" in self.names

    def evaluate(self, activation: Activation | Mapping[str, Any]) -> Any:
        """Run the expression; raise CelEvaluationError with CEL's own text."""
        if type(activation) is not Activation:
            activation = _as_activation(activation)
        program = self.program
        if program is None:
            return self.evaluate_interpreted(activation)
        try:
            return program(activation.variables)
        except (RecursionError, MemoryError) as exc:
            raise CelEvaluationError(f"expression too costly: {type(exc).__name__}") from None
        except Exception as exc:
            raise CelEvaluationError(describe(exc)) from None

    def evaluate_interpreted(self, activation: Activation | Mapping[str, Any]) -> Any:
        """Run the expression on cel-python's interpreter (the semantic reference)."""
        activation = _as_activation(activation)
        try:
            return values.from_cel(self.runner.evaluate(activation.cel_variables()))
        except CELEvalError as exc:
            raise CelEvaluationError(describe_evaluation_error(exc)) from None
        except (RecursionError, MemoryError) as exc:
            raise CelEvaluationError(f"expression too costly: {type(exc).__name__}") from None
        except Exception as exc:  # the interpreter lets some Python errors escape
            raise CelEvaluationError(f"{type(exc).__name__}: {exc}") from None


def _as_activation(activation: Activation | Mapping[str, Any]) -> Activation:
    if isinstance(activation, Activation):
        return activation
    return Activation.from_values(activation)


def parse_tree(source: str) -> Tree:
    """cel-python's syntax tree of `source` (CELParseError when it does not parse)."""
    tree: Tree = _environment().cel_parser.parse(source)
    return tree


def compile_expression(source: str) -> Expression:
    """Parse, bound and compile a CEL expression.

    Raises CelSyntaxError with the 1-based line and column of the problem.
    """
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise CelSyntaxError(
            f"expression is {len(source)} characters; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    try:
        tree = _environment().compile(source)
    except CELParseError as exc:
        line, column = exc.line or 1, exc.column or 1
        source_line = source.splitlines()[line - 1] if source.strip() else ""
        what = "unexpected end of expression" if column > len(source_line) else "unexpected input"
        raise CelSyntaxError(
            f"CEL syntax error at line {line}, column {column}: {what}",
            line,
            column,
            excerpt=str(exc).rstrip(),
        ) from None
    _check_bounds(tree)
    runner = _environment().program(tree)
    program: Program | None = None
    python_source: str | None = None
    reason: str | None = None
    try:
        program, python_source = compile_fast(tree)
    except UnsupportedError as exc:
        reason = str(exc)
    return Expression(
        source,
        program,
        runner,
        frozenset(_fact_sources(tree)),
        frozenset(_identifiers(tree)),
        reason,
        python_source,
    )


def describe_evaluation_error(exc: CELEvalError) -> str:
    """CEL's error text without the Python exception tuple noise."""
    args = exc.args
    # The transpiler wraps the interpreter's error: ("evaluation error", type, (text, ...)).
    if len(args) >= 3 and args[0] == "evaluation error" and isinstance(args[2], tuple):
        args = args[2]
    text = str(args[0]) if args else "evaluation error"
    return text


def _check_bounds(tree: Tree) -> None:
    nodes = sum(1 for _ in tree.iter_subtrees())
    if nodes > MAX_SYNTAX_NODES:
        raise CelSyntaxError(
            f"expression is too large ({nodes} syntax nodes; the limit is {MAX_SYNTAX_NODES})"
        )
    depth = _comprehension_depth(tree)
    if depth > MAX_COMPREHENSION_DEPTH:
        raise CelSyntaxError(
            f"comprehensions nest {depth} deep; the limit is {MAX_COMPREHENSION_DEPTH}"
        )


def _comprehension_depth(tree: Tree) -> int:
    deepest = 0
    for child in tree.children:
        if isinstance(child, lark.Tree):
            deepest = max(deepest, _comprehension_depth(child))
    if tree.data == "member_dot_arg" and _method_name(tree) in COMPREHENSIONS:
        deepest += 1
    return deepest


def _method_name(tree: Tree) -> str | None:
    for child in tree.children:
        if isinstance(child, lark.Token) and child.type == "IDENT":
            return str(child)
    return None


def _fact_sources(tree: Tree) -> Iterator[str]:
    """Names of fact sources read as `facts.NAME` or `facts["NAME"]`."""
    for node in tree.iter_subtrees():
        if node.data not in ("member_dot", "member_index") or not node.children:
            continue
        target = node.children[0]
        if not (isinstance(target, lark.Tree) and _is_identifier(target, "facts")):
            continue
        key = node.children[1]
        if isinstance(key, lark.Token):
            yield str(key)
        elif isinstance(key, lark.Tree):
            literal = _string_literal(key)
            if literal is not None:
                yield literal


def _is_identifier(tree: Tree, name: str) -> bool:
    while tree.data in ("member", "primary") and len(tree.children) == 1:
        child = tree.children[0]
        if isinstance(child, lark.Tree):
            tree = child
        else:
            return False
    return (
        tree.data == "ident"
        and len(tree.children) == 1
        and isinstance(tree.children[0], lark.Token)
        and str(tree.children[0]) == name
    )


def _string_literal(tree: Tree) -> str | None:
    while len(tree.children) == 1 and isinstance(tree.children[0], lark.Tree):
        tree = tree.children[0]
    if tree.data == "literal" and tree.children:
        token = tree.children[0]
        if isinstance(token, lark.Token) and token.type in ("STRING_LIT", "MLSTRING_LIT"):
            return str(token)[1:-1]
    return None


def _identifiers(tree: Tree) -> Iterator[str]:
    for node in tree.iter_subtrees():
        if node.data == "ident" and node.children:
            yield str(node.children[0])


def to_cel(value: Any) -> Any:
    """Convert plain JSON data (and datetimes) to cel-python values."""
    return values.to_cel(value)


def cel_timestamp(moment: datetime) -> celtypes.TimestampType:
    return celtypes.TimestampType(moment)


def make_activation(
    entity: Mapping[str, Any], facts: Mapping[str, Mapping[str, Any]], now: datetime
) -> Activation:
    """The variables every expression sees: `entity`, `facts` and `now`.

    `entity` and the fact values are used as they are (plain JSON data), not copied.
    """
    return Activation(
        {
            "entity": entity,
            "facts": {s: v if type(v) is dict else dict(v) for s, v in facts.items()},
            "now": celtypes.TimestampType(now),
        }
    )


def is_bool(value: Any) -> bool:
    return value is True or value is False or isinstance(value, celtypes.BoolType)


__all__ = [
    "FAST",
    "INTERPRETED",
    "Activation",
    "Expression",
    "cel_type_name",
    "compile_expression",
    "is_bool",
    "make_activation",
    "to_cel",
    "to_python",
]


def to_python(value: Any) -> Any:
    """Turn a CEL value back into plain JSON-able Python data."""
    if value is None:
        return None
    if isinstance(value, bool | celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.IntType | celtypes.UintType) or (
        isinstance(value, int) and not isinstance(value, bool)
    ):
        return int(value)
    if isinstance(value, celtypes.DoubleType | float):
        return float(value)
    if isinstance(value, celtypes.StringType | str):
        return str(value)
    if isinstance(value, celtypes.TimestampType):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, celtypes.DurationType):
        return f"{value.total_seconds()}s"
    if isinstance(value, celtypes.MapType | dict):
        return {str(k): to_python(v) for k, v in value.items()}
    if isinstance(value, celtypes.ListType | list | tuple):
        return [to_python(v) for v in value]
    return str(value)
