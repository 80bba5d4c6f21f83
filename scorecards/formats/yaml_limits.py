"""The limits on any YAML scorecards reads, checked on a document's composed nodes before
anything is built from them (scorecards/yamlfile.py's loaders apply them).

A document is refused (`RefusedYamlError`, with its line) when it nests deeper than
`MAX_DEPTH`; when its aliases would repeat more than `MAX_ALIAS_NODES` nodes or
`MAX_ALIAS_CHARS` characters once expanded (a "billion laughs" is a few hundred bytes
that expand to gigabytes in whatever walks the data: validation, copies, JSON); or when
an alias refers to a node that contains it. PyYAML has no such limits and no library
adds them to it, so they are written here; each walk is linear in the file's size.
"""

from __future__ import annotations

from typing import Any

import yaml

from scorecards.errors import ScorecardsError

MAX_DEPTH = 64
"""Nested mappings and lists, aliases expanded; deeper YAML is refused."""
MAX_ALIAS_NODES = 10_000
"""Nodes that aliases may repeat in one file, in all; more is refused."""
MAX_ALIAS_CHARS = 1_000_000
"""Characters of scalars that aliases may repeat in one file, in all; more is refused."""


class RefusedYamlError(yaml.MarkedYAMLError, ScorecardsError):
    """Well-formed YAML that scorecards refuses: too deep, an alias bomb, a duplicate
    key, or a value that is not JSON data. `problem_mark` is where; `hint` what to do."""

    def __init__(self, mark: yaml.Mark | None, problem: str, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


def too_deep(mark: yaml.Mark | None) -> RefusedYamlError:
    """The refusal of YAML nested deeper than MAX_DEPTH, at `mark`."""
    return RefusedYamlError(
        mark,
        f"YAML nests deeper than {MAX_DEPTH} levels of mappings and lists",
        "flatten the structure; scorecards reads at most "
        f"{MAX_DEPTH} levels (aliases count as the nodes they repeat)",
    )


class BoundedLoader:
    """A mixin for a PyYAML loader (pure-Python or libyaml) that applies the limits to
    each document's nodes before constructing it, so an alias bomb never expands."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        # Without a `*` there is no alias, and the cheaper walk of depth alone will do.
        self.may_alias = not isinstance(stream, str) or "*" in stream
        self.aliased_nodes = 0  # over the whole stream: anchors reset per document
        self.aliased_chars = 0
        self.composing_depth = 0

    def construct_document(self, node: yaml.Node) -> Any:
        if self.may_alias:
            _Measure(self).measure(node, 0, node.start_mark)
        else:
            _check_tree_depth(node)
        return super().construct_document(node)  # type: ignore[misc]

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        """The pure-Python composer recurses per level: stop before RecursionError.

        (libyaml composes in C and stops at 1,000 levels itself; the walk before
        construction applies our lower bound to both.)"""
        events = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
        if not self.check_event(*events):  # type: ignore[attr-defined]
            return super().compose_node(parent, index)  # type: ignore[misc,no-any-return]
        self.composing_depth += 1
        try:
            if self.composing_depth > MAX_DEPTH:
                raise too_deep(self.peek_event().start_mark)  # type: ignore[attr-defined]
            return super().compose_node(parent, index)  # type: ignore[misc,no-any-return]
        finally:
            self.composing_depth -= 1


def _check_tree_depth(root: yaml.Node) -> None:
    """Refuse a document (known to have no alias, so a tree) nested beyond MAX_DEPTH."""
    level = [root] if not isinstance(root, yaml.ScalarNode) else []
    depth = 0
    scalar = yaml.ScalarNode
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise too_deep(level[0].start_mark)
        below: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.SequenceNode):
                below.extend(child for child in node.value if child.__class__ is not scalar)
            else:
                for key, value in node.value:
                    if key.__class__ is not scalar:
                        below.append(key)
                    if value.__class__ is not scalar:
                        below.append(value)
        level = below


class _Measure:
    """One document's walk: the expanded size and height of every node, memoised."""

    def __init__(self, loader: BoundedLoader) -> None:
        self.loader = loader
        self.sizes: dict[int, tuple[int, int, int]] = {}  # id -> (nodes, chars, height)
        self.open: set[int] = set()  # collections being walked: the path from the root

    def measure(self, node: yaml.Node, depth: int, where: yaml.Mark) -> tuple[int, int, int]:
        """(nodes, characters, height) of `node` expanded; `depth` collections enclose
        it; `where` is the line to report when `node` is reached through an alias."""
        key = id(node)
        if key in self.open:
            raise RefusedYamlError(
                where,
                "an alias refers to a mapping or list that contains it (a recursive alias)",
                "YAML data must be a tree; write the repeated part out",
            )
        known = self.sizes.get(key)
        if known is not None:
            self._count_alias(known, depth, where)
            return known
        if isinstance(node, yaml.ScalarNode):
            size = (1, len(node.value), 0)
        else:
            size = self._measure_collection(node, depth + 1)
        self.sizes[key] = size
        return size

    def _measure_collection(self, node: yaml.Node, depth: int) -> tuple[int, int, int]:
        if depth > MAX_DEPTH:
            raise too_deep(node.start_mark)
        self.open.add(id(node))
        nodes, chars, height = 1, 0, 0
        if isinstance(node, yaml.SequenceNode):
            pairs = [(node.start_mark, child) for child in node.value]
        else:  # a key's line is the best place to name for its value's alias
            pairs = [(key.start_mark, child) for key, value in node.value for child in (key, value)]
        for where, child in pairs:
            child_nodes, child_chars, child_height = self.measure(child, depth, where)
            nodes += child_nodes
            chars += child_chars
            if child_height > height:
                height = child_height
        self.open.discard(id(node))
        return nodes, chars, height + 1

    def _count_alias(self, size: tuple[int, int, int], depth: int, where: yaml.Mark) -> None:
        nodes, chars, height = size
        loader = self.loader
        loader.aliased_nodes += nodes
        loader.aliased_chars += chars
        if loader.aliased_nodes > MAX_ALIAS_NODES or loader.aliased_chars > MAX_ALIAS_CHARS:
            raise RefusedYamlError(
                where,
                f"YAML aliases here expand beyond the limit of {MAX_ALIAS_NODES:,} repeated "
                f"nodes or {MAX_ALIAS_CHARS:,} repeated characters per file",
                "write the repeated parts out, or repeat less through anchors and aliases",
            )
        if depth + height > MAX_DEPTH:
            raise too_deep(where)
