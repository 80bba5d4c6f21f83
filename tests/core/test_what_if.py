"""What-if comparisons of two definitions over the same entities and facts (scorecards/what_if.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import Status
from scorecards.reports.what_if import NO_OWNER, Direction, WhatIf, what_if
from scorecards.reports.what_if_report import render_what_if_markdown
from tests.conftest import NOW

Load = Callable[..., Definitions]

PACK = """
checks:
  - id: has-owner
    name: Has an owner
    severity: critical
    rule: '"owner" in entity.spec'
  - id: has-description
    name: Has a description
    rule: '"description" in entity.metadata && size(entity.metadata.description) >= {min_length}'
  - id: no-critical-alerts
    name: No critical alerts
    requires: [github]
    rule: facts.github.dependabot_alerts_critical == 0
scorecards:
  - id: maturity
    name: Maturity
    checks: [has-owner, has-description]
    levels:
      - {{name: Bronze, checks: [has-owner]}}
      - {{name: Silver, checks: [has-description]}}
"""


def pack(min_length: int = 10, extra: str = "") -> str:
    return PACK.format(min_length=min_length) + extra


def component(name: str, description: str | None = None, owner: str | None = "team-a") -> Any:
    metadata: dict[str, Any] = {"name": name}
    if description is not None:
        metadata["description"] = description
    spec: dict[str, Any] = {"type": "service", "lifecycle": "production"}
    if owner is not None:
        spec["owner"] = owner
    return normalize_entity({"kind": "Component", "metadata": metadata, "spec": spec})


ENTITIES = [
    component("short", "Twelve chars"),  # 12: Silver at 10, Bronze at 20
    component("long", "A description of well over twenty characters"),
    component("bare"),
    component("orphan", "Another long enough description", owner=None),
]
FACTS = {"component:default/long": {"github": FactSnapshot(NOW, {"dependabot_alerts_critical": 0})}}


def compare(load: Load, current: str, edited: str) -> WhatIf:
    return what_if(load(a=current), load(a=edited), ENTITIES, FACTS, NOW)


def test_a_stricter_check_drops_exactly_the_entities_that_no_longer_meet_the_level(
    load: Load,
) -> None:
    report = compare(load, pack(10), pack(20))
    assert [(c.entity_ref, c.before, c.after) for c in report.drops] == [
        ("component:default/short", "Silver", "Bronze")
    ]
    assert report.drops[0].direction is Direction.DOWN
    assert report.rises == ()


def test_a_looser_check_raises_levels(load: Load) -> None:
    report = compare(load, pack(20), pack(10))
    assert [c.entity_ref for c in report.rises] == ["component:default/short"]
    assert report.drops == ()


def test_check_flips_name_the_entity_check_and_both_statuses(load: Load) -> None:
    report = compare(load, pack(10), pack(20))
    assert [(f.entity_ref, f.check_id, f.before, f.after) for f in report.check_flips] == [
        ("component:default/short", "has-description", Status.PASS, Status.FAIL)
    ]


def test_identical_definitions_change_nothing(load: Load) -> None:
    report = compare(load, pack(), pack())
    assert report.current_version == report.edited_version
    assert (report.level_changes, report.check_flips, report.new_errors) == ((), (), ())
    assert report.definitions.is_empty
    assert not any(a.changed for a in report.averages)


def test_team_averages_are_given_before_and_after_per_owner(load: Load) -> None:
    report = compare(load, pack(10), pack(20))
    by_owner = {a.owner: a for a in report.team_averages}
    team = by_owner["group:default/team-a"]
    # short: 100 -> 66.67 (has-owner 10, has-description 5); long 100; bare 66.67
    assert (team.entities_before, team.entities_after) == (3, 3)
    assert team.average_before == pytest.approx(88.89)
    assert team.average_after == pytest.approx(77.78)
    assert team.delta == pytest.approx(-11.11)
    assert not by_owner[NO_OWNER].changed


def test_the_whole_catalog_average_is_given_too(load: Load) -> None:
    report = compare(load, pack(10), pack(20))
    (catalog,) = report.catalog_averages
    assert (catalog.scorecard_id, catalog.entities_before) == ("maturity", 4)
    assert catalog.average_after is not None and catalog.average_before is not None
    assert catalog.average_after < catalog.average_before


def test_an_error_the_edit_introduces_is_reported_as_new(load: Load) -> None:
    # A fact of the github schema that the collected facts lack: an error when the
    # rule runs, not when the definitions load.
    broken = pack(10).replace(
        "rule: facts.github.dependabot_alerts_critical == 0",
        "rule: facts.github.code_scanning_alerts_critical == 0",
    )
    report = compare(load, pack(10), broken)
    assert [(e.entity_ref, e.kind, e.id) for e in report.new_errors] == [
        ("component:default/long", "check", "no-critical-alerts")
    ]
    assert "code_scanning_alerts_critical" in report.new_errors[0].message


def test_an_error_that_was_there_before_is_not_new(load: Load) -> None:
    broken = pack(10).replace(
        "rule: facts.github.dependabot_alerts_critical == 0",
        "rule: facts.github.code_scanning_alerts_critical == 0",
    )
    report = compare(load, broken, broken.replace("Has an owner", "Owned"))
    assert report.new_errors == ()


def test_a_new_check_that_does_not_apply_is_not_a_flip(load: Load) -> None:
    extra = """
  - id: websites-only
    name: Websites only
    applies: entity.spec.type == "website"
    rule: 'false'
"""
    edited = pack(10).replace("scorecards:", extra.lstrip("\n") + "scorecards:")
    report = compare(load, pack(10), edited)
    assert report.check_flips == ()
    assert report.definitions.added["checks"] == ["websites-only"]


def test_a_scorecard_that_newly_applies_is_listed_as_new(load: Load) -> None:
    extra = """
  - id: security
    name: Security
    checks: [no-critical-alerts]
    levels: [{name: Safe, checks: [no-critical-alerts]}]
"""
    report = compare(load, pack(10), pack(10, extra))
    new = [c for c in report.level_changes if c.scorecard_id == "security"]
    assert {c.direction for c in new} == {Direction.NEW}
    assert {(c.entity_ref, c.after) for c in new} == {
        ("component:default/long", "Safe"),
        ("component:default/short", None),
        ("component:default/bare", None),
        ("component:default/orphan", None),
    }


def test_definition_changes_list_edited_ids(load: Load) -> None:
    report = compare(load, pack(10), pack(20))
    assert report.definitions.changed["checks"] == ["has-description"]
    assert report.definitions.changed["scorecards"] == []


def test_the_report_is_plain_json_data(load: Load) -> None:
    data = json.loads(json.dumps(compare(load, pack(10), pack(20)).to_dict()))
    assert data["summary"] == {
        "level_drops": 1,
        "level_rises": 0,
        "level_changes": 1,
        "check_flips": 1,
        "new_errors": 0,
    }
    assert data["level_changes"][0]["direction"] == "down"
    assert data["check_flips"][0]["before"] == "pass"


def test_the_markdown_report_shows_each_drop_with_its_owner(load: Load) -> None:
    text = render_what_if_markdown(compare(load, pack(10), pack(20)))
    assert "**1 level drop**" in text
    assert (
        "| `maturity` | `component:default/short` | `group:default/team-a` | Silver → Bronze ▼ |"
        in text
    )


def test_the_markdown_report_stops_long_sections_and_says_how_many_were_left_out(
    load: Load,
) -> None:
    report = compare(load, pack(10), pack(100))
    text = render_what_if_markdown(report, max_rows=1)
    assert len(report.check_flips) == 3
    assert "… and 2 more (`--format json` lists them all)." in text
