"""Planning a run: take the store, store the run's inputs, create the run, cut its batches.

Every way of running (the command line, the API's embedded runs, the workers)
plans through `plan_run`, so each records the same run and takes the same lease
(scorecards/runs/leases.py) before any batch is scored.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scorecards.definitions.compiled import Definitions
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact
from scorecards.records.refs import entity_ref
from scorecards.records.runs import Run, RunState
from scorecards.runs.batches import Batch
from scorecards.runs.inputs import RunInputs
from scorecards.runs.leases import RUN_LEASE_SECONDS, current_owner, release_lease, take_lease
from scorecards.sources.collection import CollectionReport, record_collection
from scorecards.stores.base import Store

DEFAULT_BATCH_SIZE = 500
# Inputs are stored this many at a time: each write encodes its rows at once, and a
# 100,000-entity catalog's rows together would take hundreds of megabytes.
WRITE_CHUNK = 2000


@dataclass(frozen=True)
class RunPlan:
    run: Run
    batches: tuple[Batch, ...]


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def prune_missing_entities(store: Store, entities: Sequence[Entity]) -> list[str]:
    """Remove from the store the entities that are not in `entities` (the whole catalog
    a run reads), so entities deleted from the catalog leave reports and the API; the
    refs removed. Opt-in (`scorecards run --prune`, SCORECARDS_PRUNE_MISSING_ENTITIES):
    a run over part of a catalog must not erase the rest."""
    if not entities:  # an empty read is more likely a broken catalog than an empty one
        return []
    present = {entity_ref(entity) for entity in entities}
    missing = [ref for ref in store.list_entity_refs() if ref not in present]
    store.remove_entities(missing)
    return missing


def plan_run(
    store: Store,
    definitions: Definitions,
    entities: Sequence[Entity],
    facts: Sequence[Fact],
    now: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    *,
    reports: Sequence[CollectionReport] = (),
    in_process: bool = True,
    lease_seconds: float = RUN_LEASE_SECONDS,
) -> RunPlan:
    """Take the store for a new run, store the catalog snapshot and collected facts,
    create the run, record what each source's collection did (`reports`), cut
    batches. RunInProgressError when another run holds the store.

    An `in_process` run is scored by this process, which the run records as its
    owner; a distributed one by workers. The run holds the store for `lease_seconds`
    at a time (scorecards/runs/leases.py).
    """
    owner = current_owner() if in_process else None
    run_id = new_run_id(now)
    take_lease(store, run_id, lease_seconds)
    try:
        for start in range(0, len(entities), WRITE_CHUNK):
            store.put_entities(entities[start : start + WRITE_CHUNK])
        for start in range(0, len(facts), WRITE_CHUNK):
            store.write_facts(facts[start : start + WRITE_CHUNK])
        batches = cut_batches([entity_ref(e) for e in entities], batch_size)
        run = Run(
            id=run_id,
            state=RunState.RUNNING,
            created_at=now,
            evaluated_at=now,
            definitions_version=definitions.version,
            entities_total=len(entities),
            batches_total=len(batches),
            owner=owner,
            lease_seconds=lease_seconds,
        )
        store.create_run(run)
    except BaseException:
        release_lease(store, run_id)
        raise
    # Before any batch is scored: this rewrites the run's error list, which batches
    # scored on workers at the same moment would otherwise lose lines of.
    if reports:
        run = record_collection(store, run_id, reports)
    return RunPlan(run, batches)


def plan_gathered_run(
    store: Store,
    definitions: Definitions,
    inputs: RunInputs,
    now: datetime,
    batch_size: int,
    *,
    in_process: bool = True,
    lease_seconds: float = RUN_LEASE_SECONDS,
) -> RunPlan:
    """`plan_run` for what `gather_run_inputs` read: its entities, facts and reports."""
    return plan_run(
        store,
        definitions,
        inputs.entities,
        inputs.facts,
        now,
        batch_size,
        reports=inputs.reports,
        in_process=in_process,
        lease_seconds=lease_seconds,
    )


def cut_batches(refs: Sequence[str], batch_size: int) -> tuple[Batch, ...]:
    """`refs` in batches of `batch_size`, numbered from 00000."""
    size = max(1, batch_size)
    return tuple(
        Batch(f"{index:05d}", tuple(refs[start : start + size]))
        for index, start in enumerate(range(0, len(refs), size))
    )
