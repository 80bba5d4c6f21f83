"""Copying what one store holds into another, of any kind (`scorecards store copy`).

Only the Store contract is used: its reads on the source, its writes on the
target. Entities, latest facts and results, their history, runs and the
notification log are copied; entities and their facts a chunk at a time, so a
large store is never held in memory at once.

History is rebuilt through `write_facts`, in an order that leaves each
(entity, source) with the same points and latest fact (`_in_writing_order`): a
fact older than the latest is always a history point and never the latest, and
one with the latest's values after it only confirms it. The target keeps every point copied (no retention
during the copy); the stores that open it later apply theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from scorecards.errors import StoreError
from scorecards.records.facts import Fact
from scorecards.stores.base import Store, encode_fact_values

# Entities per chunk: each is read, with its whole history, and written at once.
COPY_CHUNK = 100
# More runs or notifications than a store keeps in practice; their lists need a limit.
ALL_RECORDS = 10_000_000


@dataclass
class CopyReport:
    """What a copy wrote into the target."""

    entities: int = 0
    latest_facts: int = 0
    history_points: int = 0
    runs: int = 0
    notifications: int = 0

    def __str__(self) -> str:
        return (
            f"{self.entities} entities, {self.latest_facts} latest facts and results, "
            f"{self.history_points} history points, {self.runs} runs, "
            f"{self.notifications} notification records"
        )


def copy_store(
    source: Store,
    target: Store,
    *,
    chunk: int = COPY_CHUNK,
    on_chunk: Callable[[CopyReport], None] | None = None,
) -> CopyReport:
    """Copy everything `source` holds but its leases into `target`, which must be empty
    (StoreError otherwise). `on_chunk` is told the running totals after each chunk of entities."""
    refuse_filled(target)
    report = CopyReport()
    entity_refs = source.list_entity_refs()
    keys_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ref, fact_source in source.history_keys():
        keys_of[ref].append((ref, fact_source))
    every_ref = sorted(set(entity_refs) | set(keys_of))
    known = set(entity_refs)
    for refs in _chunks(every_ref, chunk):
        _copy_chunk(source, target, refs, known, keys_of, report)
        if on_chunk is not None:
            on_chunk(report)
    for run in reversed(source.list_runs(ALL_RECORDS)):
        target.create_run(run)
        report.runs += 1
    notifications = source.list_notifications(ALL_RECORDS)
    target.record_notifications(notifications)
    report.notifications = len(notifications)
    return report


def refuse_filled(target: Store) -> None:
    held = (target.list_entity_refs(), target.history_keys(), target.list_runs(1))
    if any(held) or target.list_notifications(1):
        raise StoreError(
            "the target store already holds entities, facts, runs or notifications — copy "
            "into a new, empty store (a new SQLite file, Redis prefix or PostgreSQL schema)"
        )


def _copy_chunk(
    source: Store,
    target: Store,
    refs: Sequence[str],
    known: set[str],
    keys_of: dict[str, list[tuple[str, str]]],
    report: CopyReport,
) -> None:
    entities = source.get_entities([ref for ref in refs if ref in known])
    target.put_entities(list(entities.values()))
    report.entities += len(entities)
    latest = source.latest_facts(refs)
    histories = source.fact_histories([key for ref in refs for key in keys_of.get(ref, [])])
    facts: list[Fact] = []
    for ref in refs:
        by_source = latest.get(ref, {})
        for fact_source in sorted(set(by_source) | {s for _, s in keys_of.get(ref, [])}):
            points = histories.get((ref, fact_source), [])
            facts.extend(_in_writing_order(points, by_source.get(fact_source)))
            report.history_points += len(points)
            report.latest_facts += fact_source in by_source
    target.write_facts(facts)
    # Entities that left the catalog keep their history but no latest facts.
    gone = [ref for ref in refs if ref not in known and ref not in latest]
    if gone:
        target.remove_entities(gone)


def _in_writing_order(points: Sequence[Fact], latest: Fact | None) -> list[Fact]:
    """The facts that, written in this order, leave `points` as the history and `latest`
    as the latest fact: first the newest point holding the latest values (history point
    and latest), then the latest (it only confirms that point), then the other points,
    newest first (each older than the latest, so each a point and never the latest)."""
    if latest is None:
        return list(reversed(points))
    values = encode_fact_values(latest.values)
    holders = [i for i, point in enumerate(points) if encode_fact_values(point.values) == values]
    if not holders:  # retention dropped it: the latest becomes a point of its own
        return [latest, *reversed(points)]
    first = points[holders[-1]]
    return [first, latest, *(p for p in reversed(points) if p is not first)]


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
