"""`scorecards report` end to end in a subprocess, over the seeded history
(tests/seeded_history.py), as of a fixed time past the on-call-ready deadline."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import scorecards
from tests.seeded_history import SeededHistory, seeded_history

AT = "2027-02-15T12:00:00Z"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> SeededHistory:
    return seeded_history(tmp_path_factory.getbasetemp())


def report(history: SeededHistory, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    options = ["--store", history.store_url, "--definitions", str(history.definitions_folder)]
    return scorecards("report", *options, "--at", AT, *args, cwd=cwd)


def test_the_team_report_prints_a_table_per_scorecard(
    history: SeededHistory, tmp_path: Path
) -> None:
    result = report(history, tmp_path, "--scorecard", "service-maturity", "--since", "2026-11-25")
    assert result.returncode == 0, result.stderr
    assert "Service maturity (service-maturity)" in result.stdout
    assert "platform-team" in result.stdout and "+9.7" in result.stdout


def test_the_campaign_report_as_json_counts_the_overdue_entities(
    history: SeededHistory, tmp_path: Path
) -> None:
    result = report(history, tmp_path, "--campaign", "on-call-ready", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["in_scope"], data["remaining"], data["overdue"]) == (15, 5, 5)


def test_the_trend_of_a_team_as_csv_goes_to_the_output_file(
    history: SeededHistory, tmp_path: Path
) -> None:
    target = tmp_path / "trend.csv"
    result = report(
        history, tmp_path, "--team", "platform-team", "--scorecard", "delivery",
        "--format", "csv", "--output", str(target),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["day"] for r in rows] == ["2026-11-25", "2026-12-10", "2027-01-05", "2027-01-20"]
    assert {r["key"] for r in rows} == {"group:default/platform-team"}


def test_an_unknown_campaign_exits_2_naming_the_known_ones(
    history: SeededHistory, tmp_path: Path
) -> None:
    result = report(history, tmp_path, "--campaign", "nope")
    assert result.returncode == 2
    assert "no campaign 'nope'" in result.stderr and "on-call-ready" in result.stderr


def test_an_unknown_format_exits_2(history: SeededHistory, tmp_path: Path) -> None:
    result = report(history, tmp_path, "--format", "xml")
    assert result.returncode == 2
    assert "unknown format 'xml'" in result.stderr


def test_a_since_that_is_not_a_time_exits_2_with_examples(
    history: SeededHistory, tmp_path: Path
) -> None:
    result = report(history, tmp_path, "--since", "last tuesday")
    assert result.returncode == 2
    assert "e.g. 2026-11-01" in result.stderr


def test_a_campaign_and_a_trend_at_once_exit_2(history: SeededHistory, tmp_path: Path) -> None:
    result = report(history, tmp_path, "--campaign", "on-call-ready", "--trend")
    assert result.returncode == 2
    assert "pick one" in result.stderr


def test_html_writes_a_self_contained_file_from_the_dashboard(
    history: SeededHistory, tmp_path: Path
) -> None:
    target = tmp_path / "campaign.html"
    result = report(
        history, tmp_path, "--campaign", "on-call-ready", "--format", "html", "--output",
        str(target),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = target.read_text()
    assert "Every production service has a runbook and on-call" in page
    assert "<svg" in page and "<script src" not in page
