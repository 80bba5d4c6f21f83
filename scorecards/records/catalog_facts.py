"""Facts the catalog implies about itself (source `catalog`): owners and the team tree.

Pure: computed from a list of entities, wherever they came from (catalog files or
the Backstage API), with no I/O. Refs follow Backstage's rules: `spec.owner` and
`spec.parent` default to kind Group, `spec.members` to kind User, `spec.memberOf`
to kind Group, and every ref defaults to the namespace of the entity naming it.
A group's parent comes from its `spec.parent` or, like the catalog's own
`childOf` relation, from a group that lists it in `spec.children`.

A fact that does not apply to an entity is absent (a Group has no owner), never
false; rules guard them with `has(...)` or `in`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from scorecards.records.entities import Entity, owner_ref
from scorecards.records.fact_schemas import CATALOG_SOURCE
from scorecards.records.facts import Fact
from scorecards.records.refs import DEFAULT_NAMESPACE, entity_ref, resolve_ref

# Kinds Backstage requires an owner of; other kinds get owner facts only when they name one.
OWNED_KINDS = frozenset({"component", "api", "resource", "system", "domain", "template"})
OWNER_KINDS = frozenset({"group", "user"})
# Kinds other entities can depend on (spec.dependsOn) or consume (spec.consumesApis).
DEPENDED_ON_KINDS = frozenset({"component", "api", "resource"})


def catalog_fact_values(entities: Iterable[Entity]) -> dict[str, dict[str, Any]]:
    """The `catalog` facts of every entity, by entity ref (an empty map when none apply)."""
    by_ref = {entity_ref(e): e for e in entities}
    tree = _GroupTree(by_ref)
    dependents = _dependents(by_ref)
    values: dict[str, dict[str, Any]] = {}
    for ref, entity in by_ref.items():
        kind = ref.partition(":")[0]
        facts: dict[str, Any] = {}
        if kind in OWNED_KINDS or "owner" in _spec(entity):
            facts.update(_owner_facts(entity, by_ref))
        if kind in DEPENDED_ON_KINDS:
            facts["dependents"] = len(dependents.get(ref, ()))
        if kind == "group":
            facts.update(tree.group_facts(ref))
        elif kind == "user":
            facts["member_of"] = sorted(tree.groups_of_user.get(ref, ()))
        values[ref] = facts
    return values


def catalog_facts(entities: Sequence[Entity], now: datetime) -> list[Fact]:
    """One `catalog` fact per entity, collected at `now`."""
    return [
        Fact(ref, CATALOG_SOURCE, now, facts)
        for ref, facts in catalog_fact_values(entities).items()
    ]


def _spec(entity: Entity) -> Mapping[str, Any]:
    spec = entity.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _namespace(entity: Entity) -> str:
    return str(entity["metadata"].get("namespace") or DEFAULT_NAMESPACE)


def _owner_facts(entity: Entity, by_ref: Mapping[str, Entity]) -> dict[str, Any]:
    owner = owner_ref(entity)
    if owner is None:
        return {"owner_exists": False}
    owner_kind = owner.partition(":")[0]
    return {
        "owner_exists": owner_kind in OWNER_KINDS and owner in by_ref,
        "owner_ref": owner,
        "owner_kind": owner_kind,
    }


def _dependents(by_ref: Mapping[str, Entity]) -> dict[str, set[str]]:
    """ref -> the existing entities that depend on it or consume it."""
    dependents: dict[str, set[str]] = defaultdict(set)
    for ref, entity in by_ref.items():
        spec, namespace = _spec(entity), _namespace(entity)
        targets = [
            *_refs(spec.get("dependsOn"), None, namespace),
            *_refs(spec.get("consumesApis"), "api", namespace),
        ]
        for target in targets:
            if target != ref:
                dependents[target].add(ref)
    return dependents


class _GroupTree:
    """Parents and direct members of every group, from both directions of each relation."""

    def __init__(self, by_ref: Mapping[str, Entity]) -> None:
        self._by_ref = by_ref
        self.parent_of: dict[str, str] = {}
        self.members_of: dict[str, set[str]] = defaultdict(set)
        self.groups_of_user: dict[str, set[str]] = defaultdict(set)
        listed_by: dict[str, list[str]] = defaultdict(list)
        for ref, entity in by_ref.items():
            kind = ref.partition(":")[0]
            spec, namespace = _spec(entity), _namespace(entity)
            if kind == "group":
                parent = resolve_ref(spec.get("parent"), "group", namespace)
                if parent is not None:
                    self.parent_of[ref] = parent
                for child in _refs(spec.get("children"), "group", namespace):
                    listed_by[child].append(ref)
                for user in _refs(spec.get("members"), "user", namespace):
                    self._add_member(ref, user)
            elif kind == "user":
                for group in _refs(spec.get("memberOf"), "group", namespace):
                    self._add_member(group, ref)
        for child, parents in listed_by.items():
            if child in by_ref:
                self.parent_of.setdefault(child, min(parents))

    def _add_member(self, group: str, user: str) -> None:
        if group in self._by_ref and user in self._by_ref and user.startswith("user:"):
            self.members_of[group].add(user)
            self.groups_of_user[user].add(group)

    def group_facts(self, ref: str) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "ancestors": self._ancestors(ref),
            "members": len(self.members_of.get(ref, ())),
        }
        if ref in self.parent_of:
            facts["parent"] = self.parent_of[ref]
        return facts

    def _ancestors(self, ref: str) -> list[str]:
        chain: list[str] = []
        seen = {ref}
        current = self.parent_of.get(ref)
        # A parent cycle or a missing group ends the climb.
        while (
            current is not None
            and current.startswith("group:")
            and current in self._by_ref
            and current not in seen
        ):
            chain.append(current)
            seen.add(current)
            current = self.parent_of.get(current)
        return chain


def _refs(value: Any, default_kind: str | None, default_namespace: str) -> list[str]:
    if not isinstance(value, list):
        return []
    resolved = (resolve_ref(item, default_kind, default_namespace) for item in value)
    return [ref for ref in resolved if ref is not None]
