"""`scorecards validate`, `run` and `score` end to end, each in a real subprocess.

The bundled packs and examples are exercised as users would run them; the
small definitions under tests/data/cli keep the configuration tests fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from scorecards.records.refs import entity_ref
from scorecards.records.results import Status
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.stores import open_store
from tests.conftest import REPO_ROOT

BUNDLED_CHECKS = REPO_ROOT / "checks"
BUNDLED_CATALOG = REPO_ROOT / "examples" / "catalog"
SMALL = REPO_ROOT / "tests" / "data" / "cli"


def environment(config_file: bool = False, **extra: str) -> dict[str, str]:
    """This process's environment without any SCORECARDS_* setting of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORECARDS_", "GITHUB_"))}
    if not config_file:
        env["SCORECARDS_CONFIG"] = os.devnull
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["COLUMNS"] = "300"  # wide enough that rich never wraps a line we look for
    env.update(extra)
    return env


def scorecards(
    *args: str, cwd: Path, config_file: bool = False, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scorecards", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=environment(config_file, **env),
        check=False,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def small_run(
    cwd: Path, *args: str, config_file: bool = False, **env: str
) -> subprocess.CompletedProcess[str]:
    """`scorecards run` over the small definitions and catalog, with no fact files."""
    empty = cwd / "no-facts"
    empty.mkdir(exist_ok=True)
    options = ["--definitions", str(SMALL / "checks"), "--catalog", str(SMALL / "catalog")]
    return scorecards(
        "run", *options, "--facts", str(empty), *args, cwd=cwd, config_file=config_file, **env
    )


@dataclass(frozen=True)
class BundledRun:
    process: subprocess.CompletedProcess[str]
    store_url: str
    folder: Path


@pytest.fixture(scope="module")
def bundled_run(tmp_path_factory: pytest.TempPathFactory) -> BundledRun:
    """One `scorecards run` over the bundled examples and packs, shared by the tests reading it."""
    folder = tmp_path_factory.mktemp("bundled")
    url = sqlite_url(folder / "scores.db")
    process = scorecards("run", "--store", url, cwd=folder)
    return BundledRun(process, url, folder)


# --- validate ---------------------------------------------------------------------------


def test_validate_passes_on_the_bundled_packs(tmp_path: Path) -> None:
    process = scorecards("validate", str(BUNDLED_CHECKS), cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert re.match(r"ok: \d+ checks, \d+ scorecards, .* inline tests passed", process.stdout)


def test_validate_reads_the_definitions_folder_from_the_environment(tmp_path: Path) -> None:
    process = scorecards("validate", cwd=tmp_path, SCORECARDS_DEFINITIONS=str(SMALL / "checks"))
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("ok: 2 checks, 1 scorecard, 0 campaigns")


@dataclass(frozen=True)
class Planted:
    file: str
    line: int
    subject: str  # "check 'id'", "scorecard 'id'" or "file"
    what: str


def nearest_id_above(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        if line.startswith("  - id: "):
            return line.removeprefix("  - id: ").strip()
    raise AssertionError("no check above that line")


def plant_errors(folder: Path) -> list[Planted]:
    """Break a copy of the bundled packs in seven different ways; return what must be reported."""
    maturity = (folder / "maturity.yaml").read_text().splitlines()
    security = (folder / "security.yaml").read_text().splitlines()
    planted: list[Planted] = []

    severity = next(i for i, line in enumerate(maturity) if line.startswith("    severity: "))
    maturity[severity] = "    severity: urgent"
    planted.append(
        Planted(
            "maturity.yaml",
            severity + 1,
            f"check '{nearest_id_above(maturity, severity)}'",
            "severity:",
        )
    )
    rule = next(
        i
        for i, line in enumerate(maturity)
        if i > severity + 5 and line.startswith("    rule: '") and line.endswith("'")
    )
    maturity[rule] = "    rule: 'entity.kind == '"
    planted.append(
        Planted(
            "maturity.yaml",
            rule + 1,
            f"check '{nearest_id_above(maturity, rule)}'",
            "rule: CEL syntax error at line 1, column",
        )
    )

    ids = [
        line.removeprefix("  - id: ").strip() for line in security if line.startswith("  - id: ")
    ]
    first_name = next(i for i, line in enumerate(security) if line.startswith("    name: "))
    security.insert(first_name + 1, "    colour: red")
    planted.append(
        Planted("security.yaml", first_name + 2, f"check '{ids[0]}'", "unknown key 'colour'")
    )
    third = security.index(f"  - id: {ids[2]}")
    expect = next(i for i, line in enumerate(security) if i > third and "expect: pass" in line)
    security[expect] = security[expect].replace("expect: pass", "expect: fail")
    test_start = next(i for i in range(expect, third, -1) if security[i].lstrip().startswith("- "))
    planted.append(
        Planted(
            "security.yaml",
            test_start + 1,
            f"check '{ids[2]}'",
            "expected fail, got pass",
        )
    )

    (folder / "maturity.yaml").write_text("\n".join(maturity) + "\n")
    (folder / "security.yaml").write_text("\n".join(security) + "\n")
    (folder / "zz-extra.yaml").write_text(
        f"checks:\n  - id: {ids[1]}\n    name: Again\n    rule: 'true'\n"
        "scorecards:\n  - id: extra-card\n    name: Extra\n    checks: [has-ownr]\n"
    )
    planted.append(Planted("zz-extra.yaml", 2, f"check '{ids[1]}'", "duplicate id"))
    planted.append(
        Planted("zz-extra.yaml", 8, "scorecard 'extra-card'", "unknown check 'has-ownr'")
    )
    (folder / "syntax.yaml").write_text("checks:\n  - id: broken\n    name: [unclosed\n")
    planted.append(Planted("syntax.yaml", 4, "file", "YAML syntax error"))
    return planted


def test_validate_reports_every_error_of_a_broken_copy_with_file_and_line(
    tmp_path: Path,
) -> None:
    shutil.copytree(BUNDLED_CHECKS, tmp_path / "checks")
    planted = plant_errors(tmp_path / "checks")
    process = scorecards("validate", "checks", cwd=tmp_path)
    assert process.returncode == 1
    assert process.stdout == ""
    for error in planted:
        prefix = f"checks/{error.file}:{error.line}: {error.subject}: "
        found = [line for line in process.stderr.splitlines() if line.startswith(prefix)]
        assert found, f"{prefix}... not reported:\n{process.stderr}"
        assert error.what in found[0]
    assert process.stderr.startswith(f"{len(planted)} problems in definitions:")


def test_validate_of_a_missing_folder_exits_1_saying_so(tmp_path: Path) -> None:
    process = scorecards("validate", "nowhere", cwd=tmp_path)
    assert process.returncode == 1
    assert "nowhere:1: folder: is not a folder" in process.stderr


# --- run ----------------------------------------------------------------------------------


def test_run_on_the_bundled_examples_succeeds(bundled_run: BundledRun) -> None:
    assert bundled_run.process.returncode == 0, bundled_run.process.stderr
    assert "Traceback" not in bundled_run.process.stderr


def test_run_summary_counts_every_example_entity(bundled_run: BundledRun) -> None:
    total = len(load_catalog_files(BUNDLED_CATALOG))
    assert re.search(rf"Run \S+: succeeded, {total} entities scored", bundled_run.process.stdout), (
        bundled_run.process.stdout
    )


def test_run_summary_shows_scorecards_failing_checks_and_status_counts(
    bundled_run: BundledRun,
) -> None:
    out = bundled_run.process.stdout
    assert "Scorecards" in out
    assert "Most failed checks" in out
    assert re.search(r"Check results: pass \d+, fail \d+, exempt \d+, unknown \d+", out)


def test_run_stores_an_evaluation_for_every_example_entity(bundled_run: BundledRun) -> None:
    refs = [entity_ref(e) for e in load_catalog_files(BUNDLED_CATALOG)]
    stored = open_store(bundled_run.store_url).latest_evaluations(refs)
    assert sorted(stored) == sorted(refs)


def test_run_scores_the_example_components(bundled_run: BundledRun) -> None:
    refs = [entity_ref(e) for e in load_catalog_files(BUNDLED_CATALOG) if e["kind"] == "Component"]
    stored = open_store(bundled_run.store_url).latest_evaluations(refs)
    unscored = [ref for ref, evaluation in stored.items() if not evaluation.scorecards]
    assert unscored == []


def test_run_with_a_catalog_that_matches_nothing_exits_2_with_the_reason(tmp_path: Path) -> None:
    process = scorecards(
        "run", "--catalog", "nowhere/*.yaml", "--store", sqlite_url(tmp_path / "s.db"), cwd=tmp_path
    )
    assert process.returncode == 2
    assert "error: catalog 'nowhere/*.yaml' names no YAML files" in process.stderr
    assert "Traceback" not in process.stderr


def test_run_with_a_malformed_catalog_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text("apiVersion: backstage.io/v1alpha1\nmetadata: {name: x}\n")
    process = scorecards(
        "run", "--catalog", str(catalog), "--store", sqlite_url(tmp_path / "s.db"), cwd=tmp_path
    )
    assert process.returncode == 2
    assert f"{catalog}:1: not a Backstage entity: missing kind" in process.stderr


def test_run_with_broken_definitions_exits_2_and_stores_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "checks"
    broken.mkdir()
    (broken / "a.yaml").write_text("checks:\n  - {id: x, name: X, rule: '1 +'}\n")
    store = tmp_path / "s.db"
    process = scorecards(
        "run", "--definitions", str(broken), "--store", sqlite_url(store), cwd=tmp_path
    )
    assert process.returncode == 2
    assert "a.yaml:2: check 'x': rule: CEL syntax error" in process.stderr
    assert not store.exists()


# --- score --------------------------------------------------------------------------------


def failing_component(bundled_run: BundledRun) -> tuple[str, str]:
    """A bundled example component with a failing check: (ref, check id)."""
    refs = [entity_ref(e) for e in load_catalog_files(BUNDLED_CATALOG) if e["kind"] == "Component"]
    for ref, evaluation in sorted(
        open_store(bundled_run.store_url).latest_evaluations(refs).items()
    ):
        for result in evaluation.checks:
            if result.status is Status.FAIL:
                return ref, result.check_id
    raise AssertionError("no example component fails a check")


def test_score_explains_an_example_entity_check_by_check(bundled_run: BundledRun) -> None:
    ref, _ = failing_component(bundled_run)
    args = ("score", ref, "--all", "--store", bundled_run.store_url)
    process = scorecards(*args, cwd=bundled_run.folder)
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith(ref)
    evaluation = open_store(bundled_run.store_url).latest_evaluations([ref])[ref]
    for result in evaluation.checks:
        assert f"({result.check_id})" in process.stdout
    for scored in evaluation.scorecards:
        assert "score" in process.stdout and (scored.level or "none") in process.stdout


def test_score_shows_the_remediation_of_a_failing_check(bundled_run: BundledRun) -> None:
    from scorecards.engine.loading import load_definitions

    ref, check_id = failing_component(bundled_run)
    remediation = (
        load_definitions(BUNDLED_CHECKS, run_tests=False).checks[check_id].spec.remediation
    )
    process = scorecards("score", ref, "--store", bundled_run.store_url, cwd=bundled_run.folder)
    assert "✘ fail" in process.stdout
    assert f"fix: {remediation[:40]}" in process.stdout


def test_score_accepts_a_ref_without_kind_as_a_component(bundled_run: BundledRun) -> None:
    ref, _ = failing_component(bundled_run)
    name = ref.split("/", 1)[1]
    process = scorecards("score", name, "--store", bundled_run.store_url, cwd=bundled_run.folder)
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith(ref)


def test_score_of_an_unknown_entity_exits_2_with_a_clear_message(bundled_run: BundledRun) -> None:
    process = scorecards(
        "score",
        "component:default/no-such-thing",
        "--store",
        bundled_run.store_url,
        cwd=bundled_run.folder,
    )
    assert process.returncode == 2
    assert "no scores stored for component:default/no-such-thing" in process.stderr
    assert "run `scorecards run` first" in process.stderr


def test_score_of_a_malformed_ref_exits_2(bundled_run: BundledRun) -> None:
    process = scorecards(
        "score", "component:default/", "--store", bundled_run.store_url, cwd=bundled_run.folder
    )
    assert process.returncode == 2
    assert "entity ref 'component:default/' is malformed" in process.stderr


# --- configuration --------------------------------------------------------------------------


def test_the_store_url_comes_from_scorecards_store_url(tmp_path: Path) -> None:
    store = tmp_path / "from-env.db"
    process = small_run(tmp_path, SCORECARDS_STORE_URL=sqlite_url(store))
    assert process.returncode == 0, process.stderr
    stored = open_store(sqlite_url(store)).latest_evaluations(["component:default/payments-api"])
    assert list(stored) == ["component:default/payments-api"]


def test_score_reads_the_store_named_by_the_environment(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "from-env.db")
    small_run(tmp_path, SCORECARDS_STORE_URL=url)
    process = scorecards(
        "score",
        "component:default/legacy-batch",
        "--definitions",
        str(SMALL / "checks"),
        cwd=tmp_path,
        SCORECARDS_STORE_URL=url,
    )
    assert process.returncode == 0, process.stderr
    assert "Basics: score 0.0, level none" in process.stdout
    assert "fix: Set spec.owner to the owning team in catalog-info.yaml." in process.stdout


def test_a_scorecards_yaml_in_the_working_folder_is_honoured(tmp_path: Path) -> None:
    store = tmp_path / "from-config.db"
    (tmp_path / "scorecards.yaml").write_text(f"store_url: {sqlite_url(store)}\n")
    process = small_run(tmp_path, config_file=True)
    assert process.returncode == 0, process.stderr
    assert store.exists()
    assert not (tmp_path / ".scorecards").exists()


def test_the_environment_beats_the_config_file(tmp_path: Path) -> None:
    from_config, from_env = tmp_path / "from-config.db", tmp_path / "from-env.db"
    (tmp_path / "scorecards.yaml").write_text(f"store_url: {sqlite_url(from_config)}\n")
    process = small_run(tmp_path, config_file=True, SCORECARDS_STORE_URL=sqlite_url(from_env))
    assert process.returncode == 0, process.stderr
    assert from_env.exists()
    assert not from_config.exists()


def test_a_flag_beats_the_environment(tmp_path: Path) -> None:
    from_env, from_flag = tmp_path / "from-env.db", tmp_path / "from-flag.db"
    process = small_run(
        tmp_path, "--store", sqlite_url(from_flag), SCORECARDS_STORE_URL=sqlite_url(from_env)
    )
    assert process.returncode == 0, process.stderr
    assert from_flag.exists()
    assert not from_env.exists()


def test_an_unknown_store_scheme_exits_2_with_the_accepted_forms(tmp_path: Path) -> None:
    process = small_run(tmp_path, "--store", "mysql://localhost/scores")
    assert process.returncode == 2
    assert "unknown scheme 'mysql'" in process.stderr
    assert "sqlite:///path.db" in process.stderr


def test_an_entity_ref_is_printed_as_written_not_as_emoji(tmp_path: Path) -> None:
    # Rich turns ":b:" into an emoji unless told not to.
    result = scorecards("score", "a:b:c/", cwd=tmp_path)
    assert result.returncode == 2
    assert "'a:b:c/'" in result.stderr
