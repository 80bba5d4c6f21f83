"""What a new user meets first: the demo said to be the demo, typos and missing folders
refused with one line naming them, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scorecards.cli import app
from tests.conftest import REPO_ROOT, free_port

runner = CliRunner()
SMALL = REPO_ROOT / "tests" / "data" / "cli"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty working folder of the test's; no SCORECARDS_* variable of the developer's."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SCORECARDS_", "GITHUB_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCORECARDS_STORE_URL", f"sqlite:///{tmp_path / 'scores.db'}")


def the_error(result: Result) -> str:
    """The command's one line on stderr; it must have exited 2 without a traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    (line,) = result.stderr.strip().splitlines()
    return line


def notes(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("note: ")]


def own_setup(tmp_path: Path) -> list[str]:
    facts = tmp_path / "facts"
    facts.mkdir(exist_ok=True)
    return [
        *("--catalog", str(SMALL / "catalog")),
        *("--definitions", str(SMALL / "checks")),
        *("--facts", str(facts)),
    ]


def test_a_misspelt_key_in_the_settings_file_names_its_line_and_the_key_meant() -> None:
    Path("scorecards.yaml").write_text("store_url: sqlite:///x.db\ncatalgo: ../catalog\n")

    error = the_error(runner.invoke(app, ["runs"]))

    assert error == "error: scorecards.yaml:2: unknown setting 'catalgo' — did you mean 'catalog'?"


def test_an_unknown_key_with_no_close_setting_says_where_settings_are_listed() -> None:
    Path("scorecards.yaml").write_text("colour: blue\n")

    error = the_error(runner.invoke(app, ["runs"]))

    assert error.startswith("error: scorecards.yaml:1: unknown setting 'colour' — ")
    assert "README" in error


def test_a_missing_facts_folder_given_as_a_flag_is_refused_naming_the_flag(tmp_path: Path) -> None:
    options = [*own_setup(tmp_path)[:4], "--facts", "nosuch"]

    error = the_error(runner.invoke(app, ["run", "--in-process", *options]))

    assert error.startswith("error: --facts: the facts folder 'nosuch' does not exist — ")


def test_a_missing_facts_folder_in_the_environment_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORECARDS_FACTS", "nosuch")

    error = the_error(runner.invoke(app, ["run", "--in-process", *own_setup(tmp_path)[:4]]))

    assert error.startswith("error: SCORECARDS_FACTS: the facts folder 'nosuch' does not exist")


def test_run_with_the_defaults_says_once_that_it_scores_the_bundled_demo() -> None:
    result = runner.invoke(app, ["run", "--in-process"])

    assert result.exit_code == 0, result.output
    (note,) = notes(result)
    for part in ("examples/catalog", "examples/facts", "checks"):
        assert part in note
    for how in ("--catalog", "--facts", "--definitions", "catalog:", "scorecards.yaml"):
        assert how in note


def test_run_on_your_own_catalog_facts_and_definitions_says_nothing_of_the_demo(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["run", "--in-process", *own_setup(tmp_path)])

    assert result.exit_code == 0, result.output
    assert notes(result) == []


def test_score_with_the_bundled_definitions_says_so() -> None:
    result = runner.invoke(app, ["score", "payments-api"])

    (note,) = notes(result)
    assert "definitions" in note and "--definitions" in note
    assert "catalog" not in note.split("—")[0]


def test_serve_help_mentions_the_dashboard() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "80"})

    assert "dashboard" in result.output


@pytest.mark.parametrize("command", ["report", "what-if", "gate", "runs"])
def test_json_where_a_command_takes_format_json_points_at_format_json(command: str) -> None:
    result = runner.invoke(app, [command, "--json"])

    assert result.exit_code == 2
    assert "No such option: --json (Possible options: --format json)" in result.output


def test_serve_with_the_defaults_says_once_that_it_serves_the_bundled_demo(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORECARDS_", "GITHUB_"))}
    env.update(SCORECARDS_CONFIG=os.devnull, SCORECARDS_STORE_URL=f"sqlite:///{tmp_path / 's.db'}")
    command = [sys.executable, "-m", "scorecards", "serve", "--port", str(free_port())]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    try:
        assert server.stderr is not None
        lines = []
        for line in server.stderr:  # the note comes before uvicorn says it is running
            lines.append(line)
            if "Uvicorn running" in line or len(lines) > 50:
                break
    finally:
        server.terminate()
        server.wait(timeout=15)
    (note,) = [line for line in lines if line.startswith("note: ")]
    assert "examples/catalog" in note and "SCORECARDS_CATALOG" in note
