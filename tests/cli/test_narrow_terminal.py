"""At an 80-column terminal every id, entity ref and setting name is printed whole, and
`score` puts what needs work first, most severe first, with how to fix it.

Each command runs with COLUMNS=80 in its environment, which rich and click honour; the ids
it must show are taken from the same command's JSON output, then looked for whole (on one
line, not cut with "…" nor split across lines) in its text output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from scorecards.cli import app
from scorecards.definitions.specs import SEVERITY_WEIGHTS
from scorecards.engine.loading import load_definitions
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.catalog_facts import catalog_facts
from scorecards.runs.orchestrator import run_in_process
from scorecards.settings import Settings
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores import open_store
from tests.conftest import NOW, REPO_ROOT

PACKS = REPO_ROOT / "checks"
AT = format_timestamp(NOW)
LEGACY = "component:default/legacy-batch"  # fails checks of every severity
CAMPAIGN = "platform-annotations"
# Variables named in help texts that are not settings fields.
OTHER_VARIABLES = {"SCORECARDS_CONFIG", "SCORECARDS_SOURCE_SECRETS"}
runner = CliRunner()
TABLE_EDGES = set("┏┃┡│└┗╭╰ ")
COMMANDS = ("run", "score", "serve", "validate", "report", "what-if", "gate", "docs", "runs")


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The example catalog and facts scored with the bundled packs, at the test clock."""
    path = tmp_path_factory.mktemp("narrow") / "scores.db"
    store = open_store(f"sqlite:///{path}")
    entities = load_catalog_files(REPO_ROOT / "examples" / "catalog")
    facts = [
        *catalog_facts(entities, NOW),
        *load_fact_files(REPO_ROOT / "examples" / "facts", NOW),
    ]
    run_in_process(store, load_definitions(PACKS, run_tests=False), entities, facts, NOW)
    store.close()
    return f"sqlite:///{path}"


def scorecards(*args: str, store_url: str | None = None) -> Result:
    env: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(("SCORECARDS_", "GITHUB_"))
    }
    env.update(COLUMNS="80", SCORECARDS_CONFIG=os.devnull, SCORECARDS_DEFINITIONS=str(PACKS))
    if store_url is not None:
        env["SCORECARDS_STORE_URL"] = store_url
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def is_whole(word: str, output: str) -> bool:
    """`word` on one line, not as part of a longer id."""
    return re.search(rf"(?<![\w/.:-]){re.escape(word)}(?![\w/-])", output) is not None


def assert_fits(output: str) -> None:
    """Nothing cut, and no table wider than the terminal (a sentence may soft-wrap)."""
    assert "…" not in output
    wide = [line for line in output.splitlines() if len(line) > 80 and line[:1] in TABLE_EDGES]
    assert wide == []


def flat(text: str) -> str:
    """Text with its line breaks and the indents of wrapped lines taken out."""
    return " ".join(text.split())


# score


def test_score_lists_what_needs_work_first_most_severe_first(store_url: str) -> None:
    output = scorecards("score", LEGACY, store_url=store_url).stdout
    severities = re.findall(r"^[✘?!] \w+ \[(\w+)\]", output, re.MULTILINE)
    ranks = [list(SEVERITY_WEIGHTS).index(severity) for severity in severities]
    assert len(ranks) > 5
    assert ranks == sorted(ranks)
    assert {"critical", "low"} <= set(severities)
    assert output.index("Needs work") < output.index("Passing or exempt")


def test_score_shows_each_failing_checks_id_and_remediation_whole(store_url: str) -> None:
    result = scorecards("score", LEGACY, store_url=store_url)
    evaluation = json.loads(scorecards("score", LEGACY, "--json", store_url=store_url).stdout)
    definitions = load_definitions(PACKS, run_tests=False)
    failing = [c["check"] for c in evaluation["checks"] if c["status"] == "fail"]
    assert failing
    assert_fits(result.stdout)
    for check_id in failing:
        assert is_whole(f"({check_id})", result.stdout), check_id
        remediation = definitions.checks[check_id].spec.remediation
        assert flat(f"fix: {remediation}") in flat(result.stdout), check_id


def test_score_summarises_the_checks_that_do_not_apply_in_one_line(store_url: str) -> None:
    output = scorecards("score", LEGACY, store_url=store_url).stdout
    (summary,) = [line for line in output.splitlines() if "do not apply" in line]
    assert "--all" in summary
    assert "- skip" not in output


def test_score_all_lists_the_checks_that_do_not_apply(store_url: str) -> None:
    evaluation = json.loads(scorecards("score", LEGACY, "--json", store_url=store_url).stdout)
    skipped = [c["check"] for c in evaluation["checks"] if c["status"] == "skip"]
    output = scorecards("score", LEGACY, "--all", store_url=store_url).stdout
    assert skipped
    assert all(is_whole(f"({check_id})", output) for check_id in skipped)


def test_score_json_is_the_format_json_output(store_url: str) -> None:
    shorthand = scorecards("score", LEGACY, "--json", store_url=store_url)
    spelled = scorecards("score", LEGACY, "--format", "json", store_url=store_url)
    assert shorthand.exit_code == 0, shorthand.output
    assert json.loads(shorthand.stdout) == json.loads(spelled.stdout)


# report


def test_report_shows_every_most_failed_check_id_whole(store_url: str) -> None:
    result = scorecards("report", "--at", AT, store_url=store_url)
    json_args = ("report", "--at", AT, "--format", "json")
    report = json.loads(scorecards(*json_args, store_url=store_url).stdout)
    ids = {
        failing["check"]
        for card in report["scorecards"]
        for team in [card["total"], *card["teams"]]
        for failing in team["failing_checks"][:3]
    }
    assert result.exit_code == 0, result.output
    assert ids
    assert_fits(result.stdout)
    assert [i for i in ids if not is_whole(i, result.stdout)] == []


def test_a_campaign_report_shows_every_remaining_entity_ref_whole(store_url: str) -> None:
    args = ("report", "--campaign", CAMPAIGN, "--at", AT)
    result = scorecards(*args, store_url=store_url)
    report = json.loads(scorecards(*args, "--format", "json", store_url=store_url).stdout)
    remaining = [e["entity"] for e in report["entities"] if e["progress"] == "remaining"]
    assert result.exit_code == 0, result.output
    assert remaining
    assert_fits(result.stdout)
    assert [ref for ref in remaining[:50] if not is_whole(ref, result.stdout)] == []


# what-if


@pytest.fixture(scope="module")
def stricter_packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled packs asking 90% test coverage instead of 70%."""
    folder = tmp_path_factory.mktemp("stricter") / "checks"
    shutil.copytree(PACKS, folder)
    maturity = folder / "maturity.yaml"
    document = yaml.safe_load(maturity.read_text(encoding="utf-8"))
    (check,) = [c for c in document["checks"] if c["id"] == "test-coverage"]
    check["rule"] = check["rule"].replace(">= 70.0", ">= 90.0")
    check.pop("tests", None)
    maturity.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return folder


def test_what_if_tables_show_every_entity_ref_whole(store_url: str, stricter_packs: Path) -> None:
    args = ("what-if", "--definitions", str(stricter_packs), "--current", str(PACKS), "--at", AT)
    result = scorecards(*args, "--format", "table", store_url=store_url)
    report: dict[str, Any] = json.loads(
        scorecards(*args, "--format", "json", store_url=store_url).stdout
    )
    refs = set(re.findall(r'"(component:default/[\w.-]+)"', json.dumps(report)))
    assert result.exit_code == 0, result.output
    assert refs
    assert_fits(result.stdout)
    assert [ref for ref in refs if not is_whole(ref, result.stdout)] == []


# --help


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_every_setting_variable_whole(command: str) -> None:
    output = scorecards(command, "--help").stdout
    known = {f"SCORECARDS_{name.upper()}" for name in Settings.model_fields} | OTHER_VARIABLES
    named = set(re.findall(r"SCORECARDS_[A-Z_]*[A-Z]", output))
    assert_fits(output)
    assert named - known == set()


def test_top_level_help_lists_the_getting_started_commands_first() -> None:
    output = scorecards("--help").stdout
    listed = re.findall(r"^  ([a-z][a-z-]*)\s", output, re.MULTILINE)
    assert listed[:4] == ["run", "score", "serve", "validate"]
    assert set(COMMANDS) <= set(listed)
    assert listed.index("runs") > listed.index("docs")
    assert_fits(output)
