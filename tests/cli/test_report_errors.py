"""`scorecards report` with a `--since` no calendar holds: one line, exit 2, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from tests.cli.test_gate_cli import DEFINITIONS, seed_store
from tests.conftest import NOW

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCORECARDS_CONFIG", str(tmp_path / "no-config.yaml"))


@pytest.mark.parametrize("report", [[], ["--trend"]])
def test_a_since_further_back_than_a_calendar_is_one_line_and_exit_2(
    report: list[str], tmp_path: Path
) -> None:
    store = seed_store(tmp_path / "scores.db", NOW)

    since = ["--since", "99999999999d"]
    result = runner.invoke(
        app, ["report", *report, *since, "--store", store, "--definitions", str(DEFINITIONS)]
    )

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.strip().splitlines() == [
        "error: --since '99999999999d' reaches back further than a calendar goes — give a day "
        "(2026-11-01) or a duration such as 30d"
    ]
