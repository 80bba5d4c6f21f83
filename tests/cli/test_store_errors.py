"""A store that is damaged, unreachable or missing: one line, exit 2, never a traceback.

Real SQLite files (a real store with garbage written over its pages) and a Redis
URL on a closed loopback port; the gate says why in its report instead of on stderr.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scorecards.cli import app
from tests.cli.test_gate_cli import DEFINITIONS, GATE_DATA, seed_store
from tests.conftest import NOW, free_port

runner = CliRunner()
PAGE = 4096  # SQLite's default page size, which the seeded store uses

# Commands that only read the store, as a CI job or an operator runs them.
READERS = {
    "gate": ["gate", "payments-api", "--scorecard", "readiness", "--min-level", "Silver"],
    "score": ["score", "payments-api"],
    "runs": ["runs"],
    "report": ["report"],
    "what-if": ["what-if", "--definitions", str(DEFINITIONS), "--current", str(DEFINITIONS)],
}
RUN = [
    "run",
    "--in-process",
    "--catalog",
    str(GATE_DATA / "catalog"),
    "--facts",
    str(GATE_DATA / "facts"),
]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scorecards.yaml or SCORECARDS_* variable of the developer's leaks in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCORECARDS_CONFIG", str(tmp_path / "no-config.yaml"))
    monkeypatch.setenv("SCORECARDS_DEFINITIONS", str(DEFINITIONS))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "scores.db"
    seed_store(path, NOW)
    return path


def damaged_copy(seeded: Path, folder: Path) -> Path:
    """The seeded store with every page but the first (header and schema) overwritten."""
    copy = folder / "damaged.db"
    shutil.copy(seeded, copy)
    size = copy.stat().st_size
    assert size > 2 * PAGE and not Path(f"{seeded}-wal").exists()
    with copy.open("r+b") as file:
        file.seek(PAGE)
        file.write(bytes(range(256)) * ((size - PAGE) // 256))
    return copy


def invoke(command: list[str], store: str) -> Result:
    return runner.invoke(app, [*command, "--store", store])


def the_error(result: Result, command: list[str]) -> str:
    """The one line that says what went wrong: the gate's reason, else stderr."""
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    if command[0] == "gate":
        (reason,) = [line for line in result.stdout.splitlines() if line.startswith("  why:")]
        return reason
    (line,) = result.stderr.strip().splitlines()
    return line


@pytest.mark.parametrize("name", [*READERS, "run"])
def test_a_store_with_damaged_pages_is_one_line_and_exit_2(
    name: str, seeded: Path, tmp_path: Path
) -> None:
    command = READERS.get(name, RUN)
    damaged = damaged_copy(seeded, tmp_path)

    result = invoke(command, f"sqlite:///{damaged}")

    assert result.exit_code == 2, result.output
    error = the_error(result, command)
    assert f"the SQLite store at {damaged} is damaged (database disk image is malformed)" in error
    assert "restore it from a backup" in error


def test_a_file_that_is_not_a_database_says_to_check_the_path(tmp_path: Path) -> None:
    garbage = tmp_path / "scores.db"
    garbage.write_bytes(bytes(range(256)) * 64)

    result = invoke(READERS["score"], f"sqlite:///{garbage}")

    assert result.exit_code == 2, result.output
    error = the_error(result, READERS["score"])
    assert f"{garbage} is not a SQLite database" in error
    assert "check the path in --store" in error


@pytest.mark.parametrize("name", ["gate", "score", "runs", "report", "run"])
def test_an_unreachable_redis_store_is_one_line_and_exit_2(name: str) -> None:
    command = READERS.get(name, RUN)
    closed = f"redis://127.0.0.1:{free_port()}/0"

    result = invoke(command, closed)

    assert result.exit_code == 2, result.output
    error = the_error(result, command)
    assert "Connection refused" in error
    assert "check --store (SCORECARDS_STORE_URL)" in error


@pytest.mark.parametrize("name", list(READERS))
def test_a_read_only_command_does_not_create_a_missing_store(name: str, tmp_path: Path) -> None:
    command = READERS[name]

    result = invoke(command, "sqlite:///missing/dir/x.db")

    assert result.exit_code == 2, result.output
    error = the_error(result, command)
    assert "there is no store at missing/dir/x.db — run `scorecards run` first" in error
    assert not (tmp_path / "missing").exists()


def test_run_still_creates_a_missing_store(tmp_path: Path) -> None:
    result = invoke(RUN, "sqlite:///new/dir/x.db")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "dir" / "x.db").is_file()
