"""The CEL parser's LALR tables are kept in the user's cache folder, never trusted blindly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COMPILE = (
    "from scorecards.cel import compile_expression; "
    "print(compile_expression('1 + 2 == 3').evaluate({}))"
)


def compile_in_new_process(cache_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(
        [sys.executable, "-c", COMPILE], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_tables_are_written_to_the_users_cache_folder(tmp_path: Path) -> None:
    result = compile_in_new_process(tmp_path)
    assert result.stdout.strip() == "True", result.stderr
    (tables,) = (tmp_path / "scorecards").glob("cel-grammar-*.lark")
    assert tables.stat().st_size > 0
    assert (tmp_path / "scorecards").stat().st_mode & 0o077 == 0


def test_a_damaged_tables_file_is_rebuilt_silently(tmp_path: Path) -> None:
    compile_in_new_process(tmp_path)
    (tables,) = (tmp_path / "scorecards").glob("cel-grammar-*.lark")
    tables.write_bytes(b"not the tables\n\x80garbage")
    result = compile_in_new_process(tmp_path)
    assert (result.stdout.strip(), result.stderr) == ("True", "")
    assert tables.read_bytes()[:14] != b"not the tables"


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    result = compile_in_new_process(blocked)
    assert (result.stdout.strip(), result.stderr) == ("True", "")
