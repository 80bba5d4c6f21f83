"""Fact schemas: built-in and declared schemas, value checks, results as flat facts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards.definitions.fact_schemas import (
    evaluation_fact_values,
    flatten_values,
    known_sources,
    schema_problems,
    source_fact_schema,
    value_problem,
    value_type,
)
from scorecards.records.fact_schemas import FactSchemaSpec
from scorecards.records.results import EntityEvaluation, ScorecardResult

PUSH_SOURCE = """
sources:
  - id: sonar
    type: push
    schema:
      coverage: {type: float, description: Line coverage in percent}
      gate: {type: string}
checks:
  - id: covered
    name: Covered
    requires: [sonar, ci]
    rule: facts.sonar.coverage > 50.0
"""


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", 3),
        ("float", 2.5),
        ("float", 2),
        ("string", "x"),
        ("boolean", False),
        ("datetime", "2026-11-25T10:00:00Z"),
        ("set", ["a", "b"]),
        ("object", {"a": 1}),
    ],
)
def test_a_value_of_the_declared_type_fits(kind, value):
    assert value_problem(FactSchemaSpec(type=kind), value) is None


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("integer", True),
        ("integer", 2.5),
        ("float", "2.5"),
        ("boolean", 1),
        ("datetime", "2026-11-25"),
        ("set", "a"),
        ("string", None),
    ],
)
def test_a_value_of_another_type_does_not_fit(kind, value):
    assert value_problem(FactSchemaSpec(type=kind), value) is not None


def test_a_declared_schema_wins_over_none(load):
    definitions = load(sonar=PUSH_SOURCE)
    schema = source_fact_schema(definitions, "sonar")
    assert schema is not None
    assert schema["coverage"].type == "float"
    assert source_fact_schema(definitions, "ci") is None


def test_known_sources_are_defined_built_in_or_read_by_a_check(load):
    assert known_sources(load(sonar=PUSH_SOURCE)) == {"sonar", "ci", "github", "catalog"}


def test_facts_without_a_schema_only_need_names_and_values(load):
    assert schema_problems(None, {"anything": {"nested": [1]}}) == {}
    assert "null" in schema_problems(None, {"missing": None})["missing"]


def test_a_fact_outside_the_schema_is_named(load):
    schema = source_fact_schema(load(sonar=PUSH_SOURCE), "sonar")
    problems = schema_problems(schema, {"coverage": 80.0, "bugs": 3})
    assert list(problems) == ["bugs"]


def test_results_flatten_into_score_level_and_counts():
    evaluation = EntityEvaluation(
        "component:default/a",
        datetime(2026, 11, 25, 12, tzinfo=UTC),
        "v1",
        [],
        [
            ScorecardResult("sec", 75.0, "Silver", {"pass": 3, "fail": 1}),
            ScorecardResult("ops", None, None, {"pass": 0}),
        ],
    )
    assert evaluation_fact_values(evaluation) == {
        "evaluated_at": "2026-11-25T12:00:00.000000Z",
        "definitions_version": "v1",
        "sec.score": 75.0,
        "sec.level": "Silver",
        "sec.counts.pass": 3,
        "sec.counts.fail": 1,
        "ops.counts.pass": 0,
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(min_size=1, max_size=4), json_values, max_size=5))
def test_flattened_values_hold_no_objects(values):
    flat = flatten_values(values)
    assert not any(isinstance(v, dict) for v in flat.values())
    assert all(value_type(v) != "object" for v in flat.values())
