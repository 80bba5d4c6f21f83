"""Find reads of optional Backstage fields that no `has()`, `in` or `.?` guards.

In CEL an absent key is an error, so `entity.spec.system == "x"` gives status
`error` for every entity without a system. This is a load-time lint (a warning),
a heuristic over the syntax tree: it does not prove the guard runs first. An
optional read (`entity.?spec.?system.orValue("")`) needs no guard.
"""

from __future__ import annotations

from collections.abc import Sequence

from scorecards.cel import syntax as s
from scorecards.cel.parser import parse
from scorecards.errors import CelSyntaxError

Path = tuple[str, ...]
# Always present on entities the catalog serves (scorecards fills in the same).
REQUIRED_SPEC = frozenset({"type", "lifecycle", "owner"})
OPTIONAL_METADATA = frozenset({"description", "title", "labels", "links", "tags"})
KEYED_MAPS = frozenset({"annotations", "labels"})


def unguarded_reads(source: str, preconditions: Sequence[str] = ()) -> list[str]:
    """Dotted names of optional fields `source` reads without a guard, in order.

    Guards in `preconditions` (e.g. a check's `applies`, which must hold before its
    rule runs) count as guards for `source`.
    """
    try:
        tree = parse(source)
        guard_trees = [parse(p) for p in preconditions]
    except CelSyntaxError:  # reported by the compiler, not here
        return []
    reads: list[Path] = []
    guards: list[Path] = []
    _walk(tree, reads, guards)
    for guard_tree in guard_trees:
        _walk(guard_tree, [], guards)
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


def _walk(node: s.Node, reads: list[Path], guards: list[Path]) -> None:
    if isinstance(node, s.Has):
        base = _path(node.operand)
        if base is not None:
            guards.append((*base, node.field))
        return
    if isinstance(node, s.Binary) and node.op == "in":
        key = _string(node.left)
        container = _path(node.right)
        if key is not None and container is not None:
            guards.append((*container, key))
    if isinstance(node, s.Select | s.Index):
        path = _path(node)
        if path is not None:
            reads.append(path)
            if isinstance(node, s.Index):
                _walk(node.index, reads, guards)
            return
    for child in node.children():
        _walk(child, reads, guards)


def _path(node: s.Node) -> Path | None:
    """The field path below `entity` that an expression reads plainly, if it is one.

    An optional selection (`.?x`, `[?"x"]`) reads nothing that could be absent.
    """
    if isinstance(node, s.Ident):
        return () if node.name == "entity" else None
    if isinstance(node, s.Select) and not node.optional:
        base = _path(node.operand)
        return None if base is None else (*base, node.field)
    if isinstance(node, s.Index) and not node.optional:
        base = _path(node.operand)
        if base is None:
            return None
        key = _string(node.index)
        return (*base, key if key is not None else "*")
    return None


def _string(node: s.Node) -> str | None:
    if isinstance(node, s.Literal) and type(node.value) is str:
        return node.value
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
