"""A scorecard's optional display `scale`: the 0-100 score also shown as, e.g., 7.5/10."""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.engine.loading import load_definitions
from scorecards.records.entities import normalize_entity
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores import open_store
from tests.conftest import NOW

runner = CliRunner()

PACK = """
checks:
  - {id: has-owner, name: Has an owner, severity: high, rule: '"owner" in entity.spec'}
  - {id: has-system, name: Has a system, severity: low, rule: '"system" in entity.spec'}
scorecards:
  - id: security
    name: Repository security
    scale: {scale}
    checks: [has-owner, has-system]
"""


def write_pack(folder: Path, scale: str) -> Path:
    folder.mkdir()
    (folder / "pack.yaml").write_text(textwrap.dedent(PACK).replace("{scale}", scale))
    return folder


def test_score_shows_the_score_on_the_scorecards_scale(tmp_path: Path) -> None:
    definitions = write_pack(tmp_path / "checks", "10")
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    entity = normalize_entity(
        {"kind": "Component", "metadata": {"name": "payments-api"}, "spec": {"owner": "team-a"}}
    )
    store = open_store(url)
    run_in_process(store, load_definitions(definitions), [entity], [], NOW)
    store.close()
    args = ["score", "payments-api", "--definitions", str(definitions), "--store", url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # has-owner (7.5) passes, has-system (2.5) fails: 75 of 100, 7.5 of 10
    assert "Repository security: score 75.0 (7.5/10)" in result.stdout


def test_a_scale_must_be_positive(tmp_path: Path) -> None:
    definitions = write_pack(tmp_path / "checks", "0")
    result = runner.invoke(app, ["validate", str(definitions)])
    assert result.exit_code == 1
    assert "pack.yaml:" in result.stderr
    assert "scale: Input should be greater than 0" in result.stderr
