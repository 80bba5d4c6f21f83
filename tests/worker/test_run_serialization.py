"""Distributed runs take their store like in-process ones: one run at a time per store."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scorecards.definitions.compiled import Definitions
from scorecards.runs.inputs import RunInputs
from scorecards.runs.leases import SCORING_LEASE, RunInProgressError
from scorecards.runs.orchestrator import plan_run
from scorecards.stores import RunState
from tests.conftest import NOW
from tests.worker.conftest import Cluster
from tests.worker.synthetic import synthetic_catalog, synthetic_facts
from worker.context import WorkerContext
from worker.dispatch import client_app, start_distributed_run
from worker.scheduling import start_scheduled_run


def inputs(count: int) -> RunInputs:
    entities = synthetic_catalog(count)
    return RunInputs(entities, synthetic_facts(entities, NOW))


def test_a_distributed_run_is_refused_while_an_in_process_run_holds_the_store(
    cluster: Cluster, definitions: Definitions
) -> None:
    store = cluster.open_store()
    scoring = plan_run(store, definitions, synthetic_catalog(10), [], NOW)

    with pytest.raises(RunInProgressError, match=f"run {scoring.run.id} "):
        start_distributed_run(cluster.settings(), store, definitions, inputs(10), NOW)

    assert [run.id for run in store.list_runs()] == [scoring.run.id]


def test_a_scheduled_run_is_skipped_while_another_run_holds_the_store(
    cluster: Cluster, definitions: Definitions, tmp_path: Path
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump_all(synthetic_catalog(10)))
    settings = cluster.settings().model_copy(update={"catalog": str(catalog)})
    context = WorkerContext(settings)
    scoring = plan_run(context.store, definitions, synthetic_catalog(10), [], NOW)

    skipped = start_scheduled_run(context, client_app(settings))

    assert skipped is None
    assert [run.id for run in context.store.list_runs()] == [scoring.run.id]


def test_a_distributed_run_holds_the_store_until_its_last_batch_then_frees_it(
    cluster: Cluster, definitions: Definitions
) -> None:
    store = cluster.open_store()
    run = start_distributed_run(cluster.settings(), store, definitions, inputs(300), NOW)
    assert store.lease_holder(SCORING_LEASE) == run.id
    cluster.start_workers("alpha")

    finished = cluster.wait_for_run(store, run.id)

    assert finished.state is RunState.SUCCEEDED
    assert store.lease_holder(SCORING_LEASE) is None
    following = start_distributed_run(cluster.settings(), store, definitions, inputs(300), NOW)
    assert cluster.wait_for_run(store, following.id).state is RunState.SUCCEEDED
