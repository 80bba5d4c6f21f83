"""Backstage entity references: `kind:namespace/name`, compared lower-cased."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scorecards.errors import CatalogError

DEFAULT_NAMESPACE = "default"


def entity_ref(entity: Mapping[str, Any]) -> str:
    """The lower-cased ref of an entity document."""
    metadata = entity.get("metadata") or {}
    namespace = metadata.get("namespace") or DEFAULT_NAMESPACE
    return f"{entity['kind']}:{namespace}/{metadata['name']}".lower()


def parse_ref(
    ref: str, default_kind: str | None = None, default_namespace: str = DEFAULT_NAMESPACE
) -> tuple[str, str, str]:
    """Split `kind:namespace/name` (namespace and, with a default, kind optional)."""
    text = ref.strip()
    kind, sep, rest = text.partition(":")
    if not sep:
        if default_kind is None:
            raise CatalogError(
                f"entity ref '{ref}' has no kind — write it as kind:namespace/name, "
                "e.g. component:default/payments-api"
            )
        kind, rest = default_kind, text
    namespace, sep, name = rest.partition("/")
    if not sep:
        namespace, name = default_namespace, rest
    if not kind or not namespace or not name:
        raise CatalogError(
            f"entity ref '{ref}' is malformed — write it as kind:namespace/name, "
            "e.g. component:default/payments-api"
        )
    return kind.lower(), namespace.lower(), name.lower()


def normalize_ref(ref: str, default_kind: str | None = None) -> str:
    """The canonical lower-cased form of a possibly abbreviated ref."""
    kind, namespace, name = parse_ref(ref, default_kind)
    return f"{kind}:{namespace}/{name}"


def resolve_ref(value: Any, default_kind: str | None, default_namespace: str) -> str | None:
    """A ref as written in a spec field, completed and lower-cased; None when malformed.

    Bare names are in `default_namespace`, as Backstage resolves them relative to the
    entity that writes them. Without a `default_kind` the ref must name its kind (as
    `spec.dependsOn` must).
    """
    if not isinstance(value, str):
        return None
    try:
        kind, namespace, name = parse_ref(value, default_kind, default_namespace)
    except CatalogError:
        return None
    return None if "/" in name else f"{kind}:{namespace}/{name}"
