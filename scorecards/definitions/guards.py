"""Find reads of optional Backstage fields that no `has()` or `in` guards.

In CEL an absent key is an error, so `entity.spec.system == "x"` gives status
`error` for every entity without a system. This is a load-time lint (a warning),
a heuristic over the syntax tree: it does not prove the guard runs first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import lark

from scorecards.cel import parse_tree

Path = tuple[str, ...]
# Always present on entities the catalog serves (scorecards fills in the same).
REQUIRED_SPEC = frozenset({"type", "lifecycle", "owner"})
OPTIONAL_METADATA = frozenset({"description", "title", "labels", "links", "tags"})
KEYED_MAPS = frozenset({"annotations", "labels"})
WRAPPERS = frozenset(
    {
        "expr",
        "conditionalor",
        "conditionaland",
        "relation",
        "addition",
        "multiplication",
        "unary",
        "member",
        "primary",
        "paren_expr",
    }
)


def unguarded_reads(source: str, preconditions: Sequence[str] = ()) -> list[str]:
    """Dotted names of optional fields `source` reads without a guard, in order.

    Guards in `preconditions` (e.g. a check's `applies`, which must hold before its
    rule runs) count as guards for `source`.
    """
    reads: list[Path] = []
    guards: list[Path] = []
    try:
        _walk(parse_tree(source), reads, guards)
        for precondition in preconditions:
            _walk(parse_tree(precondition), [], guards)
    except Exception:  # syntax errors are reported by the compiler, not here
        return []
    found: list[str] = []
    for path in reads:
        for end in range(1, len(path) + 1):
            prefix = path[:end]
            if _is_optional(prefix) and not _is_guarded(prefix, guards):
                name = _dotted(prefix)
                if name not in found:
                    found.append(name)
                break
    return found


def _walk(node: Any, reads: list[Path], guards: list[Path]) -> None:
    if not isinstance(node, lark.Tree):
        return
    if node.data == "ident_arg" and _token(node.children[0]) == "has":
        guarded = _path(node.children[1]) if len(node.children) > 1 else None
        if guarded is not None:
            guards.append(guarded)
        return
    if node.data == "relation" and len(node.children) == 2:
        left = node.children[0]
        if isinstance(left, lark.Tree) and left.data == "relation_in":
            key = _string(left.children[0])
            container = _path(node.children[1])
            if key is not None and container is not None:
                guards.append((*container, key))
    if node.data in ("member_dot", "member_index"):
        path = _path(node)
        if path is not None:
            reads.append(path)
            if node.data == "member_index":
                _walk(node.children[1], reads, guards)
            return
    for child in node.children:
        _walk(child, reads, guards)


def _unwrap(node: Any) -> Any:
    while isinstance(node, lark.Tree) and node.data in WRAPPERS and len(node.children) == 1:
        node = node.children[0]
    return node


def _path(node: Any) -> Path | None:
    """The field path below `entity` that an expression reads, if it is one."""
    node = _unwrap(node)
    if not isinstance(node, lark.Tree):
        return None
    if node.data == "ident":
        return () if _token(node.children[0]) == "entity" else None
    if node.data == "exprlist" and node.children:
        return _path(node.children[0])
    if node.data in ("member_dot", "member_index") and len(node.children) == 2:
        base = _path(node.children[0])
        if base is None:
            return None
        if node.data == "member_dot":
            return (*base, str(_token(node.children[1])))
        key = _string(node.children[1])
        return (*base, key if key is not None else "*")
    return None


def _token(node: Any) -> str | None:
    return str(node) if isinstance(node, lark.Token) else None


def _string(node: Any) -> str | None:
    node = _unwrap(node)
    if isinstance(node, lark.Tree) and node.data == "literal" and node.children:
        token = node.children[0]
        if isinstance(token, lark.Token) and token.type == "STRING_LIT":
            return str(token)[1:-1]
    return None


def _is_optional(path: Path) -> bool:
    if len(path) == 2 and path[0] == "metadata":
        return path[1] in OPTIONAL_METADATA
    if len(path) == 3 and path[0] == "metadata" and path[1] in KEYED_MAPS:
        return True
    if len(path) == 2 and path[0] == "spec":
        return path[1] not in REQUIRED_SPEC
    return len(path) == 1 and path[0] in ("relations", "status")


def _is_guarded(path: Path, guards: list[Path]) -> bool:
    return any(guard[: len(path)] == path for guard in guards)


def _dotted(path: Path) -> str:
    parts = ["entity"]
    for part in path:
        parts.append(f'["{part}"]' if not part.isidentifier() else f".{part}")
    return "".join(parts).replace('.["', '["')
