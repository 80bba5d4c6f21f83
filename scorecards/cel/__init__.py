"""CEL for scorecards: parse, check and compile expressions once; evaluate them fast.

An implementation of the Common Expression Language to its specification
(google/cel-spec, tested against its conformance suite), with the extensions
Kubernetes and cel-go users expect: strings, math, lists, sets, base64,
`cel.bind` and optional values. Expressions compile to Python functions that
read plain JSON data directly (see codegen.py); errors say what failed and in
which sub-expression, in one line that never carries an entity's or a fact's values.

    expression = compile_expression('entity.?spec.?owner.orValue("") != ""')
    expression.evaluate(make_activation(entity, facts, now))
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from scorecards.cel import syntax, types
from scorecards.cel.checker import Finding, check
from scorecards.cel.codegen import ERRORS, Program, UnsupportedSyntaxError, build
from scorecards.cel.errors import MAX_MESSAGE, BudgetExceededError, CelError, shorten
from scorecards.cel.parser import caret, parse, position
from scorecards.cel.resolve import resolve
from scorecards.cel.types import Type
from scorecards.cel.values import Timestamp, from_python, to_python, type_name
from scorecards.errors import CelEvaluationError, CelSyntaxError

VARIABLES: Final = ("entity", "facts", "now")
# Comprehension steps (elements visited) one evaluation may take, nested loops included.
COST_LIMIT: Final = 100_000
# Evaluation time all the checks and scorecards of one entity may take together.
ENTITY_SECONDS: Final = 5.0
# Exceptions our library code may raise on data it did not expect: reported as an
# internal error of that evaluation. Anything else (a worker's time limit, an
# interrupt) is not ours to turn into a result, and propagates.
_DEFECTS = (TypeError, ValueError, AttributeError, IndexError, ArithmeticError, UnicodeError)
MAX_COMPREHENSION_DEPTH: Final = 2


class Variables(dict[str, Any]):
    """The variables an expression sees; reading an unbound one is a CEL error."""

    def __missing__(self, name: str) -> Any:
        raise CelError(f"undeclared reference to '{name}'")


class Activation:
    """The variables of one evaluation, built once per entity and shared by every check.

    `deadline` (time.monotonic()) ends every evaluation against these variables that is
    still running then: the time budget of the entity they describe.
    """

    __slots__ = ("deadline", "variables")

    def __init__(self, variables: Mapping[str, Any], deadline: float = math.inf) -> None:
        self.variables = variables if type(variables) is Variables else Variables(variables)
        self.deadline = deadline

    @property
    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Activation:
        """From plain Python data (datetimes, tuples ... are converted once, here)."""
        return cls({name: from_python(value) for name, value in values.items()})


def make_activation(
    entity: Mapping[str, Any],
    facts: Mapping[str, Mapping[str, Any]],
    now: datetime,
    seconds: float = ENTITY_SECONDS,
) -> Activation:
    """The variables every rule sees: `entity`, `facts` (source -> values) and `now`,
    with `seconds` of evaluation time for all the rules of this entity together.

    The entity and fact values are used as they are (plain JSON data), not copied.
    """
    return Activation(
        {
            "entity": entity,
            "facts": {s: v if type(v) is dict else dict(v) for s, v in facts.items()},
            "now": now_timestamp(now),
        },
        time.monotonic() + seconds,
    )


@functools.lru_cache(maxsize=64)
def now_timestamp(now: datetime) -> Timestamp:
    """`now` as rules see it (a run evaluates every entity at one `now`: made once)."""
    return Timestamp.from_datetime(now)


@dataclass(frozen=True)
class Expression:
    """A compiled CEL expression, ready to evaluate many times."""

    source: str
    tree: syntax.Node = field(repr=False, compare=False)
    program: Program = field(repr=False, compare=False)
    python_source: str = field(repr=False, compare=False)
    variables: tuple[str, ...] = VARIABLES

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Identifiers it mentions (variables, macro variables)."""
        return frozenset(
            n.name.split(".")[0] for n in self.tree.walk() if isinstance(n, syntax.Ident)
        )

    @property
    def reads_now(self) -> bool:
        return "now" in self.names

    @functools.cached_property
    def fact_sources(self) -> frozenset[str]:
        """Sources read as `facts.NAME`, `facts["NAME"]` or `facts.?NAME`."""
        return frozenset(source for source, _ in fact_reads(self.tree))

    def evaluate(self, activation: Activation | Mapping[str, Any]) -> Any:
        """The value; CelEvaluationError (one line, at most 300 characters) when it errs."""
        if not isinstance(activation, Activation):
            activation = Activation.from_values(activation)
        try:
            return self.program(activation.variables, [COST_LIMIT, activation.deadline])
        except ERRORS as exc:
            raise CelEvaluationError(self.explain(exc, activation)) from None
        except BudgetExceededError as exc:
            raise CelEvaluationError(str(exc)) from None
        except RecursionError:
            raise CelEvaluationError("evaluation too deep (RecursionError)") from None
        except MemoryError:
            raise CelEvaluationError("evaluation ran out of memory") from None
        except _DEFECTS as exc:  # a defect of ours: still an `error` result, never a crash
            raise CelEvaluationError(
                shorten(f"internal error: {type(exc).__name__}: {exc}")
            ) from None

    def explain(self, error: BaseException, activation: Activation) -> str:
        """The error in CEL's words, naming the sub-expression it came from."""
        message = describe(error)
        node = self._failing_node(activation)
        if node is None or (node.start == self.tree.start and node.end == self.tree.end):
            return shorten(message)
        where = syntax.span_text(self.source, node, 80)
        return shorten(f"{message} (in {where})", MAX_MESSAGE)

    def _failing_node(self, activation: Activation) -> syntax.Node | None:
        program, nodes = _traced(self)
        try:
            program(activation.variables, [COST_LIMIT, activation.deadline])
        except ERRORS as exc:
            number = getattr(exc, "cel_node", None)
            return nodes[number] if number is not None else None
        except (BudgetExceededError, RecursionError, MemoryError, *_DEFECTS):
            return None
        return None


@functools.lru_cache(maxsize=256)
def _traced(expression: Expression) -> tuple[Program, list[syntax.Node]]:
    program, _, nodes = build(expression.tree, expression.source, traced=True)
    return program, nodes


def describe(error: BaseException) -> str:
    if isinstance(error, KeyError):
        key = error.args[0] if error.args else "?"
        return str(CelError(f"no such key: {key!r}" if type(key) is str else f"no such key: {key}"))
    return str(error)


def compile_expression(source: str, variables: Collection[str] = VARIABLES) -> Expression:
    """Parse, bound and compile a CEL expression over `variables`.

    Raises CelSyntaxError with the 1-based line and column of the problem.
    """
    tree = resolve(parse(source), variables)
    _check_bounds(source, tree)
    try:
        try:
            program, python, _ = build(tree, source)
        except (SyntaxError, RecursionError, MemoryError):
            # Too deeply nested for one Python expression: one statement per node instead.
            program, python, _ = build(tree, source, traced=True)
    except UnsupportedSyntaxError as exc:
        node = next(n for n in tree.walk() if isinstance(n, syntax.StructExpr))
        raise located_error(source, node, str(exc)) from None
    except CelError as exc:  # e.g. a literal pattern RE2 rejects
        raise CelSyntaxError(f"CEL error: {exc}") from None
    return Expression(source, tree, program, python, tuple(variables))


def check_expression(
    expression: Expression, variables: Mapping[str, Type], *, returns: Type | None = None
) -> list[Finding]:
    """Static problems of a compiled expression, given the variables' types.

    With `returns`, a result type known statically to be something else is a problem
    too (a rule that returns an int can only give status error).
    """
    kind, findings = check(expression.tree, variables)
    if returns is not None and not types.is_dyn(kind) and types.base(kind) != types.base(returns):
        tree = expression.tree
        findings.append(
            Finding(
                tree.start,
                tree.end,
                f"must return {returns}, but returns {kind}",
                "compare it, e.g. size(x) > 0 or x == 0" if returns == types.BOOL else None,
            )
        )
    return findings


def located_error(source: str, node: syntax.Node, message: str) -> CelSyntaxError:
    line, column = position(source, node.start)
    return CelSyntaxError(
        f"{message} (line {line}, column {column})",
        line,
        column,
        excerpt=caret(source, line, column),
    )


def _check_bounds(source: str, tree: syntax.Node) -> None:
    def depth(node: syntax.Node) -> int:
        inner = max((depth(c) for c in node.children()), default=0)
        return inner + (1 if isinstance(node, syntax.Comprehension) else 0)

    if depth(tree) > MAX_COMPREHENSION_DEPTH:
        raise CelSyntaxError(
            f"comprehensions nest {depth(tree)} deep; the limit is {MAX_COMPREHENSION_DEPTH}"
        )


def fact_reads(tree: syntax.Node) -> list[tuple[str, syntax.Node]]:
    """Each `facts.SOURCE` (or `facts["SOURCE"]`, `facts.?SOURCE`) read, with its node."""
    found: list[tuple[str, syntax.Node]] = []
    for node in tree.walk():
        if isinstance(node, syntax.Select) and _is_facts(node.operand):
            found.append((node.field, node))
        elif isinstance(node, syntax.Index) and _is_facts(node.operand):
            if isinstance(node.index, syntax.Literal) and type(node.index.value) is str:
                found.append((node.index.value, node))
        elif isinstance(node, syntax.Has) and _is_facts(node.operand):
            found.append((node.field, node))
    return found


def _is_facts(node: syntax.Node) -> bool:
    return isinstance(node, syntax.Ident) and node.name == "facts"


def is_bool(value: Any) -> bool:
    return value is True or value is False


def run_predicate(expression: Expression, activation: Activation, what: str) -> bool | str:
    """A predicate's answer (applies, rule): True or False, or the error text when it
    raised or did not return a bool (one line, at most 300 characters)."""
    try:
        value = expression.evaluate(activation)
    except CelEvaluationError as exc:
        return shorten(f"{what} raised: {exc}")
    if value is True or value is False:
        return value
    return f"{what} must return bool, got {type_name(value)}"


__all__ = [
    "COST_LIMIT",
    "ENTITY_SECONDS",
    "VARIABLES",
    "Activation",
    "Expression",
    "Finding",
    "check_expression",
    "compile_expression",
    "is_bool",
    "make_activation",
    "now_timestamp",
    "run_predicate",
    "to_python",
    "type_name",
]
