"""Every kind of definitions problem, reported as `file:line: kind 'id': what` (docs/architecture.md §3)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError, Problem
from tests.conftest import NOW

WriteDefinitions = Callable[..., Path]
Load = Callable[..., Definitions]

GOOD_CHECK = """
checks:
  - id: has-owner
    name: Has an owner
    rule: '"owner" in entity.spec'
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`, as the loader will see it."""
    seen = 0
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not in the text")


def problems(write: WriteDefinitions, **files: str) -> list[Problem]:
    folder = write(**files)
    with pytest.raises(DefinitionsError) as caught:
        load_definitions(folder, now=NOW)
    return caught.value.problems


def one_problem(write: WriteDefinitions, **files: str) -> str:
    found = problems(write, **files)
    assert len(found) == 1, "\n".join(str(p) for p in found)
    return str(found[0])


def test_a_yaml_syntax_error_names_its_line_and_column(write_definitions: WriteDefinitions) -> None:
    text = """
    checks:
      - id: has-owner
        name: [unclosed
        rule: "true"
    """
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'rule:')}: file: YAML syntax error (column" in problem


def test_an_unknown_top_level_key_suggests_the_right_one(
    write_definitions: WriteDefinitions,
) -> None:
    text = GOOD_CHECK + "chekcs: []\n"
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'chekcs')}: file: unknown top-level key 'chekcs'" in problem
    assert "did you mean 'checks'?" in problem


def test_an_unknown_key_in_a_check_is_an_error_with_a_hint(
    write_definitions: WriteDefinitions,
) -> None:
    text = GOOD_CHECK + "    severty: high\n"
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'severty')}: check 'has-owner': unknown key 'severty'" in problem
    assert "did you mean 'severity'?" in problem


def test_a_missing_required_key_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = """
    checks:
      - id: has-owner
        name: Has an owner
    """
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, '- id:')}: check 'has-owner': 'rule' is required" in problem


def test_an_id_that_is_not_kebab_case_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = GOOD_CHECK.replace("has-owner", "Has_Owner")
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'Has_Owner')}: check 'Has_Owner': id:" in problem


def test_a_duplicate_id_across_two_files_names_both_places(
    write_definitions: WriteDefinitions,
) -> None:
    problem = one_problem(write_definitions, a=GOOD_CHECK, b=GOOD_CHECK)
    line = line_of(GOOD_CHECK, "- id:")
    assert f"b.yaml:{line}: check 'has-owner': duplicate id: already defined as check at" in problem
    assert f"a.yaml:{line}" in problem


def test_a_scorecard_referencing_an_unknown_check_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
scorecards:
  - id: basics
    name: Basics
    checks: [has-owner, has-ownr]
"""
    )
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "checks: [has-owner")
    assert f"a.yaml:{where}: scorecard 'basics': unknown check 'has-ownr'" in problem
    assert "did you mean 'has-owner'?" in problem


def test_a_campaign_referencing_an_unknown_check_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
campaigns:
  - id: owners-everywhere
    name: Owners everywhere
    checks: [has-pagerduty]
    deadline: 2027-03-31
"""
    )
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "checks: [has-pagerduty]")
    assert f"a.yaml:{where}: campaign 'owners-everywhere': unknown check 'has-pagerduty'" in problem


def test_an_exemption_referencing_an_unknown_check_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
exemptions:
  - check: has-pagerduty
    entity: component:default/legacy
    reason: Being retired
    expires: 2027-01-31
"""
    )
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "check: has-pagerduty")
    assert f"a.yaml:{where}: exemption 'has-pagerduty': unknown check 'has-pagerduty'" in problem


def test_an_exemption_with_a_malformed_entity_ref_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
exemptions:
  - check: has-owner
    entity: "component:default/"
    reason: Being retired
    expires: 2027-01-31
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'entity:')}: exemption 'has-owner': entity ref" in problem


def test_a_level_requiring_a_check_outside_its_scorecard_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
  - id: has-docs
    name: Has docs
    rule: "true"
scorecards:
  - id: basics
    name: Basics
    checks: [has-owner]
    levels:
      - name: Bronze
        checks: [has-docs]
"""
    )
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "checks: [has-docs]")
    assert (
        f"a.yaml:{where}: scorecard 'basics': level 'Bronze' requires check 'has-docs', "
        "which the scorecard does not include"
    ) in problem


def test_a_cel_syntax_error_names_the_field_line_and_column(
    write_definitions: WriteDefinitions,
) -> None:
    text = GOOD_CHECK.replace("'\"owner\" in entity.spec'", "'entity.kind = \"Component\"'")
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "rule:")
    assert (
        f"a.yaml:{where}: check 'has-owner': rule: CEL syntax error at line 1, column 13" in problem
    )
    assert 'entity.kind = "Component"' in problem


def test_a_cel_syntax_error_in_applies_is_reported_too(write_definitions: WriteDefinitions) -> None:
    text = GOOD_CHECK + "    applies: entity.kind ==\n"
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "applies:")
    assert f"a.yaml:{where}: check 'has-owner': applies: CEL syntax error" in problem


def test_a_rule_returning_a_non_bool_in_an_inline_test_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = """
    checks:
      - id: critical-alerts
        name: Critical alerts
        rule: entity.metadata.annotations["example.com/critical-alerts"]
        tests:
          - name: clean repository
            entity: {kind: Component, metadata: {name: a, annotations: {example.com/critical-alerts: "0"}}}
            expect: pass
    """
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "- name: clean repository")
    assert (
        f"a.yaml:{where}: check 'critical-alerts': inline test 'clean repository': "
        "rule must return bool, got string"
    ) in problem
    assert "hint: compare it" in problem


def test_a_failing_inline_test_is_an_error_naming_the_test(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
    tests:
      - name: owned component passes
        entity: {kind: Component, metadata: {name: a}, spec: {owner: team-a}}
        expect: pass
      - name: ownerless component passes
        entity: {kind: Component, metadata: {name: b}, spec: {}}
        expect: pass
"""
    )
    problem = one_problem(write_definitions, a=text)
    where = line_of(text, "- name: ownerless component passes")
    assert (
        f"a.yaml:{where}: check 'has-owner': inline test 'ownerless component passes' "
        "expected pass, got fail"
    ) in problem


def test_an_unnamed_inline_test_is_named_by_its_position(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
    tests:
      - entity: {kind: Component, metadata: {name: a}, spec: {owner: team-a}}
        expect: fail
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert "check 'has-owner': inline test '#1' expected fail, got pass" in problem


@pytest.mark.parametrize("severity", ["urgent", "HIGH", "3"])
def test_a_bad_severity_is_an_error(write_definitions: WriteDefinitions, severity: str) -> None:
    text = GOOD_CHECK + f"    severity: {severity}\n"
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'severity:')}: check 'has-owner': severity:" in problem
    assert "one of critical, high, medium, low" in problem


@pytest.mark.parametrize("weight", ["0", "-1", "heavy", "1001"])
def test_a_bad_weight_is_an_error(write_definitions: WriteDefinitions, weight: str) -> None:
    text = GOOD_CHECK + f"    weight: {weight}\n"
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'weight:')}: check 'has-owner': weight:" in problem


def test_a_bad_weight_in_a_scorecard_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = (
        GOOD_CHECK
        + """
scorecards:
  - id: basics
    name: Basics
    checks:
      - {id: has-owner, weight: -2}
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'weight: -2')}: scorecard 'basics': checks.0" in problem


@pytest.mark.parametrize("min_score", ["150", "-1", "high"])
def test_a_bad_level_min_score_is_an_error(
    write_definitions: WriteDefinitions, min_score: str
) -> None:
    text = (
        GOOD_CHECK
        + f"""
scorecards:
  - id: basics
    name: Basics
    checks: [has-owner]
    levels:
      - name: Gold
        minScore: {min_score}
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'minScore')}: scorecard 'basics': levels.0.minScore:" in problem


def test_decreasing_level_min_scores_are_an_error(write_definitions: WriteDefinitions) -> None:
    text = (
        GOOD_CHECK
        + """
scorecards:
  - id: basics
    name: Basics
    checks: [has-owner]
    levels:
      - {name: Silver, minScore: 80}
      - {name: Gold, minScore: 50}
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, '- id: basics')}: scorecard 'basics':" in problem
    assert "minScore must not decrease: [80.0, 50.0]" in problem


def test_a_bad_campaign_deadline_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = (
        GOOD_CHECK
        + """
campaigns:
  - id: owners
    name: Owners
    checks: [has-owner]
    deadline: next spring
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'deadline')}: campaign 'owners': deadline:" in problem
    assert "a date such as 2027-01-31" in problem


def test_an_impossible_calendar_date_is_reported_not_raised(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """
campaigns:
  - id: owners
    name: Owners
    checks: [has-owner]
    deadline: 2026-13-45
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'deadline')}: campaign 'owners': deadline:" in problem
    assert "2026-13-45" in problem


def test_a_bad_exemption_expiry_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = (
        GOOD_CHECK
        + """
exemptions:
  - check: has-owner
    entity: component:default/legacy
    reason: Being retired
    expires: someday
"""
    )
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'expires')}: exemption 'has-owner': expires:" in problem


@pytest.mark.parametrize("max_age", ["7 days", "1y", "soon"])
def test_a_bad_max_age_duration_is_an_error(
    write_definitions: WriteDefinitions, max_age: str
) -> None:
    text = GOOD_CHECK + f"    maxAge: {max_age}\n"
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'maxAge')}: check 'has-owner': maxAge:" in problem
    assert "a duration such as 12h, 7d or 2w" in problem


@pytest.mark.parametrize("schedule", ["every day", "61 * * * *", "* * * * * *"])
def test_a_bad_cron_schedule_is_an_error(
    write_definitions: WriteDefinitions, schedule: str
) -> None:
    text = f"""
sources:
  - id: github
    type: github
    schedule: "{schedule}"
"""
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, 'schedule')}: source 'github': schedule:" in problem


def test_an_http_source_without_a_url_is_an_error(write_definitions: WriteDefinitions) -> None:
    text = """
sources:
  - id: sonarqube
    type: http
    facts:
      coverage: double(response.coverage)
"""
    problem = one_problem(write_definitions, a=text)
    assert f"a.yaml:{line_of(text, '- id: sonarqube')}: source 'sonarqube':" in problem
    assert "an http source needs `url`" in problem


def test_a_cel_syntax_error_in_a_source_fact_mapping_is_an_error(
    write_definitions: WriteDefinitions,
) -> None:
    text = """
sources:
  - id: sonarqube
    type: http
    url: '"https://sonar.example.com/api/" + entity.metadata.name'
    facts:
      coverage: double(response.coverage
"""
    problem = one_problem(write_definitions, a=text)
    assert (
        f"a.yaml:{line_of(text, 'coverage:')}: source 'sonarqube': facts.coverage: CEL" in problem
    )


def test_every_problem_in_a_file_is_reported_at_once(write_definitions: WriteDefinitions) -> None:
    text = """
    checks:
      - id: has-owner
        name: Has an owner
        severity: urgent
        rule: '"owner" in entity.spec'
      - id: has-docs
        name: Has docs
        rule: entity.metadata.name ==
    scorecards:
      - id: basics
        name: Basics
        checks: [has-owner, has-runbook]
    """
    found = problems(write_definitions, a=text)
    located = sorted((p.line, p.kind, p.id) for p in found)
    assert located == [
        (line_of(text, "severity"), "check", "has-owner"),
        (line_of(text, "rule: entity.metadata.name"), "check", "has-docs"),
        (line_of(text, "checks: [has-owner"), "scorecard", "basics"),
    ]


def test_problems_in_several_files_are_reported_together(
    write_definitions: WriteDefinitions,
) -> None:
    found = problems(
        write_definitions,
        a=GOOD_CHECK + "    severity: urgent\n",
        b="checks: [\n",
        c="scorecards:\n  - {id: x, name: X, checks: [nope]}\n",
    )
    assert sorted(Path(p.file).name for p in found) == ["a.yaml", "b.yaml", "c.yaml"]


def test_a_broken_check_is_not_reported_again_where_it_is_referenced(
    write_definitions: WriteDefinitions,
) -> None:
    text = (
        GOOD_CHECK
        + """    severity: urgent
scorecards:
  - {id: basics, name: Basics, checks: [has-owner]}
exemptions:
  - {check: has-owner, entity: component:default/legacy, reason: Retiring, expires: 2027-01-31}
"""
    )
    found = problems(write_definitions, a=text)
    assert [(p.kind, p.id) for p in found] == [("check", "has-owner")]


def test_a_folder_with_any_problem_loads_nothing(write_definitions: WriteDefinitions) -> None:
    folder = write_definitions(a=GOOD_CHECK, b="checks:\n  - {id: bad, name: Bad, rule: '1 +'}\n")
    with pytest.raises(DefinitionsError) as caught:
        load_definitions(folder, now=NOW)
    assert len(caught.value.problems) == 1
    assert "1 problem in definitions" in str(caught.value)


def test_a_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(DefinitionsError, match="is not a folder"):
        load_definitions(tmp_path / "nowhere", now=NOW)


def test_a_folder_without_yaml_files_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(DefinitionsError, match=r"holds no \*\.yaml files"):
        load_definitions(tmp_path, now=NOW)


def test_a_good_folder_loads_every_kind_of_definition(load: Load) -> None:
    definitions = load(
        a=GOOD_CHECK
        + """
scorecards:
  - {id: basics, name: Basics, checks: [has-owner]}
campaigns:
  - {id: owners, name: Owners, checks: [has-owner], deadline: 2027-03-31}
exemptions:
  - {check: has-owner, entity: component:default/legacy, reason: Retiring, expires: 2027-01-31}
sources:
  - {id: github, type: github, schedule: "0 */6 * * *", maxAge: 1d}
"""
    )
    assert list(definitions.checks) == ["has-owner"]
    assert list(definitions.scorecards) == ["basics"]
    assert list(definitions.campaigns) == ["owners"]
    assert list(definitions.exemptions) == [("has-owner", "component:default/legacy")]
    assert list(definitions.sources) == ["github"]


REFORMATTED = """
# The same definitions, written differently.
checks:
  -   rule: >-
        "owner" in entity.spec
      name: "Has an owner"   # quoted now
      id: has-owner
"""


def test_the_version_does_not_change_with_formatting_or_comments(load: Load) -> None:
    assert load(a=GOOD_CHECK).version == load(a=REFORMATTED).version


def test_the_version_does_not_depend_on_how_entries_are_split_across_files(load: Load) -> None:
    two = GOOD_CHECK + '  - {id: has-docs, name: Docs, rule: "true"}\n'
    split = 'checks:\n  - {id: has-docs, name: Docs, rule: "true"}\n'
    assert load(a=two).version == load(a=GOOD_CHECK, b=split).version


def test_the_version_changes_when_a_rule_changes(load: Load) -> None:
    changed = GOOD_CHECK.replace('"owner" in entity.spec', '"owner" in entity.metadata')
    assert load(a=GOOD_CHECK).version != load(a=changed).version
