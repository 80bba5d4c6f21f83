"""An invalid setting is one line naming it and where it came from, exit 2, never a traceback.

The settings file is a real scorecards.yaml in the working folder; variables are
set in the environment the command runs in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scorecards.cli import app
from scorecards.stores import open_store
from tests.cli.test_gate_cli import DEFINITIONS

runner = CliRunner()
# Every command loads the settings first; these need nothing else to get that far.
COMMANDS = {
    "validate": ["validate", str(DEFINITIONS)],
    "run": ["run", "--in-process"],
    "score": ["score", "payments-api"],
    "runs": ["runs"],
    "report": ["report"],
    "what-if": ["what-if", "--definitions", str(DEFINITIONS)],
    "docs": ["docs"],
    "serve": ["serve"],
}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The working folder is the test's; no SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCORECARDS_DEFINITIONS", str(DEFINITIONS))
    store = f"sqlite:///{tmp_path / 'scores.db'}"
    open_store(store).close()
    monkeypatch.setenv("SCORECARDS_STORE_URL", store)


def settings_file(text: str) -> None:
    Path("scorecards.yaml").write_text(text, encoding="utf-8")


def the_error(result: Result) -> str:
    """The command's one line on stderr; it must have exited 2 without a traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    (line,) = result.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_port_out_of_range_in_the_environment_names_the_variable_and_the_range(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCORECARDS_PORT", "99999")

    error = the_error(runner.invoke(app, COMMANDS[name]))

    assert error.startswith("error: SCORECARDS_PORT=99999 is invalid: port should be less than")
    assert "port takes a whole number from 1 to 65535" in error


def test_a_batch_size_that_is_not_a_number_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCORECARDS_BATCH_SIZE", "abc")

    error = the_error(runner.invoke(app, COMMANDS["run"]))

    assert error.startswith("error: SCORECARDS_BATCH_SIZE=abc is invalid: batch_size should be")
    assert "batch_size takes a whole number from 1 to 100000" in error


def test_a_batch_size_of_0_in_the_settings_file_names_its_line() -> None:
    settings_file("# scorecards settings\nbatch_size: 0\n")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: scorecards.yaml:2: batch_size=0 is invalid:")
    assert "batch_size takes a whole number from 1 to 100000" in error


def test_a_setting_of_the_wrong_type_in_the_settings_file_names_its_line() -> None:
    settings_file("prune_missing_entities: false\nport: [8321]\n")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: scorecards.yaml:2: port=[8321] is invalid:")
    assert "should be a valid integer" in error


def test_a_settings_file_that_is_not_yaml_names_the_line_and_column() -> None:
    settings_file("catalog: [examples/catalog\nstore_url: sqlite:///x.db\n")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: scorecards.yaml:2:10: the settings file is not valid YAML")
    assert "write one `name: value` per line" in error


def test_a_settings_file_that_is_a_list_says_it_must_be_a_mapping() -> None:
    settings_file("- store_url: sqlite:///x.db\n- batch_size: 10\n")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: scorecards.yaml:1: the settings file must be a mapping")


def test_a_mapping_setting_that_is_not_json_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SCORECARDS_GITHUB_TEAM_GROUPS", "{platform: group:default/platform")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: SCORECARDS_GITHUB_TEAM_GROUPS is invalid: not valid JSON")


def test_an_invalid_secret_setting_never_shows_its_value() -> None:
    settings_file("api_tokens:\n  - team-a-token-5f1d9c\n")

    error = the_error(runner.invoke(app, COMMANDS["runs"]))

    assert error.startswith("error: scorecards.yaml:1: api_tokens (value hidden) is invalid")
    assert "team-a-token-5f1d9c" not in error


def test_an_invalid_setting_makes_validate_exit_2_not_1(monkeypatch: pytest.MonkeyPatch) -> None:
    # validate exits 1 for invalid definitions; a broken configuration is bad input.
    monkeypatch.setenv("SCORECARDS_BATCH_SIZE", "0")

    error = the_error(runner.invoke(app, COMMANDS["validate"]))

    assert error.startswith("error: SCORECARDS_BATCH_SIZE=0 is invalid")
