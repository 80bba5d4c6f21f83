"""What the reports read: entities, their latest results and result history.

`read_report_inputs` is the only part of the reports that touches a store; every
report function takes the `ReportInputs` it returns, so reports are pure.
"""

from __future__ import annotations

import bisect
import gc
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from scorecards.errors import ScorecardsError
from scorecards.records.entities import Entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import EntityEvaluation
from scorecards.stores.base import Store, with_confirmation


class ReportError(ScorecardsError):
    """A report was asked for something that does not exist (unknown scorecard, campaign...)."""


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report needs, keyed by entity ref.

    `history` holds each entity's stored results oldest first: one point per change,
    then the latest results as of their last confirmation (`Store.evaluation_timeline`);
    `facts` the latest input facts, which campaign `applies` expressions may read.
    """

    entities: Mapping[str, Entity]
    latest: Mapping[str, EntityEvaluation]
    history: Mapping[str, Sequence[EntityEvaluation]]
    facts: Mapping[str, Mapping[str, FactSnapshot]] = field(default_factory=dict)

    def evaluation_at(self, ref: str, moment: datetime) -> EntityEvaluation | None:
        """The entity's results as they stood at `moment`: its last point at or before it."""
        history = self.history.get(ref, ())
        # History is oldest first; every report asks this of every entity, often for now.
        index = bisect.bisect_right(history, moment, key=lambda e: e.evaluated_at)
        found = history[index - 1] if index else None
        if found is None:
            latest = self.latest.get(ref)
            if latest is not None and latest.evaluated_at <= moment and not self.history.get(ref):
                return latest
        return found


@contextmanager
def _collection_paused() -> Iterator[None]:
    # Reading a catalog's history builds millions of small objects that all stay alive;
    # the cyclic collector would rescan the growing heap again and again (most of the
    # read's time). Decoded JSON holds no cycles, so pausing it leaves no garbage behind.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_report_inputs(store: Store, with_facts: bool = False) -> ReportInputs:
    """Every stored entity with its latest results and history (facts only when asked)."""
    with _collection_paused():
        return _read(store, with_facts)


def _read(store: Store, with_facts: bool) -> ReportInputs:
    refs = store.list_entity_refs()
    entities = store.get_entities(refs)
    latest = store.latest_evaluations(refs)
    histories = store.evaluation_histories(list(latest))
    history = {
        ref: with_confirmation(histories.get(ref, ()), evaluation)
        for ref, evaluation in latest.items()
    }
    facts = store.input_facts(refs) if with_facts else {}
    return ReportInputs(entities, latest, history, facts)


def store_state(store: Store) -> Hashable:
    """What changes whenever a run writes results: the newest run and its progress."""
    runs = store.list_runs(1)
    if not runs:
        return None
    run = runs[0]
    return (run.id, run.state, run.entities_done, run.entities_failed, run.finished_at)


class ReportInputsCache:
    """Report inputs shared by requests (dashboard pages, report routes) while the store
    holds the same results: reading a large catalog's history costs seconds, a page view
    should not. Read again after a run writes results, and at least every `max_age`
    seconds, which bounds how long pushed facts (read by campaign `applies`) go unseen."""

    def __init__(
        self,
        max_age: float = 30.0,
        state: Callable[[Store], Hashable] = store_state,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_age = max_age
        self._state = state
        self._clock = clock
        self._lock = threading.Lock()
        self._entry: tuple[Hashable, float, ReportInputs] | None = None

    def get(self, store: Store) -> ReportInputs:
        """The store's report inputs, facts included."""
        state = self._state(store)
        with self._lock:
            entry = self._entry
            if entry is not None and entry[0] == state and self._clock() - entry[1] < self._max_age:
                return entry[2]
            # Read under the lock: concurrent page views wait for one read, not start many.
            read_at = self._clock()
            inputs = read_report_inputs(store, with_facts=True)
            self._entry = (state, read_at, inputs)
            return inputs
