"""One run at a time per store, and runs whose process died marked abandoned, on every store.

Processes here are real: a finished child process stands for a killed run's owner.
The CLI tests (tests/cli/test_run_leases_cli.py) SIGKILL real `scorecards run` processes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.records.entities import normalize_entity
from scorecards.records.refs import entity_ref
from scorecards.records.runs import RunOwner
from scorecards.runs.leases import (
    SCORING_LEASE,
    LeaseKeeper,
    RunInProgressError,
    RunLeaseLostError,
    current_owner,
    reap_abandoned_runs,
)
from scorecards.runs.orchestrator import finish_run, plan_run, run_in_process, score_batch
from scorecards.stores import Run, RunState, Store
from tests.conftest import NOW

DEFINITIONS = """
checks:
  - id: has-owner
    name: Has an owner
    rule: '"owner" in entity.spec'
"""


@pytest.fixture
def definitions(load: Callable[..., Definitions]) -> Definitions:
    return load(checks=DEFINITIONS)


def entities(count: int) -> list[dict[str, object]]:
    return [
        normalize_entity(
            {"kind": "Component", "metadata": {"name": f"svc-{n}"}, "spec": {"owner": "team"}}
        )
        for n in range(count)
    ]


def gone_process() -> RunOwner:
    """The owner of a run whose process has ended (as after a SIGKILL), on this host."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    owner = RunOwner(current_owner().host, child.pid, None)
    child.wait(timeout=30)
    return owner


def running_run(store: Store, owner: RunOwner | None, lease: float, run_id: str = "run-1") -> Run:
    """A run left `running` by `owner`, holding the store's lease for `lease` seconds."""
    run = Run(
        id=run_id,
        state=RunState.RUNNING,
        created_at=NOW,
        evaluated_at=NOW,
        definitions_version="v1",
        entities_total=10,
        batches_total=1,
        owner=owner,
        lease_seconds=lease,
    )
    store.acquire_lease(SCORING_LEASE, run.id, lease)
    store.create_run(run)
    return run


def test_a_run_whose_process_here_is_gone_is_marked_abandoned_and_frees_the_store(
    store: Store,
) -> None:
    owner = gone_process()
    running_run(store, owner, lease=600)

    (reaped,) = reap_abandoned_runs(store)

    assert reaped.state is RunState.ABANDONED and reaped.finished_at is not None
    assert reaped.errors == [
        f"abandoned: its process (pid {owner.pid} on {owner.host}) ended before the run did "
        "(killed or crashed); its results so far are kept — start a new run to score the rest"
    ]
    assert store.get_run("run-1") == reaped
    assert store.lease_holder(SCORING_LEASE) is None


def test_a_run_whose_process_here_lives_is_left_running(store: Store) -> None:
    running_run(store, current_owner(), lease=600)
    assert reap_abandoned_runs(store) == []
    assert store.lease_holder(SCORING_LEASE) == "run-1"


def test_a_pid_now_used_by_another_process_does_not_keep_a_run_alive(store: Store) -> None:
    me = current_owner()
    assert me.started is not None, "this test needs Linux's /proc"
    running_run(store, replace(me, started=me.started - 1), lease=600)
    (reaped,) = reap_abandoned_runs(store)
    assert reaped.state is RunState.ABANDONED


def test_a_run_of_another_host_whose_lease_lapsed_is_marked_abandoned(store: Store) -> None:
    running_run(store, RunOwner("build-host-7", 4242, 1), lease=0.2)
    time.sleep(0.3)

    (reaped,) = reap_abandoned_runs(store)

    assert reaped.state is RunState.ABANDONED
    assert reaped.errors[0].startswith(
        "abandoned: its process (pid 4242 on build-host-7) stopped renewing its hold on the "
        "store for 0.2s"
    )


def test_a_run_of_another_host_that_holds_its_lease_is_left_running(store: Store) -> None:
    running_run(store, RunOwner("build-host-7", 4242, 1), lease=600)
    assert reap_abandoned_runs(store) == []


def test_a_distributed_run_is_never_marked_abandoned(store: Store) -> None:
    running_run(store, None, lease=0.2)
    time.sleep(0.3)
    assert reap_abandoned_runs(store) == []


def test_planning_a_run_while_another_holds_the_store_is_refused_naming_it(
    store: Store, definitions: Definitions
) -> None:
    first = plan_run(store, definitions, entities(3), [], NOW)

    with pytest.raises(RunInProgressError) as refused:
        plan_run(store, definitions, entities(3), [], NOW)

    assert str(refused.value).startswith(f"run {first.run.id} (started ")
    assert f"by {current_owner()}) is still running on this store" in str(refused.value)
    assert f"`scorecards runs {first.run.id}`" in str(refused.value)
    assert [run.id for run in store.list_runs()] == [first.run.id]


def test_a_finished_run_frees_the_store_for_the_next(
    store: Store, definitions: Definitions
) -> None:
    first = plan_run(store, definitions, entities(3), [], NOW)
    for batch in first.batches:
        score_batch(store, definitions, first.run, batch)
    finish_run(store, first.run.id)

    second = run_in_process(store, definitions, entities(3), [], NOW)

    assert second.state is RunState.SUCCEEDED
    assert store.lease_holder(SCORING_LEASE) is None


def test_planning_frees_the_store_of_a_run_whose_process_died(
    store: Store, definitions: Definitions
) -> None:
    running_run(store, gone_process(), lease=600, run_id="killed")

    finished = run_in_process(store, definitions, entities(3), [], NOW)

    assert finished.state is RunState.SUCCEEDED
    killed = store.get_run("killed")
    assert killed is not None and killed.state is RunState.ABANDONED


def test_a_batch_of_a_run_whose_lease_another_run_took_writes_nothing(
    store: Store, definitions: Definitions
) -> None:
    plan = plan_run(store, definitions, entities(3), [], NOW, lease_seconds=0.2)
    time.sleep(0.3)
    assert store.acquire_lease(SCORING_LEASE, "another-run", 600) is None

    with pytest.raises(RunLeaseLostError, match="run another-run took it"):
        score_batch(store, definitions, plan.run, plan.batches[0])

    assert store.latest_evaluations() == {}


def test_the_lease_keeper_keeps_a_slow_run_s_lease_past_its_term(
    store: Store, definitions: Definitions
) -> None:
    plan = plan_run(store, definitions, entities(3), [], NOW, lease_seconds=0.4)
    with LeaseKeeper(store, plan.run) as keeper:
        time.sleep(1.0)  # two and a half terms, no batch renewing it
        assert store.lease_holder(SCORING_LEASE) == plan.run.id
    assert keeper.lost is None


def test_a_run_that_lost_the_store_ends_failed_saying_why(
    store: Store, definitions: Definitions
) -> None:
    catalog = entities(4)

    def take_the_store(progress: Run) -> None:  # after the first batch: as if suspended
        store.release_lease(SCORING_LEASE, progress.id)
        store.acquire_lease(SCORING_LEASE, "another-run", 600)

    ended = run_in_process(
        store, definitions, catalog, [], NOW, batch_size=2, on_batch=take_the_store
    )

    assert ended.state is RunState.FAILED
    assert (ended.batches_done, ended.entities_done) == (1, 2)
    assert "no longer holds the store" in ended.errors[-1]
    refs = [entity_ref(e) for e in catalog]
    assert sorted(store.latest_evaluations(refs)) == sorted(refs[:2])
    assert store.lease_holder(SCORING_LEASE) == "another-run"
