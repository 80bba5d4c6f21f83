"""Backstage entity documents: the minimal shape and the defaults Backstage sets."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scorecards.records.refs import DEFAULT_NAMESPACE, resolve_ref

Entity = dict[str, Any]


@dataclass(frozen=True)
class ShapeProblem:
    """What makes a document not a usable entity; `field` is the path of the field at
    fault (empty for the document itself), so a reader can point at its line."""

    field: tuple[str, ...]
    message: str
    hint: str = "an entity needs apiVersion, kind and metadata.name"

    def __str__(self) -> str:
        return self.message


# Fields rules index by key (`"x" in entity.metadata.annotations`), and that scorecards
# itself fills in: as in Backstage's entity schema, each is a mapping when present.
KEYED_METADATA = ("annotations", "labels")


def shape_problem(document: Any) -> ShapeProblem | None:
    """What makes `document` not an entity, or None when it has the minimal shape."""
    if not isinstance(document, Mapping):
        return ShapeProblem((), f"an entity must be a mapping, got {type(document).__name__}")
    missing = [key for key in ("apiVersion", "kind", "metadata") if key not in document]
    if missing:
        return ShapeProblem((), f"missing {', '.join(missing)}")
    if not isinstance(document["kind"], str) or not document["kind"]:
        return ShapeProblem(("kind",), "kind must be a non-empty string")
    metadata = document["metadata"]
    if not isinstance(metadata, Mapping):
        return ShapeProblem(("metadata",), "metadata must be a mapping")
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        return ShapeProblem(("metadata", "name"), "metadata.name must be a non-empty string")
    namespace = metadata.get("namespace", DEFAULT_NAMESPACE)
    if not isinstance(namespace, str) or not namespace:
        return ShapeProblem(
            ("metadata", "namespace"), "metadata.namespace must be a non-empty string"
        )
    if "spec" in document and not isinstance(document["spec"], Mapping):
        return ShapeProblem(
            ("spec",), "spec must be a mapping", "write one 'name: value' per line under spec:"
        )
    for field in KEYED_METADATA:
        value = metadata.get(field)
        if value is not None and not isinstance(value, Mapping):
            return ShapeProblem(
                ("metadata", field),
                f"metadata.{field} must be a mapping of names to values, got {_json_type(value)}",
                f"write one 'name: value' per line under {field}:",
            )
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def normalize_entity(document: Mapping[str, Any], *, owned: bool = False) -> Entity:
    """A copy with the fields the Backstage catalog always fills in (`owned`: the caller
    owns `document`, a plain dict just parsed, which is filled in place, not copied).

    The catalog serves every entity with `metadata.namespace` and
    `metadata.annotations` set, so rules may read them without a guard; entities
    from files and inline tests get the same treatment to behave alike.
    """
    entity: Entity = dict(document) if owned else copy.deepcopy(dict(document))
    entity.setdefault("apiVersion", "backstage.io/v1alpha1")
    metadata = entity.setdefault("metadata", {})
    metadata.setdefault("namespace", DEFAULT_NAMESPACE)
    if metadata.get("annotations") is None:
        metadata["annotations"] = {}
    return entity


def owner_ref(entity: Mapping[str, Any]) -> str | None:
    """`spec.owner` as a full ref, a bare name being a group in the entity's namespace
    (as Backstage reads it); None when absent or malformed."""
    spec = entity.get("spec")
    metadata = entity.get("metadata")
    namespace = (metadata.get("namespace") if isinstance(metadata, Mapping) else None) or (
        DEFAULT_NAMESPACE
    )
    owner = spec.get("owner") if isinstance(spec, Mapping) else None
    return resolve_ref(owner, "group", str(namespace))
