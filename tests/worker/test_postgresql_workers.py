"""Celery workers sharing one PostgreSQL store: several writers at once, the same results."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.records.refs import entity_ref
from scorecards.runs.inputs import RunInputs
from scorecards.runs.orchestrator import run_in_process
from scorecards.stores import RESULTS_SOURCE, RunState
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW
from tests.worker.conftest import Cluster
from tests.worker.synthetic import synthetic_catalog, synthetic_facts
from worker.dispatch import start_distributed_run

pytestmark = pytest.mark.postgresql


def test_two_workers_writing_to_one_postgresql_store_store_what_the_embedded_run_stores(
    cluster: Cluster, definitions: Definitions, tmp_path: Path, postgresql_url: str
) -> None:
    entities = synthetic_catalog(2000)
    facts = synthetic_facts(entities, NOW)
    refs = [entity_ref(e) for e in entities]
    embedded_store = SQLiteStore(tmp_path / "embedded.db")
    run_in_process(embedded_store, definitions, entities, facts, NOW, batch_size=100)

    cluster.shared_store_url = postgresql_url
    cluster.start_workers("alpha", "beta")
    with cluster.open_store() as store:
        queued = start_distributed_run(
            cluster.settings(), store, definitions, RunInputs(entities, facts), NOW
        )
        finished = cluster.wait_for_run(store, queued.id)

        assert finished.state is RunState.SUCCEEDED, finished.errors
        assert (finished.entities_done, finished.batches_done) == (2000, 20)
        assert store.latest_evaluations(refs) == embedded_store.latest_evaluations(refs)
        assert store.evaluation_histories(refs) == embedded_store.evaluation_histories(refs)
        assert store.latest_facts(refs[:50]) == embedded_store.latest_facts(refs[:50])
        assert len(store.fact_history(refs[0], RESULTS_SOURCE)) == 1
    assert all("succeeded" in w.log for w in cluster.workers), "both workers scored batches"
    embedded_store.close()
