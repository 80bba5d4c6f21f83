"""What-if: how the catalog's results would change under edited definitions.

Both the current and the edited definitions are evaluated over the same
entities, facts and `now`, and the two results compared: entities that change
level per scorecard, check results that flip, team averages before and after,
and errors the edit introduces. Evaluating writes nothing; `what_if_over_store`
only reads the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entity
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref, normalize_ref
from scorecards.records.results import EntityEvaluation, ScorecardResult, Status
from scorecards.stores.base import Store

NO_OWNER = "(no owner)"
STORE_BATCH = 500


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    NEW = "new"  # the scorecard applies to the entity only under the edited definitions
    GONE = "gone"  # ... only under the current ones
    RENAMED = "renamed"  # same rank, another level name


@dataclass(frozen=True)
class LevelChange:
    scorecard_id: str
    entity_ref: str
    owner: str
    before: str | None
    after: str | None
    score_before: float | None
    score_after: float | None
    direction: Direction


@dataclass(frozen=True)
class CheckFlip:
    """A check whose status differs; None: the check does not exist in that version."""

    entity_ref: str
    owner: str
    check_id: str
    before: Status | None
    after: Status | None
    message: str | None = None


@dataclass(frozen=True)
class NewError:
    """An `error` the edited definitions produce where the current ones did not."""

    entity_ref: str
    owner: str
    kind: str  # check or scorecard
    id: str
    message: str


@dataclass(frozen=True)
class Average:
    """A scorecard's average score for one owner (None: the whole catalog)."""

    scorecard_id: str
    owner: str | None
    entities_before: int
    entities_after: int
    average_before: float | None
    average_after: float | None

    @property
    def delta(self) -> float | None:
        if self.average_before is None or self.average_after is None:
            return None
        return round(self.average_after - self.average_before, 2)

    @property
    def changed(self) -> bool:
        return (self.entities_before, self.average_before) != (
            self.entities_after,
            self.average_after,
        )


@dataclass(frozen=True)
class DefinitionChanges:
    """Ids added, removed or edited, per kind (checks, scorecards, campaigns, exemptions)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return (
            not any(self.added.values())
            and not any(self.removed.values())
            and not any(self.changed.values())
        )


@dataclass(frozen=True)
class WhatIf:
    current_version: str
    edited_version: str
    evaluated_at: datetime
    entities: int
    definitions: DefinitionChanges
    level_changes: tuple[LevelChange, ...]
    check_flips: tuple[CheckFlip, ...]
    new_errors: tuple[NewError, ...]
    averages: tuple[Average, ...]

    @property
    def drops(self) -> tuple[LevelChange, ...]:
        return tuple(c for c in self.level_changes if c.direction is Direction.DOWN)

    @property
    def rises(self) -> tuple[LevelChange, ...]:
        return tuple(c for c in self.level_changes if c.direction is Direction.UP)

    @property
    def team_averages(self) -> tuple[Average, ...]:
        return tuple(a for a in self.averages if a.owner is not None)

    @property
    def catalog_averages(self) -> tuple[Average, ...]:
        return tuple(a for a in self.averages if a.owner is None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "current_version": self.current_version,
            "edited_version": self.edited_version,
            "evaluated_at": format_timestamp(self.evaluated_at),
            "entities": self.entities,
            "summary": {
                "level_drops": len(self.drops),
                "level_rises": len(self.rises),
                "level_changes": len(self.level_changes),
                "check_flips": len(self.check_flips),
                "new_errors": len(self.new_errors),
            },
            "definitions": {
                "added": self.definitions.added,
                "removed": self.definitions.removed,
                "changed": self.definitions.changed,
            },
            "level_changes": [_plain(c) for c in self.level_changes],
            "check_flips": [_plain(f) for f in self.check_flips],
            "new_errors": [_plain(e) for e in self.new_errors],
            "averages": [_plain(a) | {"delta": a.delta} for a in self.averages],
        }


def what_if(
    current: Definitions,
    edited: Definitions,
    entities: Iterable[Mapping[str, Any]],
    facts: Mapping[str, Mapping[str, FactSnapshot]],
    now: datetime,
) -> WhatIf:
    """Evaluate `entities` under both definitions (facts keyed by entity ref) and compare."""
    comparison = Comparison(current, edited)
    for entity in entities:
        snapshot = facts.get(entity_ref(entity), {})
        comparison.add(
            entity,
            evaluate_entity(current, entity, snapshot, now),
            evaluate_entity(edited, entity, snapshot, now),
        )
    return comparison.result(now)


def what_if_over_store(
    store: Store, current: Definitions, edited: Definitions, now: datetime
) -> WhatIf:
    """`what_if` over every entity the store knows and their latest facts; only reads."""
    refs = store.list_entity_refs()
    comparison = Comparison(current, edited)
    for start in range(0, len(refs), STORE_BATCH):
        batch = refs[start : start + STORE_BATCH]
        entities = store.get_entities(batch)
        facts = store.input_facts(list(entities))
        for ref, entity in entities.items():
            snapshot = facts.get(ref, {})
            comparison.add(
                entity,
                evaluate_entity(current, entity, snapshot, now),
                evaluate_entity(edited, entity, snapshot, now),
            )
    return comparison.result(now)


class Comparison:
    """Accumulates the differences of (before, after) evaluation pairs, entity by entity."""

    def __init__(self, current: Definitions, edited: Definitions) -> None:
        self.current = current
        self.edited = edited
        self.entities = 0
        self.level_changes: list[LevelChange] = []
        self.check_flips: list[CheckFlip] = []
        self.new_errors: list[NewError] = []
        # (scorecard, owner or None) -> ([scores before], [scores after])
        self.scores: dict[tuple[str, str | None], tuple[list[float], list[float]]] = defaultdict(
            lambda: ([], [])
        )

    def add(
        self, entity: Mapping[str, Any], before: EntityEvaluation, after: EntityEvaluation
    ) -> None:
        self.entities += 1
        owner = owner_of(entity)
        self._compare_scorecards(owner, before, after)
        self._compare_checks(owner, before, after)

    def result(self, now: datetime) -> WhatIf:
        order = {sid: i for i, sid in enumerate(_scorecard_order(self.current, self.edited))}
        averages = [
            Average(
                scorecard_id,
                owner,
                len(before),
                len(after),
                _mean(before),
                _mean(after),
            )
            for (scorecard_id, owner), (before, after) in self.scores.items()
        ]
        return WhatIf(
            current_version=self.current.version,
            edited_version=self.edited.version,
            evaluated_at=now,
            entities=self.entities,
            definitions=compare_definitions(self.current, self.edited),
            level_changes=tuple(
                sorted(self.level_changes, key=lambda c: (order[c.scorecard_id], c.entity_ref))
            ),
            check_flips=tuple(sorted(self.check_flips, key=lambda f: (f.entity_ref, f.check_id))),
            new_errors=tuple(sorted(self.new_errors, key=lambda e: (e.entity_ref, e.kind, e.id))),
            averages=tuple(
                sorted(
                    averages, key=lambda a: (order[a.scorecard_id], a.owner is not None, a.owner)
                )
            ),
        )

    def _compare_scorecards(
        self, owner: str, before: EntityEvaluation, after: EntityEvaluation
    ) -> None:
        old = {s.scorecard_id: s for s in before.scorecards}
        new = {s.scorecard_id: s for s in after.scorecards}
        for scorecard_id in old.keys() | new.keys():
            b, a = old.get(scorecard_id), new.get(scorecard_id)
            for key in (scorecard_id, owner), (scorecard_id, None):
                if b is not None and b.score is not None:
                    self.scores[key][0].append(b.score)
                if a is not None and a.score is not None:
                    self.scores[key][1].append(a.score)
            direction = self._direction(scorecard_id, b, a)
            if direction is not None:
                self.level_changes.append(
                    LevelChange(
                        scorecard_id,
                        after.entity_ref,
                        owner,
                        b.level if b else None,
                        a.level if a else None,
                        b.score if b else None,
                        a.score if a else None,
                        direction,
                    )
                )
            if a is not None and a.error and not (b is not None and b.error):
                self.new_errors.append(
                    NewError(after.entity_ref, owner, "scorecard", scorecard_id, a.error)
                )

    def _direction(
        self, scorecard_id: str, before: ScorecardResult | None, after: ScorecardResult | None
    ) -> Direction | None:
        if before is None:
            return Direction.NEW
        if after is None:
            return Direction.GONE
        if before.level == after.level:
            return None
        old = _rank(self.current, scorecard_id, before.level)
        new = _rank(self.edited, scorecard_id, after.level)
        if new < old:
            return Direction.DOWN
        return Direction.UP if new > old else Direction.RENAMED

    def _compare_checks(
        self, owner: str, before: EntityEvaluation, after: EntityEvaluation
    ) -> None:
        old = {r.check_id: r for r in before.checks}
        new = {r.check_id: r for r in after.checks}
        for check_id in old.keys() | new.keys():
            b, a = old.get(check_id), new.get(check_id)
            status_before = b.status if b else None
            status_after = a.status if a else None
            if status_before == status_after or {status_before, status_after} == {
                None,
                Status.SKIP,
            }:
                continue
            latest = a if a is not None else b
            message = latest.message if latest is not None else None
            self.check_flips.append(
                CheckFlip(after.entity_ref, owner, check_id, status_before, status_after, message)
            )
            if status_after is Status.ERROR:
                self.new_errors.append(
                    NewError(after.entity_ref, owner, "check", check_id, message or "error")
                )


def compare_definitions(current: Definitions, edited: Definitions) -> DefinitionChanges:
    """Which checks, scorecards, campaigns and exemptions were added, removed or edited."""
    changes = DefinitionChanges()
    kinds: dict[str, tuple[Mapping[Any, Any], Mapping[Any, Any]]] = {
        "checks": (current.checks, edited.checks),
        "scorecards": (current.scorecards, edited.scorecards),
        "campaigns": (current.campaigns, edited.campaigns),
        "exemptions": (current.exemptions, edited.exemptions),
    }
    for kind, (old, new) in kinds.items():
        changes.added[kind] = [_key(k) for k in new if k not in old]
        changes.removed[kind] = [_key(k) for k in old if k not in new]
        changes.changed[kind] = [_key(k) for k in old if k in new and old[k].spec != new[k].spec]
    return changes


def owner_of(entity: Mapping[str, Any]) -> str:
    """The owner ref teams are grouped by (a bare name is a group, as in Backstage)."""
    spec = entity.get("spec")
    owner = spec.get("owner") if isinstance(spec, Mapping) else None
    if not isinstance(owner, str) or not owner.strip():
        return NO_OWNER
    try:
        return normalize_ref(owner, default_kind="group")
    except CatalogError:
        return owner


def _rank(definitions: Definitions, scorecard_id: str, level: str | None) -> int:
    scorecard = definitions.scorecards.get(scorecard_id)
    if scorecard is None or level is None:
        return 0
    names = [rule.name for rule in scorecard.levels]
    return names.index(level) + 1 if level in names else 0


def _scorecard_order(current: Definitions, edited: Definitions) -> list[str]:
    return [*edited.scorecards, *(s for s in current.scorecards if s not in edited.scorecards)]


def _key(key: Any) -> str:
    return "@".join(key) if isinstance(key, tuple) else str(key)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _plain(record: Any) -> dict[str, Any]:
    return {
        name: value.value if isinstance(value, StrEnum) else value
        for name, value in vars(record).items()
    }
