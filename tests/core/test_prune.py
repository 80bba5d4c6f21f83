"""Pruning the store to the catalog a run reads."""

from __future__ import annotations

from pathlib import Path

from scorecards.runs.orchestrator import prune_missing_entities
from scorecards.stores.sqlite import SQLiteStore


def component(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Component", "metadata": {"name": name}, "spec": {}}


def test_only_the_entities_missing_from_the_catalog_are_removed(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.put_entities([component("a"), component("b"), component("c")])
    removed = prune_missing_entities(store, [component("a"), component("c")])
    assert removed == ["component:default/b"]
    assert store.list_entity_refs() == ["component:default/a", "component:default/c"]


def test_an_empty_catalog_removes_nothing(tmp_path: Path) -> None:
    # An empty read is more likely a broken catalog source than a catalog emptied on purpose.
    store = SQLiteStore(tmp_path / "s.db")
    store.put_entities([component("a")])
    assert prune_missing_entities(store, []) == []
    assert store.list_entity_refs() == ["component:default/a"]
