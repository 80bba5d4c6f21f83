"""Bad paths and URLs are one line and exit 2 from any command, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

TOO_LONG = "A" * 5000  # longer than any file name the system accepts


@pytest.mark.parametrize(
    "args",
    [
        ("validate", TOO_LONG),
        ("run", "--facts", TOO_LONG),
        ("run", "--catalog", TOO_LONG),
    ],
    ids=["validate", "run --facts", "run --catalog"],
)
def test_a_path_too_long_is_one_line_and_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    store = ("--store", f"sqlite:///{tmp_path}/s.db") if args[0] == "run" else ()
    done = scorecards(*args, *store)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].endswith("File name too long — check the path")
    assert len(errors[0]) < 300


def scorecards(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scorecards", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("url", ["not a url", "file:///etc/passwd", "http://"])
def test_serve_refuses_a_backstage_auth_url_that_is_not_http_in_one_line(
    url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SCORECARDS_API_BACKSTAGE_AUTH_URL": url,
        "SCORECARDS_CONFIG": str(tmp_path / "none.yaml"),
    }
    done = scorecards("serve", "--port", "1", env=env)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "SCORECARDS_API_BACKSTAGE_AUTH_URL" in done.stderr
    assert "is not an http(s) URL" in done.stderr
