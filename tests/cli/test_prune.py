"""`scorecards run --prune`: entities deleted from the catalog leave the store."""

from __future__ import annotations

from pathlib import Path

import yaml

from scorecards.stores import open_store
from tests.cli.test_cli import SMALL, scorecards, sqlite_url

LEGACY = "component:default/legacy-batch"
PAYMENTS = "component:default/payments-api"


def run(cwd: Path, catalog: Path, *args: str, prune_by_environment: bool = False) -> str:
    empty = cwd / "no-facts"
    empty.mkdir(exist_ok=True)
    options = ["--definitions", str(SMALL / "checks"), "--catalog", str(catalog)]
    options += ["--facts", str(empty), "--store", sqlite_url(cwd / "scores.db"), *args]
    prune = "true" if prune_by_environment else "false"
    done = scorecards("run", *options, cwd=cwd, SCORECARDS_PRUNE_MISSING_ENTITIES=prune)
    assert done.returncode == 0, done.stderr
    return done.stdout


def without_legacy_batch(folder: Path) -> Path:
    documents = list(yaml.safe_load_all((SMALL / "catalog" / "catalog-info.yaml").read_text()))
    kept = [d for d in documents if d["metadata"]["name"] != "legacy-batch"]
    path = folder / "catalog-info.yaml"
    path.write_text(yaml.safe_dump_all(kept))
    return path


def stored_refs(cwd: Path) -> set[str]:
    store = open_store(sqlite_url(cwd / "scores.db"))
    try:
        return set(store.latest_evaluations()) | set(store.list_entity_refs())
    finally:
        store.close()


def test_prune_removes_the_entities_the_catalog_no_longer_has(tmp_path: Path) -> None:
    run(tmp_path, SMALL / "catalog")
    output = run(tmp_path, without_legacy_batch(tmp_path), "--prune")
    assert f"removed 1 entities no longer in the catalog: {LEGACY}" in output
    assert LEGACY not in stored_refs(tmp_path)
    assert PAYMENTS in stored_refs(tmp_path)


def test_without_prune_an_entity_left_out_of_the_catalog_is_kept(tmp_path: Path) -> None:
    run(tmp_path, SMALL / "catalog")
    output = run(tmp_path, without_legacy_batch(tmp_path))
    assert "removed" not in output
    assert LEGACY in stored_refs(tmp_path)


def test_prune_can_be_switched_on_by_the_environment(tmp_path: Path) -> None:
    run(tmp_path, SMALL / "catalog")
    run(tmp_path, without_legacy_batch(tmp_path), prune_by_environment=True)
    assert LEGACY not in stored_refs(tmp_path)
