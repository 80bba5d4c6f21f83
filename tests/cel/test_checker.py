"""The static checker: the types it infers and the mistakes it finds, without running anything."""

from __future__ import annotations

import pytest

from scorecards.cel import check_expression, compile_expression, types
from scorecards.cel.checker import check
from scorecards.cel.types import Type

FACTS = types.record(
    "facts",
    {
        "ci": types.record("ci", {"coverage": types.DOUBLE, "passing": types.BOOL}),
        "github": types.MAP_DYN,
    },
)
VARIABLES: dict[str, Type] = {
    "entity": types.map_of(types.STRING, types.DYN),
    "facts": FACTS,
    "now": types.TIMESTAMP,
}


def type_of(source: str) -> str:
    kind, findings = check(compile_expression(source).tree, VARIABLES)
    assert findings == [], findings
    return str(kind)


def messages(source: str) -> list[str]:
    return [f.message for f in check_expression(compile_expression(source), VARIABLES)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("facts.ci.coverage", "double"),
        ("facts.ci.?coverage", "optional(double)"),
        ("facts.ci.?coverage.orValue(0.0)", "double"),
        ("entity.spec", "dyn"),
        ("entity.spec.owner.size()", "int"),
        ("now - timestamp('2026-01-01T00:00:00Z')", "duration"),
        ("[1, 2].map(x, x * 2)", "list(int)"),
        ("[1, 2].filter(x, x > 1)", "list(int)"),
        ("{'a': 1}.all(k, v, v > 0)", "bool"),
        ("cel.bind(x, 'a', x + 'b')", "string"),
        ("optional.of({'a': 1}).a", "optional(int)"),
        ("facts.github.anything", "dyn"),
    ],
)
def test_the_type_of_an_expression_is_inferred(source: str, expected: str) -> None:
    assert type_of(source) == expected


def test_a_macro_variable_is_in_scope_only_inside_its_macro() -> None:
    assert messages("[1].exists(x, x > 0) && x > 0") == ["undeclared reference to 'x'"]


def test_an_unknown_fact_of_a_schema_is_found_through_an_optional_read() -> None:
    assert messages("facts.ci.?coverge.orValue(0.0) > 1.0") == [
        "source 'ci' has no fact 'coverge' in its schema"
    ]


def test_a_source_without_a_schema_accepts_any_fact() -> None:
    assert messages("facts.github.anything == 1") == []


def test_comparing_a_string_with_an_int_is_reported_as_always_false() -> None:
    assert messages("'a' == 1") == ["comparing string with int is always false"]


def test_comparing_numbers_of_different_types_is_fine() -> None:
    assert messages("facts.ci.coverage >= 80 && 1u == 1.0") == []


def test_an_argument_of_the_wrong_known_type_is_reported() -> None:
    assert messages("size(1) > 0") == ["found no matching overload for 'size' applied to '(int)'"]


def test_a_condition_that_is_not_bool_is_reported() -> None:
    assert messages("1 ? 'a' : 'b'") == [
        "found no matching overload for '_?_:_' applied to '(int)'"
    ]


def test_the_same_mistake_twice_is_reported_once() -> None:
    assert messages("facts.gitub.a == 1 || facts.gitub.b == 2") == ["unknown fact source 'gitub'"]


def test_a_finding_points_at_the_field_not_the_start_of_the_chain() -> None:
    source = "facts.ci.coverge > 1.0"
    [finding] = check_expression(compile_expression(source), VARIABLES)
    assert source[finding.start :].startswith("coverge")


def test_a_required_bool_result_is_checked_only_when_the_type_is_known() -> None:
    expression = compile_expression("entity.spec.owner")
    assert check_expression(expression, VARIABLES, returns=types.BOOL) == []
    counted = compile_expression("size(entity.spec.owner)")
    [finding] = check_expression(counted, VARIABLES, returns=types.BOOL)
    assert finding.message == "must return bool, but returns int"
