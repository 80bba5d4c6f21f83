"""Run the `tests:` written inside checks; a failing one is a validation problem."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from scorecards.cel import make_activation
from scorecards.definitions.compiled import Check, Definitions
from scorecards.engine.evaluation import evaluate_check
from scorecards.errors import Problem
from scorecards.formats.timeutil import parse_timestamp
from scorecards.records.entities import normalize_entity, shape_problem
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status

NOT_BOOL = "must return bool"


def run_inline_tests(definitions: Definitions, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    for check in definitions.checks.values():
        problems.extend(_run_check_tests(definitions, check, now))
    return problems


def _run_check_tests(definitions: Definitions, check: Check, now: datetime) -> Iterator[Problem]:
    for index, test in enumerate(check.spec.tests):
        name = test.name or f"#{index + 1}"
        line = check.test_lines[index] if index < len(check.test_lines) else check.location.line
        shape = shape_problem({"apiVersion": "x", **test.entity})
        if shape is not None:
            yield Problem(
                check.location.file,
                line,
                "check",
                check.id,
                f"inline test '{name}': entity is not valid: {shape}",
            )
            continue
        entity = normalize_entity(test.entity)
        moment = parse_timestamp(test.now) if test.now else now
        facts = {source: FactSnapshot(moment, values) for source, values in test.facts.items()}
        activation = make_activation(entity, {s: f.values for s, f in facts.items()}, moment)
        result = evaluate_check(definitions, check, entity_ref(entity), activation, facts, moment)
        if result.status is Status.ERROR and result.message and NOT_BOOL in result.message:
            yield Problem(
                check.location.file,
                line,
                "check",
                check.id,
                f"inline test '{name}': {result.message}",
                expression=check.spec.rule
                if result.message.startswith("rule")
                else check.spec.applies,
                hint="compare it, e.g. facts.github.dependabot_alerts_critical == 0",
            )
        elif result.status is not test.expect:
            detail = f": {result.message}" if result.message else ""
            yield Problem(
                check.location.file,
                line,
                "check",
                check.id,
                f"inline test '{name}' expected {test.expect.value}, got {result.status.value}{detail}",
                expression=check.spec.rule,
                hint="fix the rule or the test's entity/facts/expect",
            )
