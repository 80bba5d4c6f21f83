"""Safe, bounded YAML loading that remembers where each mapping and key came from.

Every YAML scorecards reads (definitions, catalog files, fact files, the config file
and the what-if API's uploaded definitions) goes through this module. The loader is
`yaml.SafeLoader` (or libyaml's `CSafeLoader`, same constructors) with these changes:

- mappings become `LocatedDict`s that know their line and their keys' lines, so
  errors can name `file:line`;
- a document beyond the limits of scorecards/yaml_limits.py (nesting, aliases) is
  refused with its line (`RefusedYamlError`), and so is a mapping that repeats a key;
- values are JSON data: `!!binary`, `!!set`, `!!omap` and `!!pairs` are refused,
  numbers must be finite and integers fit in 64 bits (CEL's int and uint), text must
  be valid Unicode; dates stay text, as in YAML 1.2 and Backstage.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any, NamedTuple

import yaml

from scorecards.formats.yaml_limits import MAX_DEPTH, BoundedLoader, RefusedYamlError, too_deep

INT_MIN, INT_MAX = -(2**63), 2**64 - 1
# A longer integer scalar (underscores aside) cannot be in range; it is refused before
# conversion, which for a long `1:2:3:...` (YAML 1.1 base 60) takes quadratic time.
_MAX_INT_CHARS = 100

_MERGE_TAG = "tag:yaml.org,2002:merge"
# Keys `flatten_mapping` rewrites: `<<` merges, and `=` (YAML 1.1's value key) becomes text.
_FLATTENED_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})


class YamlProblem(NamedTuple):
    """A YAML error as a user reads it: its 1-based line, what is wrong, what to do."""

    line: int
    message: str
    hint: str


class LocatedDict(dict[str, Any]):
    """A dict from YAML, with the 1-based line of itself and of each key."""

    line: int
    key_lines: dict[str, int]


def _construct_located_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LocatedDict:
    own = len(node.value)
    if any(key_node.tag in _FLATTENED_TAGS for key_node, _ in node.value):
        own -= sum(1 for key_node, _ in node.value if key_node.tag == _MERGE_TAG)
        loader.flatten_mapping(node)
    # After flattening, merged pairs (`<<: *base`) come first and the mapping's own
    # keys after them: an own key may override a merged one, not another own key.
    first_own = len(node.value) - own
    mapping = LocatedDict()
    mapping.line = node.start_mark.line + 1
    key_lines: dict[str, int] = {}
    mapping.key_lines = key_lines
    own_lines: dict[str, int] = key_lines if first_own == 0 else {}
    construct = loader.construct_object
    for index, (key_node, value_node) in enumerate(node.value):
        key = construct(key_node, deep=True)
        if key.__class__ is not str:
            key = _key_text(key, node, key_node)
        line = key_node.start_mark.line + 1
        if index >= first_own:
            if key in own_lines:
                raise RefusedYamlError(
                    key_node.start_mark,
                    f"duplicate key '{key}' (first at line {own_lines[key]})",
                    "remove one of them: YAML would silently keep only the last",
                )
            own_lines[key] = line
        mapping[key] = construct(value_node, deep=True)
        key_lines[key] = line
    return mapping


def _key_text(key: Any, node: yaml.Node, key_node: yaml.Node) -> str:
    """A key that is not text, as text (JSON keys are text): `1` and `"1"` are one key."""
    if not isinstance(key, Hashable):
        raise yaml.constructor.ConstructorError(
            "while constructing a mapping",
            node.start_mark,
            "found an unhashable key",
            key_node.start_mark,
        )
    return str(key)


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # Backstage reads YAML 1.2, where an unquoted date is a string; YAML 1.1's date
    # objects would not survive JSON, and an impossible date (2026-13-45) would raise
    # instead of being reported, with its line, by the schema that expects a date.
    return str(loader.construct_scalar(node))


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # node.value directly: this runs for most nodes of a catalog, and a ScalarNode's
    # value is its text (construct_scalar refuses a `!!str` mapping or list).
    text: str = node.value if isinstance(node, yaml.ScalarNode) else loader.construct_scalar(node)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise RefusedYamlError(
                node.start_mark,
                "text holds a lone surrogate escape (such as \\ud800), which is not Unicode",
                "escape whole characters, e.g. \\U0001F600, or write them as they are",
            ) from None
    return text


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    value: int | None = None
    if len(text.replace("_", "")) <= _MAX_INT_CHARS:
        try:
            value = loader.construct_yaml_int(node)
        except ValueError:
            value = None
    if value is None or not INT_MIN <= value <= INT_MAX:
        raise RefusedYamlError(
            node.start_mark,
            f"integer {text[:40]}{'...' if len(text) > 40 else ''} does not fit in 64 bits",
            "quote it to keep it as text, or use a smaller number",
        )
    return value


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    value = loader.construct_yaml_float(node)
    if value != value or value in (float("inf"), float("-inf")):
        raise RefusedYamlError(
            node.start_mark,
            f"{loader.construct_scalar(node)} is not a finite number (JSON has no NaN or infinity)",
            "use a finite number, or quote it to keep it as text",
        )
    return float(value)


def _refuse_non_json(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    tag = node.tag.rsplit(":", 1)[-1]
    raise RefusedYamlError(
        node.start_mark,
        f"!!{tag} values are not supported: scorecards reads YAML as JSON data",
        "use a string, a list or a mapping instead",
    )


_CONSTRUCTORS: dict[str, Any] = {
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG: _construct_located_mapping,
    "tag:yaml.org,2002:timestamp": _construct_timestamp_as_text,
    "tag:yaml.org,2002:str": _construct_text,
    "tag:yaml.org,2002:int": _construct_int,
    "tag:yaml.org,2002:float": _construct_float,
    "tag:yaml.org,2002:binary": _refuse_non_json,
    "tag:yaml.org,2002:set": _refuse_non_json,
    "tag:yaml.org,2002:omap": _refuse_non_json,
    "tag:yaml.org,2002:pairs": _refuse_non_json,
}


class _LocatingLoader(BoundedLoader, yaml.SafeLoader):
    pass


for _tag, _constructor in _CONSTRUCTORS.items():
    _LocatingLoader.add_constructor(_tag, _constructor)

# libyaml's parser, with the same constructors and limits, reads large catalogs about
# 5x faster. Its syntax error messages are less precise, so a document it rejects as
# malformed is parsed again by the pure-Python loader, whose error (and line) is the
# one reported; a document refused by our limits is reported as it is.
_FastLoader: type[Any] | None = None
if hasattr(yaml, "CSafeLoader"):

    class _FastLocatingLoader(BoundedLoader, yaml.CSafeLoader):
        pass

    for _tag, _constructor in _CONSTRUCTORS.items():
        _FastLocatingLoader.add_constructor(_tag, _constructor)
    _FastLoader = _FastLocatingLoader

LOADERS: dict[str, type[Any]] = {"python": _LocatingLoader}
"""Each loader `load_located` may use, by name (for tests and benches: both must hold
the same limits); "libyaml" when PyYAML was built with it."""
if _FastLoader is not None:
    LOADERS["libyaml"] = _FastLoader


# libyaml's own nesting limit (1,000 levels), as it words it.
_LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"


def load_located(text: str) -> Any:
    """Parse one YAML document safely, with line information on mappings.

    Raises `yaml.YAMLError`; `RefusedYamlError` (a subclass) when a limit is exceeded."""
    if _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)
        except yaml.YAMLError as exc:
            _raise_if_refused(exc, text)  # else reported below, as the pure-Python parser words it
    return yaml.load(text, Loader=_LocatingLoader)


def load_located_all(text: str) -> Iterator[Any]:
    """Parse every document of a multi-document YAML stream safely (limits as
    `load_located`; the alias limits count over the whole stream)."""
    if _FastLoader is not None:
        try:
            return iter(list(yaml.load_all(text, Loader=_FastLoader)))
        except yaml.YAMLError as exc:
            _raise_if_refused(exc, text)  # else reported below, as the pure-Python parser words it
    return iter(list(yaml.load_all(text, Loader=_LocatingLoader)))


def _raise_if_refused(exc: yaml.YAMLError, text: str) -> None:
    """Re-raise a refusal from the fast path as it is: parsing again would refuse it too,
    only slower (the pure-Python scanner is quadratic in the nesting of one line)."""
    if isinstance(exc, RefusedYamlError):
        raise exc
    if getattr(exc, "problem", None) == _LIBYAML_TOO_DEEP:
        raise too_deep(_mark_past_max_depth(text) or getattr(exc, "problem_mark", None)) from None


def _mark_past_max_depth(text: str) -> Any:
    """Where `text` first nests deeper than MAX_DEPTH, from libyaml's events (no nodes
    are built, and the walk stops there); None when libyaml's scanner, which reads a
    line of `[[[...` ahead of its parser, stops first (then its line is right)."""
    depth = 0
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, opening):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark
            elif isinstance(event, closing):
                depth -= 1
    except yaml.YAMLError:
        pass
    return None


def line_of(data: Any, path: tuple[str | int, ...] = (), default: int = 1) -> int:
    """The line of the deepest mapping key on `path` inside `data`."""
    line = getattr(data, "line", default)
    node = data
    for part in path:
        if isinstance(node, LocatedDict) and isinstance(part, str):
            line = node.key_lines.get(part, line)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = getattr(node, "line", line)
        else:
            break
    return line


def describe_yaml_error(exc: yaml.YAMLError) -> YamlProblem:
    """The line, a one-line description and a hint for a YAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    if isinstance(exc, RefusedYamlError):
        return YamlProblem(line, str(exc.problem), exc.hint)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    where = f" (column {mark.column + 1})" if mark is not None else ""
    text = f"YAML syntax error{where}: {problem}"
    if context:
        text += f", {context}"
    return YamlProblem(line, text, "check indentation and quoting around that line")
