"""Pushed-style fact files: the embedded stand-in for facts CI jobs push."""

from __future__ import annotations

import json
import os
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from scorecards.errors import FactsError
from scorecards.formats.yaml_fast import load_plain_all
from scorecards.records.fact_schemas import FactSchemaSpec
from scorecards.sources.fact_files import load_fact_files, read_fact_file
from tests.conftest import NOW, REPO_ROOT

CI_FACTS = """
source: ci
facts:
  - entity: component:default/payments-api
    timestamp: "2026-11-24T17:30:00Z"
    values: {coverage: 87.4, build_passing: true}
  - entity: Component:Default/Search
    values: {coverage: 41.0, build_passing: false}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def facts_error(folder: Path) -> str:
    with pytest.raises(FactsError) as caught:
        load_fact_files(folder, NOW)
    return str(caught.value)


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_each_fact_names_its_entity_source_and_values(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", CI_FACTS)
    first, _ = load_fact_files(tmp_path, NOW)
    assert first.entity_ref == "component:default/payments-api"
    assert first.source == "ci"
    assert first.values == {"coverage": 87.4, "build_passing": True}


def test_a_given_timestamp_is_kept(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", CI_FACTS)
    first, _ = load_fact_files(tmp_path, NOW)
    assert first.timestamp.isoformat() == "2026-11-24T17:30:00+00:00"


def test_a_fact_without_a_timestamp_counts_as_collected_when_its_file_was_written(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS)
    written = NOW - timedelta(hours=3)
    os.utime(path, (written.timestamp(), written.timestamp()))
    _, second = load_fact_files(tmp_path, NOW)
    assert second.timestamp == written


def test_a_file_written_after_the_run_time_counts_at_the_run_time(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS)
    later = NOW + timedelta(days=3)
    os.utime(path, (later.timestamp(), later.timestamp()))
    _, second = load_fact_files(tmp_path, NOW)
    assert second.timestamp == NOW


def test_entity_refs_are_lower_cased(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", CI_FACTS)
    _, second = load_fact_files(tmp_path, NOW)
    assert second.entity_ref == "component:default/search"


def test_json_fact_files_are_read_too(tmp_path: Path) -> None:
    document = {"source": "vulns", "facts": [{"entity": "component:default/a", "values": {"n": 1}}]}
    (tmp_path / "vulns.json").write_text(json.dumps(document))
    (fact,) = load_fact_files(tmp_path, NOW)
    assert (fact.source, fact.values) == ("vulns", {"n": 1})


def test_a_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    message = facts_error(tmp_path / "nowhere")
    assert f"facts folder '{tmp_path / 'nowhere'}' does not exist" in message


def test_a_value_that_does_not_fit_the_source_schema_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS.replace("coverage: 41.0", "coverage: high"))
    schema = {
        "coverage": FactSchemaSpec(type="float"),
        "build_passing": FactSchemaSpec(type="boolean"),
    }
    with pytest.raises(FactsError) as caught:
        load_fact_files(tmp_path, NOW, {"ci": schema}.get)
    line = line_of(path, "coverage: high")
    assert f"{path}:{line}: facts.1.values.coverage: string 'high' is not a float" in str(
        caught.value
    )


def test_a_file_for_a_source_without_a_schema_is_refused_naming_its_source_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS)
    with pytest.raises(FactsError) as caught:
        load_fact_files(tmp_path, NOW, lambda source: None)
    line = line_of(path, "source: ci")
    assert f"{path}:{line}: source 'ci' declares no fact schema" in str(caught.value)


def test_files_of_a_source_no_definition_reads_are_left_out(tmp_path: Path) -> None:
    write(tmp_path, "ci.yaml", CI_FACTS)
    write(tmp_path, "deploys.yaml", CI_FACTS.replace("source: ci", "source: deploys"))
    schemas = {
        "ci": {
            "coverage": FactSchemaSpec(type="float"),
            "build_passing": FactSchemaSpec(type="boolean"),
        }
    }

    facts = load_fact_files(tmp_path, NOW, schemas.get, lambda source: source == "ci")

    assert {fact.source for fact in facts} == {"ci"}  # deploys: no schema, but nothing reads it


def test_an_unquoted_timestamp_in_values_stays_rfc3339_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "ci.yaml",
        """
        source: ci
        facts:
          - entity: component:default/a
            values: {last_deploy: 2026-11-24T17:30:00Z}
        """,
    )
    (fact,) = load_fact_files(tmp_path, NOW)
    assert fact.values == {"last_deploy": "2026-11-24T17:30:00Z"}


def test_a_bad_entity_ref_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS.replace("Component:Default/Search", "search"))
    message = facts_error(tmp_path)
    assert (
        f"{path}:{line_of(path, 'entity: search')}: facts.1.entity: entity ref 'search'" in message
    )
    assert "has no kind" in message


def test_the_reserved_source_scorecards_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS.replace("source: ci", "source: scorecards"))
    message = facts_error(tmp_path)
    assert f"{path}:{line_of(path, 'source:')}: source 'scorecards' is reserved" in message


def test_an_unknown_key_is_an_error_naming_it_and_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ci.yaml",
        CI_FACTS.replace("values: {coverage: 41.0", "value: {x: 1}\n    values: {coverage: 41.0"),
    )
    message = facts_error(tmp_path)
    assert f"{path}:{line_of(path, 'value: {x')}: facts.1.value: Extra inputs" in message


def test_a_fact_without_values_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ci.yaml",
        """
        source: ci
        facts:
          - entity: component:default/a
        """,
    )
    message = facts_error(tmp_path)
    assert f"{path}:{line_of(path, '- entity')}: facts.0.values: Field required" in message


def test_an_impossible_timestamp_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = write(
        tmp_path, "ci.yaml", CI_FACTS.replace('"2026-11-24T17:30:00Z"', "2026-13-24T17:30:00Z")
    )
    message = facts_error(tmp_path)
    assert f"{path}:{line_of(path, 'timestamp')}: facts.0.timestamp:" in message


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", "source: ci\nfacts: [\n")
    assert f"{path}:3: YAML syntax error" in facts_error(tmp_path)


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CI_FACTS.replace("source: ci", "source: scorecards"))
    write(tmp_path, "b.yaml", "facts: []\n")
    message = facts_error(tmp_path)
    assert str(tmp_path / "a.yaml") in message
    assert f"{tmp_path / 'b.yaml'}:1: source: Field required" in message


def test_the_bundled_example_facts_load() -> None:
    facts = load_fact_files(REPO_ROOT / "examples" / "facts", NOW)
    assert {"github", "ci"} <= {fact.source for fact in facts}


def test_one_fact_file_is_read_into_its_facts(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS)
    facts, problems = read_fact_file(path, NOW)
    assert problems == []
    assert [(f.entity_ref, f.values["coverage"]) for f in facts] == [
        ("component:default/payments-api", 87.4),
        ("component:default/search", 41.0),
    ]


def test_one_fact_file_read_by_the_fast_path_names_the_line_of_a_problem(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS.replace("Component:Default/Search", "a/b/c"))
    assert load_plain_all(path.read_text()) is not None  # read by the fast path first
    facts, problems = read_fact_file(path, NOW)
    assert len(facts) == 1
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:{line_of(path, 'a/b/c')}: facts.1.entity: ")


def test_a_fact_file_of_several_documents_is_one_yaml_error(tmp_path: Path) -> None:
    path = write(tmp_path, "ci.yaml", CI_FACTS + "---\n" + CI_FACTS)
    facts, problems = read_fact_file(path, NOW)
    assert facts == []
    assert len(problems) == 1 and "YAML syntax error" in problems[0]


def test_the_example_facts_are_read_by_the_fast_path_as_before(tmp_path: Path) -> None:
    for path in sorted((REPO_ROOT / "examples" / "facts").glob("*.yaml")):
        assert load_plain_all(path.read_text()) is not None, f"{path} declined the fast path"
        copy = tmp_path / path.name
        copy.write_text(path.read_text())
        # A document the fast path does not read (a comment holding a tag) goes the old way.
        slow = tmp_path / f"slow-{path.name}"
        slow.write_text("# !\n" + path.read_text())
        assert load_plain_all(slow.read_text()) is None
        fast_facts, fast_problems = read_fact_file(copy, NOW)
        slow_facts, slow_problems = read_fact_file(slow, NOW)
        assert fast_problems == slow_problems == []
        assert [(f.entity_ref, f.timestamp, f.values) for f in fast_facts] == [
            (f.entity_ref, f.timestamp, f.values) for f in slow_facts
        ]
