"""A result's message is one line of at most 300 characters, never a dump of the data."""

from __future__ import annotations

from collections.abc import Callable

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.records.entities import normalize_entity
from scorecards.records.results import MAX_MESSAGE, CheckResult, Status
from tests.conftest import NOW

Load = Callable[..., Definitions]
SECRET = "tok-" + "z" * 20_000


def test_a_long_message_stored_by_an_older_version_is_read_back_cut() -> None:
    stored = {"check": "c", "status": "error", "message": "rule raised: " + "x" * 15_000}
    message = CheckResult.from_dict(stored).message
    assert message is not None and len(message) == MAX_MESSAGE
    assert message.endswith("...")


def test_a_rule_error_on_a_large_entity_gives_a_short_message_without_its_values(
    load: Load,
) -> None:
    definitions = load(
        a="""
checks:
  - id: lower
    name: Lower-case description
    rule: entity.metadata.description.lowerAscii() == entity.metadata.annotations.missing
"""
    )
    entity = normalize_entity(
        {
            "apiVersion": "v1",
            "kind": "Component",
            "metadata": {"name": "a", "description": SECRET, "annotations": {"k": SECRET}},
        }
    )
    [result] = evaluate_entity(definitions, entity, {}, NOW).checks
    assert result.status is Status.ERROR
    assert result.message == (
        "rule raised: no such key: 'missing' (in entity.metadata.annotations.missing)"
    )


def test_a_failure_message_longer_than_the_limit_is_cut(load: Load) -> None:
    definitions = load(
        a="""
checks:
  - id: described
    name: Described
    rule: "false"
    message: entity.metadata.description
"""
    )
    entity = normalize_entity(
        {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a", "description": SECRET}}
    )
    [result] = evaluate_entity(definitions, entity, {}, NOW).checks
    assert result.status is Status.FAIL
    assert result.message is not None and len(result.message) == MAX_MESSAGE
