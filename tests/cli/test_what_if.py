"""`scorecards what-if` over a real SQLite store scored with the bundled packs and examples."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entities
from scorecards.engine.loading import load_definitions
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.catalog_facts import catalog_facts
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores import open_store
from tests.conftest import NOW, REPO_ROOT

runner = CliRunner()
PACKS = REPO_ROOT / "checks"
AT = format_timestamp(NOW)
LONGER = "Records every money movement as balanced double-entry postings for every currency."


@pytest.fixture(scope="module")
def scored_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the example catalog, its facts and results of the bundled packs."""
    path = tmp_path_factory.mktemp("scored") / "scores.db"
    store = open_store(f"sqlite:///{path}")
    entities = load_catalog_files(REPO_ROOT / "examples" / "catalog")
    facts = [
        *catalog_facts(entities, NOW),
        *load_fact_files(REPO_ROOT / "examples" / "facts", NOW),
    ]
    run_in_process(store, load_definitions(PACKS, run_tests=False), entities, facts, NOW)
    store.close()
    return path


@pytest.fixture
def store_url(scored_store: Path, tmp_path: Path) -> Iterator[str]:
    copy = tmp_path / "scores.db"
    shutil.copy(scored_store, copy)
    yield f"sqlite:///{copy}"


@pytest.fixture
def stricter_packs(tmp_path: Path) -> Path:
    """The bundled packs with has-description asking for 60 characters instead of 20."""
    folder = tmp_path / "edited"
    shutil.copytree(PACKS, folder)
    maturity = folder / "maturity.yaml"
    document = yaml.safe_load(maturity.read_text(encoding="utf-8"))
    (check,) = [c for c in document["checks"] if c["id"] == "has-description"]
    assert ">= 20" in check["rule"]
    check["rule"] = check["rule"].replace(">= 20", ">= 60")
    for test in check["tests"]:
        if test["expect"] == "pass":
            test["entity"]["metadata"]["description"] = LONGER
    maturity.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return folder


def what_if(store_url: str, edited: Path, *extra: str) -> Any:
    args = ["what-if", "--definitions", str(edited), "--current", str(PACKS)]
    return runner.invoke(app, [*args, "--store", store_url, "--at", AT, *extra])


def level_drops(current: Definitions, edited: Definitions, store_url: str) -> set[tuple[str, str]]:
    """(scorecard, entity) pairs whose level is lower under `edited`, from two evaluations."""
    store = open_store(store_url)
    try:
        entities = store.get_entities(store.list_entity_refs())
        facts = store.input_facts(list(entities))
    finally:
        store.close()
    before = evaluate_entities(current, entities.values(), facts, NOW)
    after = evaluate_entities(edited, entities.values(), facts, NOW)
    drops = set()
    for old, new in zip(before, after, strict=True):
        for card in old.scorecards:
            changed = new.scorecard(card.scorecard_id)
            old_names = [level.name for level in current.scorecards[card.scorecard_id].levels]
            new_names = [level.name for level in edited.scorecards[card.scorecard_id].levels]
            rank_before = old_names.index(card.level) + 1 if card.level else 0
            rank_after = new_names.index(changed.level) + 1 if changed and changed.level else 0
            if rank_after < rank_before:
                drops.add((card.scorecard_id, old.entity_ref))
    return drops


def store_contents(url: str) -> list[str]:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_a_stricter_check_reports_exactly_the_entities_whose_level_drops(
    store_url: str, stricter_packs: Path
) -> None:
    expected = level_drops(
        load_definitions(PACKS, run_tests=False),
        load_definitions(stricter_packs, run_tests=False),
        store_url,
    )
    result = what_if(store_url, stricter_packs, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    reported = {
        (c["scorecard_id"], c["entity_ref"])
        for c in report["level_changes"]
        if c["direction"] == "down"
    }
    assert len(expected) >= 3, "the stricter check should cost several entities a level"
    assert reported == expected
    assert report["summary"]["level_rises"] == 0
    assert report["definitions"]["changed"]["checks"] == ["has-description"]


def test_what_if_writes_nothing_to_the_store(store_url: str, stricter_packs: Path) -> None:
    before = store_contents(store_url)
    result = what_if(store_url, stricter_packs, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["check_flips"] > 0
    assert store_contents(store_url) == before


def test_markdown_output_is_a_pull_request_comment(store_url: str, stricter_packs: Path) -> None:
    result = what_if(store_url, stricter_packs, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("### Scorecards what-if:")
    assert "#### Level changes" in result.stdout
    assert "- Changed checks: `has-description`" in result.stdout


def test_the_table_names_each_entity_that_drops(store_url: str, stricter_packs: Path) -> None:
    result = what_if(store_url, stricter_packs, "--format", "table")
    assert result.exit_code == 0, result.output
    assert "level drop" in result.stdout
    assert "Level changes" in result.stdout


def test_unchanged_definitions_report_nothing_and_pass_the_drop_gate(store_url: str) -> None:
    result = what_if(store_url, PACKS, "--fail-on-drop")
    assert result.exit_code == 0, result.output
    assert "no level, score or check result changes" in result.stdout


def test_fail_on_drop_exits_1_when_an_entity_would_lose_a_level(
    store_url: str, stricter_packs: Path
) -> None:
    assert what_if(store_url, stricter_packs, "--fail-on-drop").exit_code == 1


def test_edited_definitions_with_a_failing_inline_test_are_refused(
    store_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(PACKS, folder)
    maturity = folder / "maturity.yaml"
    maturity.write_text(
        maturity.read_text(encoding="utf-8").replace(
            "size(entity.metadata.description) >= 20", "size(entity.metadata.description) >= 90"
        ),
        encoding="utf-8",
    )
    result = what_if(store_url, folder)
    assert result.exit_code == 2
    assert "maturity.yaml:" in result.stderr
    assert "check 'has-description': inline test 'a real sentence passes'" in result.stderr


def test_the_current_definitions_default_to_the_configured_folder(
    store_url: str, stricter_packs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORECARDS_DEFINITIONS", str(stricter_packs))
    args = ["what-if", "--definitions", str(stricter_packs), "--store", store_url, "--at", AT]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "no level, score or check result changes" in result.stdout


def test_an_unknown_format_is_refused(store_url: str) -> None:
    result = what_if(store_url, PACKS, "--format", "html")
    assert result.exit_code == 2
    assert "unknown format 'html'" in result.stderr


def test_a_malformed_at_time_is_refused(store_url: str) -> None:
    result = what_if(store_url, PACKS, "--at", "yesterday")
    assert result.exit_code == 2
    assert "--at 'yesterday' is not an RFC 3339 time" in result.stderr
