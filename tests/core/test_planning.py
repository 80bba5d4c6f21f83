"""Planning a run stores its inputs whole, however many write chunks they take."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scorecards.definitions.compiled import Definitions
from scorecards.records.entities import normalize_entity
from scorecards.records.facts import Fact
from scorecards.runs.planning import WRITE_CHUNK, plan_run
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW

CHECKS = """
checks:
  - id: has-owner
    name: Has an owner
    rule: has(entity.spec.owner)
"""


def test_a_catalog_larger_than_one_write_chunk_is_stored_whole(
    tmp_path: Path, load: Callable[..., Definitions]
) -> None:
    definitions = load(checks=CHECKS)
    count = WRITE_CHUNK * 2 + 1
    entities = [
        normalize_entity(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": f"service-{n}"},
                "spec": {"owner": "team-a"},
            }
        )
        for n in range(count)
    ]
    facts = [Fact(f"component:default/service-{n}", "ci", NOW, {"n": n}) for n in range(count)]
    store = SQLiteStore(tmp_path / "store.db")
    plan = plan_run(store, definitions, entities, facts, NOW, batch_size=1000)
    assert len(store.list_entity_refs()) == count
    assert len(store.latest_facts(sources=["ci"])) == count
    assert sum(len(batch.refs) for batch in plan.batches) == count
    store.close()
