"""The `Store` interface every store implements (its records are in scorecards/records).

A store keeps entities, the latest facts per (entity, source) with their
history, evaluation results (stored as facts of source `scorecards`, so they
get history and retention like any fact) and runs. The contract suite in
tests/stores/ holds every implementation to the same behaviour.

History records changes; the latest record says when it was last confirmed. A
fact written with the same values as the latest one of its (entity, source)
adds no history point: only the latest fact's timestamp moves to the new
collection time (so freshness and maxAge see it). Likewise a result that an
incremental run finds unchanged is confirmed: its latest timestamp, which is the
result's `evaluated_at`, moves to the run's time and its history stays as is.
So an entity's history holds one point per change of its results, and
`evaluation_timeline` adds the latest result as of its last confirmation.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Self

from scorecards.errors import StoreError
from scorecards.formats.timeutil import parse_timestamp
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, Fact, FactSnapshot
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.results import EntityEvaluation, EvaluationStamp
from scorecards.records.runs import BatchOutcome, Run


@dataclass(frozen=True)
class Retention:
    """How much fact history to keep per (entity, source), like Tech Insights' maxItems/ttl."""

    max_items: int | None = 100
    max_age: timedelta | None = timedelta(days=400)


class StoreUnreachableError(StoreError):
    """The store's service did not answer (down, restarting, network); trying again later may work."""


class Store(abc.ABC):
    """Where facts, results and runs live. Implementations: SQLite, Redis."""

    retention: Retention

    # entities
    @abc.abstractmethod
    def put_entities(self, entities: Sequence[Entity]) -> None:
        """Insert or replace entity documents (keyed by their lower-cased ref)."""

    @abc.abstractmethod
    def remove_entities(self, refs: Sequence[str]) -> None:
        """Forget entities that left the catalog: their documents and latest facts and
        results go, so reports and the API no longer show them; their history stays
        (retention ages it out) and comes back into view if they return."""

    @abc.abstractmethod
    def get_entities(self, refs: Sequence[str]) -> dict[str, Entity]:
        """The documents of those refs that are known."""

    @abc.abstractmethod
    def list_entity_refs(self) -> list[str]:
        """Every known ref, sorted."""

    def get_entity(self, ref: str) -> Entity | None:
        return self.get_entities([ref]).get(ref)

    # facts
    @abc.abstractmethod
    def write_facts(self, facts: Sequence[Fact]) -> None:
        """Store facts atomically: latest per (entity, source) plus history.

        A fact whose values are those of the latest fact of its (entity, source),
        at or after that one's timestamp, only moves the latest timestamp: no
        history point. Any other fact is a history point. Writing a fact with the
        same (entity, source, timestamp) again replaces it, so re-running work is
        idempotent. An older fact never replaces a newer latest one. History
        beyond the retention is dropped from the (entity, source) pairs that got
        a point.
        """

    @abc.abstractmethod
    def latest_facts(
        self, refs: Sequence[str] | None = None, sources: Sequence[str] | None = None
    ) -> dict[str, dict[str, Fact]]:
        """ref -> source -> latest fact; None means every ref / every source."""

    @abc.abstractmethod
    def fact_history(
        self,
        ref: str,
        source: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Fact]:
        """The history points (changes) of one (entity, source) in time order, within
        [since, until]; the value in force at a time is the last point at or before it."""

    @abc.abstractmethod
    def history_keys(self) -> list[tuple[str, str]]:
        """Every (entity ref, source) that has history, sorted: also those of entities
        that left the catalog, whose history stays (for copying a whole store)."""

    def fact_histories(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Fact]]:
        """`fact_history` of many (ref, source) pairs at once, leaving out pairs without
        history; stores override it to read them in bulk."""
        histories = {key: self.fact_history(*key) for key in keys}
        return {key: history for key, history in histories.items() if history}

    def facts_last_collected(self, evaluation: EntityEvaluation) -> dict[str, datetime]:
        """Per source whose facts `evaluation` read, when those same values were last
        collected: the latest fact's time when no change (history point) came after the
        time read, else the time read. A confirmed result keeps the collection times it
        read; this says how fresh its facts really are."""
        ref = evaluation.entity_ref
        read = {
            source: parse_timestamp(stamp)
            for result in evaluation.checks
            for source, stamp in result.fact_timestamps.items()
        }
        latest = self.latest_facts([ref], list(read)).get(ref, {}) if read else {}
        collected = dict(read)
        for source, moment in read.items():
            fact = latest.get(source)
            if fact is None or fact.timestamp <= moment:
                continue
            after = moment + timedelta(microseconds=1)
            if not self.fact_history(ref, source, after, fact.timestamp):
                collected[source] = fact.timestamp
        return collected

    # evaluations, kept as facts of source `scorecards`
    def write_evaluations(self, evaluations: Sequence[EntityEvaluation]) -> None:
        self.write_facts([evaluation_fact(e) for e in evaluations])

    def latest_evaluations(self, refs: Sequence[str] | None = None) -> dict[str, EntityEvaluation]:
        """Each ref's latest result; its `evaluated_at` is when it was last confirmed."""
        latest = self.latest_facts(refs, [RESULTS_SOURCE])
        return {
            ref: fact_evaluation(by_source[RESULTS_SOURCE])
            for ref, by_source in latest.items()
            if RESULTS_SOURCE in by_source
        }

    def latest_result_documents(
        self, refs: Sequence[str], chunk_size: int = 1000
    ) -> Iterator[Mapping[str, Any]]:
        """Each ref's latest results in their stored form (`EntityEvaluation.to_dict`), read
        `chunk_size` refs at a time, for roll-ups over a whole catalog: the results of
        100,000 entities held at once would take gigabytes."""
        for start in range(0, len(refs), chunk_size):
            latest = self.latest_facts(refs[start : start + chunk_size], [RESULTS_SOURCE])
            for by_source in latest.values():
                fact = by_source.get(RESULTS_SOURCE)
                if fact is not None:
                    yield fact.values

    def evaluation_history(
        self, ref: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EntityEvaluation]:
        """The results of one ref each time they changed, oldest first."""
        return [fact_evaluation(f) for f in self.fact_history(ref, RESULTS_SOURCE, since, until)]

    def evaluation_histories(self, refs: Sequence[str]) -> dict[str, list[EntityEvaluation]]:
        """`evaluation_history` of many refs at once (refs without history are left out);
        stores override it to read them in bulk."""
        histories = {ref: self.evaluation_history(ref) for ref in refs}
        return {ref: history for ref, history in histories.items() if history}

    def evaluation_timeline(
        self, ref: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EntityEvaluation]:
        """`evaluation_history`, then the latest result as of its last confirmation when
        that is later than the last change and within [since, until]."""
        latest = self.latest_evaluations([ref]).get(ref)
        history = self.evaluation_history(ref, since, until)
        return with_confirmation(history, latest, since, until)

    def confirm_evaluations(self, refs: Sequence[str], evaluated_at: datetime) -> None:
        """Record that the latest results of `refs` still hold at `evaluated_at`: their
        latest timestamp (`evaluated_at`) moves there, their history stays as is (the
        results did not change). Never moves a result back in time. Idempotent.

        Stores do this without rewriting the results (SQLite and Redis do).
        """
        latest = self.latest_facts(refs, [RESULTS_SOURCE])
        self.write_facts(
            [
                Fact(ref, RESULTS_SOURCE, evaluated_at, by_source[RESULTS_SOURCE].values)
                for ref, by_source in latest.items()
                if by_source[RESULTS_SOURCE].timestamp < evaluated_at
            ]
        )

    def latest_evaluation_stamps(self, refs: Sequence[str]) -> dict[str, EvaluationStamp]:
        """Input hash and validity of each ref's latest evaluation, for incremental runs.

        Stores may answer this without reading whole evaluations (SQLite does).
        """
        return {
            ref: EvaluationStamp(e.input_hash, e.evaluated_at, e.valid_until)
            for ref, e in self.latest_evaluations(refs).items()
        }

    def input_facts(self, refs: Sequence[str]) -> dict[str, dict[str, FactSnapshot]]:
        """Latest facts as evaluation inputs: every source except our own results."""
        return {
            ref: {s: f.snapshot() for s, f in by_source.items() if s != RESULTS_SOURCE}
            for ref, by_source in self.latest_facts(refs).items()
        }

    # runs
    @abc.abstractmethod
    def create_run(self, run: Run) -> None: ...

    @abc.abstractmethod
    def get_run(self, run_id: str) -> Run | None: ...

    @abc.abstractmethod
    def list_runs(self, limit: int = 20) -> list[Run]:
        """The newest runs first."""

    @abc.abstractmethod
    def record_batch(self, run_id: str, outcome: BatchOutcome) -> Run:
        """Add a batch's outcome to the run, once per batch id (idempotent)."""

    @abc.abstractmethod
    def record_retry(self, run_id: str) -> None: ...

    @abc.abstractmethod
    def update_run(self, run_id: str, **changes: Any) -> Run:
        """Set fields of a run (state, totals, finished_at) and return it."""

    # leases: a named hold on the store that one holder has at a time, until it lapses
    @abc.abstractmethod
    def acquire_lease(self, name: str, holder: str, seconds: float) -> str | None:
        """Hold lease `name` for `seconds` from now when it is free, lapsed or already
        `holder`'s (renewing it); None when `holder` has it now, else who holds it.
        Atomic: of concurrent callers, one gets a free lease."""

    @abc.abstractmethod
    def release_lease(self, name: str, holder: str) -> bool:
        """Free lease `name` if `holder` has it; whether it did."""

    @abc.abstractmethod
    def lease_holder(self, name: str) -> str | None:
        """Who holds lease `name` now; None when it is free or has lapsed."""

    # the notification log (scorecards/records/notifications.py)
    @abc.abstractmethod
    def record_notifications(self, records: Sequence[NotificationRecord]) -> None:
        """Insert records, or replace those with the same key (an outcome that moved on)."""

    @abc.abstractmethod
    def get_notifications(self, keys: Sequence[str]) -> dict[str, NotificationRecord]:
        """The records of those keys that are known."""

    @abc.abstractmethod
    def list_notifications(
        self, limit: int = 50, outcome: Outcome | None = None
    ) -> list[NotificationRecord]:
        """The newest records first (by `at`), of one outcome when given."""

    # service
    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StoreError when the store cannot be reached."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        """Release connections."""


def evaluation_fact(evaluation: EntityEvaluation) -> Fact:
    return Fact(
        evaluation.entity_ref, RESULTS_SOURCE, evaluation.evaluated_at, evaluation.to_dict()
    )


def encode_fact_values(values: Mapping[str, Any]) -> str:
    """Fact values as stored: JSON with sorted keys, so the same values collected again
    give the same text (and no history point) whatever order their source wrote them in."""
    return json.dumps(values, default=str, sort_keys=True)


def fact_evaluation(fact: Fact) -> EntityEvaluation:
    """The evaluation a stored results fact holds, evaluated at the fact's timestamp: a
    confirmed result keeps its document and only its timestamp moves."""
    evaluation = EntityEvaluation.from_dict(dict(fact.values))
    evaluation.evaluated_at = fact.timestamp
    return evaluation


def with_confirmation(
    history: Sequence[EntityEvaluation],
    latest: EntityEvaluation | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[EntityEvaluation]:
    """History points, then `latest` when it was confirmed after the last of them and
    within [since, until]: the results held from their last change until then."""
    timeline = list(history)
    if latest is None or (since is not None and latest.evaluated_at < since):
        return timeline
    if until is not None and latest.evaluated_at > until:
        return timeline
    if not timeline or timeline[-1].evaluated_at < latest.evaluated_at:
        timeline.append(latest)
    return timeline
