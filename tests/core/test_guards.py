"""The unguarded-optional-field lint behind `scorecards validate` warnings."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.definitions.guards import unguarded_reads


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('entity.spec.system == "payments"', ["entity.spec.system"]),
        ("size(entity.metadata.tags) > 0", ["entity.metadata.tags"]),
        ('entity.metadata.links.exists(l, l.title == "Runbook")', ["entity.metadata.links"]),
        (
            'entity.metadata.annotations["pagerduty.com/service-id"] != ""',
            ['entity.metadata.annotations["pagerduty.com/service-id"]'],
        ),
    ],
)
def test_unguarded_optional_reads_are_reported(source: str, expected: list[str]) -> None:
    assert unguarded_reads(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        'has(entity.spec.system) && entity.spec.system == "payments"',
        '"tags" in entity.metadata && size(entity.metadata.tags) > 0',
        '"k" in entity.metadata.annotations && entity.metadata.annotations["k"] == "v"',
        '"pagerduty.com/service-id" in entity.metadata.annotations',
        'entity.kind == "Component" && entity.spec.owner != ""',
        "facts.github.archived == false",
    ],
)
def test_guarded_or_required_reads_are_not_reported(source: str) -> None:
    assert unguarded_reads(source) == []


def test_a_guard_in_applies_covers_the_rule() -> None:
    applies = '"github.com/project-slug" in entity.metadata.annotations'
    rule = 'entity.metadata.annotations["github.com/project-slug"].startsWith("acme/")'
    assert unguarded_reads(rule, [applies]) == []


def test_syntax_errors_are_left_to_the_compiler() -> None:
    assert unguarded_reads("entity.spec.system ==") == []


def test_validate_warns_about_an_unguarded_read(load: Callable[..., Definitions]) -> None:
    definitions = load(
        packs="""
        checks:
          - id: has-system
            name: Belongs to a system
            rule: entity.spec.system != ""
        """
    )
    [warning] = definitions.warnings
    assert "packs.yaml:3" in str(warning)
    assert "entity.spec.system without a guard" in str(warning)
    assert "has(entity.spec.system)" in str(warning)
