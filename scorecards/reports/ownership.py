"""Who owns what, up the group tree: the teams an entity's results roll up to.

An entity belongs to its owner (`spec.owner`, a group unless it names another
kind) and to every group above that owner, following the catalog's own parents
(`spec.parent`, or a group listing it in `spec.children`; see
scorecards/records/catalog_facts.py). Entities without an owner belong to UNOWNED.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scorecards.records.catalog_facts import catalog_fact_values
from scorecards.records.entities import Entity

UNOWNED = "(unowned)"


@dataclass(frozen=True)
class Ownership:
    owner_of: Mapping[str, str]  # entity ref -> owner ref, or UNOWNED
    ancestors_of: Mapping[str, tuple[str, ...]]  # group ref -> groups above it, nearest first

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> Ownership:
        facts = catalog_fact_values(entities)
        owners = {ref: str(values.get("owner_ref") or UNOWNED) for ref, values in facts.items()}
        ancestors = {
            ref: tuple(values["ancestors"])
            for ref, values in facts.items()
            if ref.startswith("group:") and "ancestors" in values
        }
        return cls(owners, ancestors)

    def owner(self, ref: str) -> str:
        return self.owner_of.get(ref, UNOWNED)

    def parent(self, team: str) -> str | None:
        above = self.ancestors_of.get(team, ())
        return above[0] if above else None

    def depth(self, team: str) -> int:
        return len(self.ancestors_of.get(team, ()))

    def teams_of(self, ref: str) -> tuple[str, ...]:
        """The entity's owner, then every group above it, nearest first."""
        owner = self.owner(ref)
        return (owner, *self.ancestors_of.get(owner, ()))

    def tree_key(self, team: str) -> tuple[str, ...]:
        """Sorts teams so each group comes right before the teams below it."""
        return (*reversed(self.ancestors_of.get(team, ())), team)
