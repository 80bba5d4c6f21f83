"""The engine against cel-spec's conformance suites: at least 99% of every in-scope file.

Cases that need protobuf message types are out of scope (scorecards' data is
JSON); they are found by what they use and listed with the reason in the table.
Cases excluded for any other reason are in conformance_exclusions.txt, each with
its reason. The per-file table is printed (run pytest with -s to see it) and is
in the README.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from scorecards.cel import Activation, compile_expression
from scorecards.errors import CelEvaluationError, CelSyntaxError
from tests.cel.conformance import (
    IN_SCOPE,
    Case,
    data_file,
    load_cases,
    missing_tools,
    read_exclusions,
    same,
)

TARGET = 0.99

pytestmark = pytest.mark.skipif(
    bool(missing_tools()),
    reason=f"cel-spec's data is installed with npm: {missing_tools()} missing",
)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_cases(data_file())


def outcome(case: Case) -> tuple[bool, Any]:
    """Whether the engine gives the expected value (or an error when one is expected)."""
    try:
        expression = compile_expression(case.expression, {*case.bindings, *case.declared})
        value = expression.evaluate(Activation.from_values(case.bindings))
    except (CelEvaluationError, CelSyntaxError) as exc:
        return case.expect_error, f"error: {exc}"
    return (not case.expect_error and same(value, case.expected)), value


def results(cases: list[Case]) -> Iterator[tuple[Case, str]]:
    """(case, passed | failed | excluded | protobuf) for every case of the in-scope files."""
    excluded = read_exclusions()
    for case in cases:
        if case.protobuf:
            yield case, "protobuf"
        elif case.key in excluded:
            yield case, "excluded"
        else:
            yield case, "passed" if outcome(case)[0] else "failed"


def table(counts: dict[str, Counter[str]]) -> str:
    lines = [
        "| file | cases | passed | failed | excluded | needs protobuf | pass rate |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for suite in IN_SCOPE:
        row = counts[suite]
        run = row["passed"] + row["failed"]
        rate = f"{100 * row['passed'] / run:.1f}%" if run else "-"
        lines.append(
            f"| {suite} | {sum(row.values())} | {row['passed']} | {row['failed']} | "
            f"{row['excluded']} | {row['protobuf']} | {rate} |"
        )
    return "\n".join(lines)


def test_every_in_scope_file_passes_at_least_99_percent(cases: list[Case]) -> None:
    counts: dict[str, Counter[str]] = {suite: Counter() for suite in IN_SCOPE}
    failures = []
    for case, result in results(cases):
        counts[case.suite][result] += 1
        if result == "failed":
            failures.append(f"{case.key}: {case.expression!r} -> {outcome(case)[1]!r}")
    print("\n" + table(counts))
    short = {
        suite: row["passed"] / (row["passed"] + row["failed"])
        for suite, row in counts.items()
        if row["passed"] + row["failed"]
        and row["passed"] / (row["passed"] + row["failed"]) < TARGET
    }
    assert not short, f"below {TARGET:.0%}: {short}\n" + "\n".join(failures)


def test_every_file_in_scope_has_cases(cases: list[Case]) -> None:
    assert {case.suite for case in cases} == set(IN_SCOPE)


def test_every_exclusion_names_a_case_and_gives_a_reason(cases: list[Case]) -> None:
    keys = {case.key for case in cases}
    for key, reason in read_exclusions().items():
        assert key in keys, f"{key} is excluded but is no conformance case"
        assert len(reason) > 10, f"{key}: give the reason for excluding it"


def test_excluded_cases_still_fail(cases: list[Case]) -> None:
    """An exclusion that now passes must leave the list."""
    excluded = read_exclusions()
    passing = [case.key for case in cases if case.key in excluded and outcome(case)[0]]
    assert not passing, f"these pass now; remove them from the exclusion list: {passing}"
