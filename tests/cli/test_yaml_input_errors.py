"""Hostile or malformed YAML given to the command line: one clear line naming the file and
line (or entity and field), the documented exit code, never a traceback, bounded memory.

Each command runs in a real subprocess; the alias bomb runs under an address-space
limit, so a loader that expands it dies instead of taking the machine's memory.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import environment
from tests.conftest import REPO_ROOT
from tests.core.yaml_inputs import alias_bomb, block_nesting, line_with, placed

SMALL = REPO_ROOT / "tests" / "data" / "cli"
GATE_DEFINITIONS = REPO_ROOT / "tests" / "data" / "gate" / "definitions"
MEMORY_LIMIT = 2 * 1024**3  # bytes of address space: ample for a run, far below a bomb
EXIT_FINDINGS, EXIT_BAD_INPUT = 1, 2

CHECKOUT_WEB = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-web
  annotations: {annotations}
spec:
  type: website
  lifecycle: experimental
  owner: group:default/web-team
"""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def scorecards(
    *args: str, cwd: Path, config_file: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scorecards", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=environment(config_file),
        check=False,
        preexec_fn=_limit_memory,
    )


def run_over(catalog: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    no_facts = cwd / "no-facts"
    no_facts.mkdir(exist_ok=True)
    store = f"sqlite:///{(cwd / 'scores.db').resolve()}"
    options = ["--definitions", str(SMALL / "checks"), "--facts", str(no_facts)]
    return scorecards("run", "--catalog", str(catalog), *options, "--store", store, cwd=cwd)


def assert_one_clear_error(process: subprocess.CompletedProcess[str], code: int) -> None:
    assert process.returncode == code, process.stderr
    assert "Traceback" not in process.stderr
    assert "Error:" not in process.stderr  # no Python exception name leaking out


def test_run_over_a_catalog_with_annotations_as_a_list_exits_2_naming_entity_and_field(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(CHECKOUT_WEB.format(annotations="[github.com/project-slug]"))
    process = run_over(catalog, tmp_path)
    assert_one_clear_error(process, EXIT_BAD_INPUT)
    assert (
        "catalog-info.yaml:5: entity component:default/checkout-web: metadata.annotations "
        "must be a mapping of names to values, got a list"
    ) in process.stderr


def test_gate_on_a_catalog_file_with_annotations_as_a_string_exits_2(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(CHECKOUT_WEB.format(annotations="acme/checkout-web"))
    store = f"sqlite:///{(tmp_path / 'scores.db').resolve()}"
    process = scorecards(
        "gate",
        "component:default/checkout-web",
        "--scorecard",
        "readiness",
        "--min-level",
        "Bronze",
        "--catalog-file",
        str(catalog),
        "--definitions",
        str(GATE_DEFINITIONS),
        "--store",
        store,
        cwd=tmp_path,
    )
    assert_one_clear_error(process, EXIT_BAD_INPUT)
    assert "metadata.annotations must be a mapping of names to values, got a string" in (
        process.stdout + process.stderr
    )


def test_validate_refuses_an_alias_bomb_in_an_inline_test_entity_in_bounded_memory(
    tmp_path: Path,
) -> None:
    definitions = tmp_path / "checks"
    definitions.mkdir()
    text = placed("definitions", alias_bomb(9))  # 9 ** 9 strings once expanded
    (definitions / "bomb.yaml").write_text(text)
    process = scorecards("validate", str(definitions), cwd=tmp_path)
    assert_one_clear_error(process, EXIT_FINDINGS)  # validate's code for invalid definitions
    line = line_with(text, "l4: &l4")
    assert f"bomb.yaml:{line}: file: YAML aliases here expand beyond the limit" in process.stderr


def test_run_over_a_catalog_nested_a_thousand_levels_exits_2_naming_the_line(
    tmp_path: Path,
) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(placed("catalog", block_nesting(1000)))
    process = run_over(catalog, tmp_path)
    assert_one_clear_error(process, EXIT_BAD_INPUT)
    assert "catalog-info.yaml:" in process.stderr
    assert "YAML nests deeper than 64 levels" in process.stderr


def test_a_settings_file_giving_a_setting_twice_exits_2_naming_the_line(tmp_path: Path) -> None:
    store = f"sqlite:///{(tmp_path / 'scores.db').resolve()}"
    (tmp_path / "scorecards.yaml").write_text(f"store_url: {store}\nport: 8000\nport: 9000\n")
    process = scorecards("validate", str(SMALL / "checks"), cwd=tmp_path, config_file=True)
    assert_one_clear_error(process, EXIT_BAD_INPUT)
    assert "scorecards.yaml:3:1:" in process.stderr
    assert "duplicate key 'port' (first at line 2)" in process.stderr
