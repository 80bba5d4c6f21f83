"""What one bad batch or one bad entity does to a run: it fails alone, visibly, and the rest goes on.

On real Celery workers (a private redis-server per test) and in-process into SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.refs import entity_ref
from scorecards.runs.inputs import RunInputs
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores import RESULTS_SOURCE, Fact, RunState, Store
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW
from tests.worker.conftest import Cluster
from tests.worker.synthetic import DEFINITIONS, synthetic_catalog, synthetic_facts
from worker.dispatch import start_distributed_run

# Each heavy check visits 250 x 250 list items: tens of milliseconds of CEL per entity,
# well within the evaluation budgets, but many of them make a slow batch.
HEAVY_CHECKS = 3
HEAVY_ITEMS = list(range(250))


def heavy_definitions(cluster: Cluster) -> Definitions:
    """The synthetic checks, plus checks that are slow on entities with `load` facts only."""
    checks = "".join(
        f"""\
  - id: heavy-{n}
    name: Heavy rule {n}
    requires: [load]
    rule: facts.load.items.all(i, facts.load.items.all(j, i + j >= 0))
"""
        for n in range(HEAVY_CHECKS)
    )
    text = DEFINITIONS.replace("checks:\n", f"checks:\n{checks}", 1)
    text += "  - id: load\n    type: push\n"
    (cluster.definitions_folder / "checks.yaml").write_text(text)
    return load_definitions(cluster.definitions_folder, now=NOW)


def results_with_errors(store: Store, refs: list[str], text: str) -> list[str]:
    """`ref check: message` of every stored result whose error message contains `text`."""
    found = []
    for ref in refs:
        for fact in store.fact_history(ref, RESULTS_SOURCE):
            for check in fact.values["checks"]:
                if text in (check.get("message") or ""):
                    found.append(f"{ref} {check['check']}: {check['message']}")
    return found


def test_a_batch_over_its_soft_time_limit_fails_alone_with_the_fix_and_is_not_killed(
    cluster: Cluster,
) -> None:
    definitions = heavy_definitions(cluster)
    cluster.extra_env.update(SCORECARDS_BATCH_TIME_LIMIT="1", SCORECARDS_VISIBILITY_TIMEOUT="5")
    entities = synthetic_catalog(300)
    refs = [entity_ref(e) for e in entities]
    slow = refs[100:200]  # batch 00001: about 6 s of CEL against a 1 s limit
    facts = [
        *synthetic_facts(entities, NOW),
        *(Fact(ref, "load", NOW, {"items": HEAVY_ITEMS}) for ref in slow),
    ]
    store = cluster.open_store()
    run = start_distributed_run(
        cluster.settings(), store, definitions, RunInputs(entities, facts), NOW
    )
    (worker,) = cluster.start_workers("timed")

    finished = cluster.wait_for_run(store, run.id, timeout=90)

    assert finished.state is RunState.PARTIAL
    assert (finished.batches_done, finished.batches_failed) == (2, 1)
    assert (finished.entities_done, finished.entities_failed) == (200, 100)
    assert finished.retries == 0  # a retry would only be as slow
    assert finished.errors == [
        "batch 00001: the batch took longer than 1s and was stopped — "
        "raise SCORECARDS_BATCH_TIME_LIMIT or lower SCORECARDS_BATCH_SIZE"
    ]
    assert store.latest_evaluations(slow) == {}
    assert results_with_errors(store, refs, "TimeLimit") == []
    assert "Soft time limit (1.0s) exceeded" in worker.log
    assert "Hard time limit" not in worker.log, "stopped at the soft limit, not killed"


def poisoned_facts(entities: list[Any], poisoned: str) -> list[Fact]:
    """The synthetic facts, with `poisoned`'s ci facts a list: evaluating it raises TypeError."""
    facts = [f for f in synthetic_facts(entities, NOW) if f.entity_ref != poisoned]
    return [*facts, Fact(poisoned, "ci", NOW, [1, 2, 3])]  # type: ignore[arg-type]


def test_an_entity_whose_evaluation_raises_fails_alone_in_an_in_process_run(
    tmp_path: Path, definitions: Definitions
) -> None:
    entities = synthetic_catalog(300)
    poisoned = entity_ref(entities[150])
    store = SQLiteStore(tmp_path / "scores.db")

    finished = run_in_process(
        store, definitions, entities, poisoned_facts(entities, poisoned), NOW, batch_size=100
    )

    assert_only_the_poisoned_entity_failed(store, finished, entities, poisoned)


def test_an_entity_whose_evaluation_raises_fails_alone_on_a_worker(
    cluster: Cluster, definitions: Definitions
) -> None:
    entities = synthetic_catalog(300)
    poisoned = entity_ref(entities[150])
    store = cluster.open_store()
    inputs = RunInputs(entities, poisoned_facts(entities, poisoned))
    run = start_distributed_run(cluster.settings(), store, definitions, inputs, NOW)
    cluster.start_workers("alpha")

    finished = cluster.wait_for_run(store, run.id, timeout=60)

    assert_only_the_poisoned_entity_failed(store, finished, entities, poisoned)
    assert finished.retries == 0


def assert_only_the_poisoned_entity_failed(
    store: Store, finished: Any, entities: list[Any], poisoned: str
) -> None:
    assert finished.state is RunState.PARTIAL
    assert (finished.batches_done, finished.batches_failed) == (3, 0)
    assert (finished.entities_done, finished.entities_failed) == (299, 1)
    (error,) = finished.errors
    assert error.startswith(
        f"batch 00001: entity {poisoned} could not be evaluated (TypeError: "
    ), error
    assert "check its document and facts" in error
    scored = store.latest_evaluations([entity_ref(e) for e in entities])
    assert len(scored) == 299 and poisoned not in scored
