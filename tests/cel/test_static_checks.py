"""`scorecards validate` rejects CEL that can only error, at file:line with a caret and a hint."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError, Problem
from tests.conftest import NOW, WriteDefinitions

SOURCES = """
sources:
  - id: ci
    type: push
    schema:
      coverage: {type: float}
      build_passing: {type: boolean}
"""


def problems_of(write: WriteDefinitions, rule: str, extra: str = SOURCES) -> list[Problem]:
    text = textwrap.dedent(
        f"""
        checks:
          - id: under-test
            name: Under test
            rule: '{rule}'
        """
    ) + textwrap.dedent(extra)
    with pytest.raises(DefinitionsError) as caught:
        load_definitions(write(a=text), now=NOW)
    return caught.value.problems


def one(write: WriteDefinitions, rule: str) -> str:
    [problem] = problems_of(write, rule)
    return str(problem)


def test_a_misspelled_variable_is_rejected_with_a_suggestion(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, 'entiy.kind == "Component"')
    assert "a.yaml:5: check 'under-test': rule: undeclared reference to 'entiy'" in problem
    assert "    entiy.kind" in problem and "\n    ^" in problem
    assert "hint: did you mean 'entity'?" in problem


def test_an_unknown_function_is_rejected(write_definitions: WriteDefinitions) -> None:
    problem = one(write_definitions, "nosuchfn(entity)")
    assert "undeclared reference to function 'nosuchfn'" in problem


def test_a_function_called_with_the_wrong_receiver_style_is_rejected(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, 'lowerAscii(entity.kind) == "a"')
    assert "'lowerAscii' cannot be called as a function with 1 argument" in problem
    assert "hint: call it as x.lowerAscii(...)" in problem


def test_a_function_called_with_the_wrong_argument_count_is_rejected(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, 'entity.kind.startsWith("a", "b")')
    assert "'startsWith' cannot be called as a method with 2 arguments" in problem


def test_a_rule_returning_an_int_is_rejected(write_definitions: WriteDefinitions) -> None:
    problem = one(write_definitions, "entity.spec.owner.size()")
    assert "rule: must return bool, but returns int" in problem
    assert "hint: compare it" in problem


def test_an_unknown_fact_source_is_rejected_with_a_suggestion(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, "facts.gihtub.archived == false")
    assert "unknown fact source 'gihtub'" in problem
    assert "hint: did you mean 'github'?" in problem


def test_a_fact_missing_from_a_declared_schema_is_rejected(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, "facts.ci.coverge >= 80.0")
    assert "source 'ci' has no fact 'coverge' in its schema" in problem
    assert "hint: did you mean 'coverage'?" in problem


def test_a_fact_of_a_builtin_schema_is_checked_too(write_definitions: WriteDefinitions) -> None:
    problem = one(write_definitions, "facts.github.archvied == false")
    assert "hint: did you mean 'archived'?" in problem


def test_a_fact_read_through_in_or_has_is_checked(write_definitions: WriteDefinitions) -> None:
    [problem] = problems_of(write_definitions, '"coverge" in facts.ci || has(facts.ci.coverge)')
    assert "source 'ci' has no fact 'coverge'" in str(problem)


def test_a_declared_fact_used_correctly_loads(write_definitions: WriteDefinitions) -> None:
    text = "checks:\n  - id: ok\n    name: Ok\n    rule: facts.ci.?coverage.orValue(0) >= 80.0\n"
    definitions = load_definitions(write_definitions(a=text + SOURCES), now=NOW)
    assert "ok" in definitions.checks


def test_arithmetic_mixing_int_and_double_is_rejected_with_the_fix(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one(write_definitions, "size(entity.metadata.name) * 1.5 > 3.0")
    assert "found no matching overload for '_*_' applied to '(int, double)'" in problem
    assert "convert one, e.g. double(x)" in problem


def test_a_pattern_re2_rejects_is_rejected(write_definitions: WriteDefinitions) -> None:
    problem = one(write_definitions, 'entity.metadata.name.matches("(a)\\\\1")')
    assert "invalid regular expression" in problem


def test_every_problem_of_an_expression_is_reported_at_once(
    write_definitions: WriteDefinitions,
) -> None:
    found = problems_of(write_definitions, "entiy.kind == nosuchfn() && facts.gihtub.x")
    messages = " / ".join(p.message for p in found)
    assert "'entiy'" in messages and "'nosuchfn'" in messages and "'gihtub'" in messages


def test_applies_must_return_bool_too(write_definitions: WriteDefinitions) -> None:
    text = "checks:\n  - id: c\n    name: C\n    applies: size(entity.kind)\n    rule: 'true'\n"
    with pytest.raises(DefinitionsError) as caught:
        load_definitions(write_definitions(a=text), now=NOW)
    assert "check 'c': applies: must return bool, but returns int" in str(caught.value)


def test_a_field_of_unknown_shape_is_left_to_run_time(write_definitions: WriteDefinitions) -> None:
    """Entity fields are dyn: a rule returning one is checked when it runs, not before."""
    text = "checks:\n  - id: c\n    name: C\n    rule: entity.spec.owner\n"
    assert "c" in load_definitions(write_definitions(a=text), now=NOW).checks


def test_validate_exits_non_zero_and_prints_the_caret(write_definitions: WriteDefinitions) -> None:
    text = "checks:\n  - id: c\n    name: C\n    rule: entiy.kind == 'x'\n"
    folder = write_definitions(a=text)
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code != 0
    assert "undeclared reference to 'entiy'" in result.output
    assert "Traceback" not in result.output
