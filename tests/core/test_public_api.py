"""`import scorecards`: a small typed face for other Python programs, and the README's example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import scorecards
from scorecards.records.results import Status
from tests.conftest import NOW, REPO_ROOT


def readme_example() -> str:
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## Use it from Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the README's 'Use it from Python' has no python block"
    return match.group(1)


def test_the_readme_example_runs_and_prints_a_score_and_level_per_scorecard() -> None:
    result = subprocess.run(
        [sys.executable, "-c", readme_example()],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines, "the example printed nothing"
    ids = [line.split()[0] for line in lines]
    assert "service-maturity" in ids


def test_every_public_name_resolves() -> None:
    for name in scorecards.__all__:
        assert getattr(scorecards, name) is not None, name


def test_help_lists_the_public_api() -> None:
    import pydoc

    text = pydoc.render_doc(scorecards, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    for name in ("load_definitions", "evaluate", "open_store", "EntityEvaluation", "Status"):
        assert name in text


def test_importing_scorecards_does_not_load_the_engine() -> None:
    code = "import sys, scorecards; print('scorecards.engine.evaluation' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_evaluate_takes_a_raw_backstage_entity() -> None:
    definitions = scorecards.load_definitions(REPO_ROOT / "checks", now=NOW)
    raw = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "a"},  # no namespace, no annotations: the catalog fills them in
        "spec": {"type": "service", "lifecycle": "production"},
    }
    evaluation = scorecards.evaluate(definitions, raw, now=NOW)
    assert evaluation.entity_ref == "component:default/a"
    assert evaluation.check("has-owner") is not None
    assert evaluation.check("has-owner").status is Status.FAIL  # type: ignore[union-attr]


def test_a_store_closes_at_the_end_of_a_with_block(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scores.db'}"
    with scorecards.open_store(url) as store:
        assert store.list_entity_refs() == []
    with_closed = store
    try:
        with_closed.list_entity_refs()
    except scorecards.StoreError:
        return
    except Exception as exc:  # sqlite3.ProgrammingError: the connection is closed
        assert "closed" in str(exc).lower()
        return
    raise AssertionError("the store still answered after its with block")
