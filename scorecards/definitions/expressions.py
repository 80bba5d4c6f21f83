"""Compile and check the CEL of definitions: each field with the variables it sees.

A field that does not parse, names something undeclared, calls a function that
does not exist, reads a fact a declared schema lacks, or can only return the
wrong type is a problem at its file:line, with a caret under the sub-expression.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from scorecards.cel import Expression, check_expression, compile_expression, types
from scorecards.cel.parser import caret, position
from scorecards.cel.types import Type
from scorecards.definitions.reading import Item
from scorecards.errors import CelSyntaxError, Problem
from scorecards.records.fact_schemas import BUILTIN_FACT_SCHEMAS, FactSchemaSpec
from scorecards.records.facts import RESULTS_SOURCE

CEL_REFERENCE: Final = (
    "CEL reference: https://github.com/google/cel-spec/blob/master/doc/langdef.md"
)
# The variables of each kind of field, by name; `facts` gets its type from the sources.
ENTITY: Final = types.map_of(types.STRING, types.DYN)
URL_VARIABLES: Final = {"entity": ENTITY, "now": types.TIMESTAMP}
FACT_VARIABLES: Final = {"entity": ENTITY, "response": types.DYN, "now": types.TIMESTAMP}


def rule_variables(facts: Type) -> dict[str, Type]:
    """What checks, scorecards, campaigns and source `applies` see."""
    return {"entity": ENTITY, "facts": facts, "now": types.TIMESTAMP}


def facts_type(sources: Iterable[tuple[str, Mapping[str, FactSchemaSpec]]]) -> Type:
    """The `facts` variable: one field per declared source, typed by its schema when it has one.

    Built-in sources (github, catalog, and scorecards' own results) are always declared.
    """
    declared: dict[str, Type] = {RESULTS_SOURCE: types.MAP_DYN}
    for source, schema in [*BUILTIN_FACT_SCHEMAS.items(), *sources]:
        declared[source] = schema_type(source, schema) if schema else types.MAP_DYN
    return types.record("facts", declared)


def schema_type(source: str, schema: Mapping[str, FactSchemaSpec]) -> Type:
    return types.record(
        source, {name: types.FACT_TYPES[spec.type] for name, spec in schema.items()}
    )


def compile_field(
    item: Item,
    path: tuple[str, ...],
    source: str,
    problems: list[Problem],
    variables: Mapping[str, Type],
    returns: Type | None = None,
) -> Expression | None:
    """The compiled expression, or None with its problems added (all of them, at once)."""
    field = ".".join(path)
    try:
        expression = compile_expression(source, tuple(variables))
    except CelSyntaxError as exc:
        problems.append(
            item.problem(
                f"{field}: {exc}", *path, expression=exc.excerpt or source, hint=CEL_REFERENCE
            )
        )
        return None
    findings = check_expression(expression, variables, returns=returns)
    for finding in findings:
        line, column = position(source, finding.start)
        problems.append(
            item.problem(
                f"{field}: {finding.message} (line {line}, column {column})",
                *path,
                expression=caret(source, line, column),
                hint=finding.hint,
            )
        )
    return None if findings else expression
