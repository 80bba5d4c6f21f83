"""The CEL bridge: compile expressions once, bound their size, evaluate them.

Expressions are parsed and transpiled to Python exactly once, when definitions
load; evaluation only runs the compiled program against an activation built once
per entity (`Activation`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import celpy
import lark
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

from scorecards.errors import CelEvaluationError, CelSyntaxError

# cel-python logs every evaluation error at ERROR level before raising it; an
# `error` status is an ordinary outcome for us, reported with the result.
logging.getLogger("celpy").setLevel(logging.CRITICAL)

MAX_EXPRESSION_LENGTH = 4_000
MAX_SYNTAX_NODES = 4_000
MAX_COMPREHENSION_DEPTH = 2
COMPREHENSIONS = frozenset({"all", "exists", "exists_one", "map", "filter"})


class _TranspiledRunner(celpy.CompiledRunner):
    """cel-python's transpiling runner, with its `has()` made to return a CEL bool.

    cel-python 0.5 transpiles `has(x)` to a Python bool, which its own `&&` and
    `||` reject ("no such overload") whenever the other side is an error, so
    `has(a.b) && a.b.c` failed exactly when it should be false.
    """

    def __init__(self, environment: Any, ast: Any, functions: Any = None) -> None:
        super().__init__(environment, ast, functions)
        fixed = _HAS_TEMPLATE.sub(r"\1celpy.celtypes.BoolType(\2)", self.tp.source_text)
        if fixed != self.tp.source_text:
            self.tp.source_text = fixed
            self.tp.executable_code = compile(fixed, "<cel>", "exec")


_HAS_TEMPLATE = re.compile(
    r"^(\s*ex_\d+ = lambda activation: )(not isinstance\(.*, CELEvalError\))$", re.MULTILINE
)
_ENVIRONMENT = celpy.Environment(runner_class=_TranspiledRunner)

Activation = dict[str, Any]
Tree = lark.Tree[Any]


@dataclass(frozen=True)
class Expression:
    """A compiled CEL expression, ready to evaluate many times."""

    source: str
    program: celpy.Runner = field(repr=False, compare=False)
    fact_sources: frozenset[str] = frozenset()

    def evaluate(self, activation: Activation) -> Any:
        """Run the expression; raise CelEvaluationError with CEL's own text."""
        try:
            return self.program.evaluate(activation)
        except CELEvalError as exc:
            raise CelEvaluationError(describe_evaluation_error(exc)) from None
        except (RecursionError, MemoryError) as exc:
            raise CelEvaluationError(f"expression too costly: {type(exc).__name__}") from None


def compile_expression(source: str) -> Expression:
    """Parse, bound and transpile a CEL expression.

    Raises CelSyntaxError with the 1-based line and column of the problem.
    """
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise CelSyntaxError(
            f"expression is {len(source)} characters; the limit is {MAX_EXPRESSION_LENGTH}"
        )
    try:
        tree = _ENVIRONMENT.compile(source)
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
    try:
        program = _ENVIRONMENT.program(tree)
    except Exception as exc:  # the transpiler rejects some valid-looking trees
        raise CelSyntaxError(f"CEL expression cannot be compiled: {exc}") from None
    return Expression(source, program, frozenset(_fact_sources(tree)))


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


def to_cel(value: Any) -> Any:
    """Convert plain JSON data (and datetimes) to CEL values, once per document."""
    return json_to_cel(value)


def cel_timestamp(moment: datetime) -> celtypes.TimestampType:
    return celtypes.TimestampType(moment)


def make_activation(
    entity: Mapping[str, Any], facts: Mapping[str, Mapping[str, Any]], now: datetime
) -> Activation:
    """The variables every expression sees: `entity`, `facts` and `now`."""
    return {"entity": to_cel(entity), "facts": to_cel(facts), "now": cel_timestamp(now)}


def is_bool(value: Any) -> bool:
    return isinstance(value, bool | celtypes.BoolType)


def cel_type_name(value: Any) -> str:
    """The CEL name of a value's type, for error messages."""
    names: list[tuple[type, str]] = [
        (celtypes.BoolType, "bool"),
        (bool, "bool"),
        (celtypes.IntType, "int"),
        (celtypes.UintType, "uint"),
        (celtypes.DoubleType, "double"),
        (celtypes.StringType, "string"),
        (celtypes.ListType, "list"),
        (celtypes.MapType, "map"),
        (celtypes.TimestampType, "timestamp"),
        (celtypes.DurationType, "duration"),
        (int, "int"),
        (float, "double"),
        (str, "string"),
    ]
    for kind, name in names:
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


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
