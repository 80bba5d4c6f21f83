"""A fast path for reading YAML as plain JSON data: exactly what the located loader
(scorecards/formats/yamlfile.py) reads, without line tracking, or nothing.

`load_plain_all(text)` parses with `yaml-rs` (Rust, about 10x faster than libyaml driven
by PyYAML's Python constructors) and returns the documents only when they are certain to
equal what `load_located_all` would return; otherwise it DECLINES (returns None) and the
caller runs the located loader, which reads the file (or refuses it, with its line) as
before. Speed and safety both chose yaml-rs over ryaml and rapidyaml: it refuses duplicate
keys, bounds alias replay and nesting itself, and fails in milliseconds on hostile input.

yaml-rs reads YAML 1.2, the located loader YAML 1.1 (PyYAML's resolver), so it declines:
- when yaml-rs raises (the located loader words the error, with its line);
- when the text holds what the two read differently or what our limits govern: tags,
  anchors and aliases, directives, `...`, a BOM, characters PyYAML refuses or reads as
  line breaks, a lone CR, numbers written other than plainly (`017`, `0o17`, `0x1F`,
  `1_000`, `1e3`, `-.5`...);
- when the data holds anything not JSON-like (non-text keys, ints beyond 64 bits,
  non-finite floats), nests beyond MAX_DEPTH, or holds text that YAML 1.1 would read as
  something else (`yes`, `on`, `~`, `1:20`, `<<`, ... quoted or not: the quotes are gone).
Every check is a precompiled regex or one walk of the data, linear in the file's size.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
import yaml_rs

from scorecards.formats.yaml_limits import MAX_ALIAS_NODES, MAX_DEPTH

# Checks on the text, each a search Python's `re` runs fast (a literal or a rare character
# first: a pattern tried at every space costs more than yaml-rs's whole parse). They are
# run on "\n" + text, so a token at the very start follows a newline like any other.
# Conservative: a match in a comment or inside a string declines too, costing only speed.
_ASCII_ALLOWED = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_NOT_PRINTABLE = re.compile(  # what PyYAML refuses or reads as a line break; a BOM
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]"
)
_LONE_CR = re.compile(r"\r(?!\n)")
# A tag (`!`), anchor (`&a`), alias (`*a`) or `?` where a scalar starts: yaml-rs ignores
# tags, our limits on aliases differ from its own, and PyYAML reads `[?]` as a mapping.
# (`R & D` is text to both.) One pattern per character: a literal first is found fast.
_MARKS = [
    re.compile(r"""!(?:(?<=[\s\[{,]!)|(?<=["']:!))"""),
    re.compile(r"\?(?<=[\s\[{,]\?)"),
    re.compile(r"&(?<=[\s\[{,:]&)(?=\S)"),
    re.compile(r"\*(?<=[\s\[{,:]\*)(?=\S)"),
]
_DIRECTIVE = re.compile(r"\n%")
_DOCUMENT_END = re.compile(r"\n\.\.\.(?=[ \t\r\n]|$)")
# `"\ud800\udc00"`: yaml-rs joins the escaped pair into one character, PyYAML refuses it.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")
# Numbers that yaml-rs reads as numbers but YAML 1.1 does not, or as other numbers; only
# searched when yaml-rs returned numbers. A scalar starts after a space, `[`, `{`, `,` or
# a quoted key's `:`, with an optional sign.
_AT_START = r"""(?:(?<=[\s\[{,]0)|(?<=["']:0)|(?<=[\s\[{,][-+]0)|(?<=["']:[-+]0))"""
_RISKY_INTS = [  # separate patterns: each then starts with a literal, found fast
    re.compile(r"_(?:[0-9.]|(?<=[0-9.]_))"),  # 1_000, _1, 1_: yaml-rs drops underscores
    # 017 (octal in YAML 1.1), 09 (text in 1.1), 0o17, 0x1F, 0b101; not the time 09:30
    re.compile(rf"0{_AT_START}(?:[0-9_]+(?=$|[\s,\]}}#]|:(?:\s|$))|[xXoObB])"),
]
_RISKY_FLOATS = [
    *_RISKY_INTS,
    re.compile(r"[0-9.][eE][-+]?[0-9_]"),  # 1e3 and 1.0e3: text in YAML 1.1, which wants 1.0e+3
    re.compile(r"\.(?:(?<=[-+]\.)|_)"),  # -.5, +.5 and ._1, 1._
]
_DOCUMENT_START = re.compile(r"\n---(?=[ \t\r\n]|$)")  # in the probe: "\n" + text
_ONLY_COMMENTS = re.compile(r"(?:[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z))*")


# PyYAML's SafeLoader resolver (yaml/resolver.py, YAML 1.1): the plain scalars it reads as
# bools, nulls, ints, floats, merge and value keys, or `!`, `&`, `*`; timestamps are left
# out, as the located loader keeps them as text like yaml-rs. Searched, between quotes, in
# the JSON of the documents: such text cannot hold `"` or `\\`, so its JSON is itself.
# (An escaped quote can make a false match, which only declines.)
_YAML11_NOT_TEXT = re.compile(
    rb"""
    "(?=[-+.0-9yYnNtTfFoO~<=!&*])  # a quick refusal for most strings: 5x faster
    (?:
      yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    | ~|null|Null|NULL
    | [-+]?0b[0-1_]+
    | [-+]?0[0-7_]+
    | [-+]?(?:0|[1-9][0-9_]*)
    | [-+]?0x[0-9a-fA-F_]+
    | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    | \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    | [-+]?\.(?:inf|Inf|INF)
    | \.(?:nan|NaN|NAN)
    | <<|=|!|&|\*
    )"
    """,
    re.VERBOSE,
)

# Bounds for the replay of aliases, should any pass the text check (they should not).
_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=MAX_ALIAS_NODES, max_replay_stack_depth=MAX_DEPTH
)


class _DeclinedError(Exception):
    pass


# What the walk of a document found, besides text: ints and floats need a look at the text.
_INTS, _FLOATS = 1, 2


def load_plain_all(text: str) -> list[Any] | None:
    """The documents of a YAML stream as plain data (dicts, lists, text, numbers, bools,
    None), equal to the located loader's; None when the fast path declines (then the
    located loader must read `text`). Never raises on any input."""
    probe = "\n" + text
    if _text_may_differ(probe):
        return None
    try:
        parsed = yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=_ALIAS_LIMITS,
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
        )
    except Exception:  # any refusal: the located loader reports it, as it words it
        return None
    documents = _documents(probe, parsed)
    if documents is None:
        return None
    found = 0
    try:
        for document in documents:
            found |= _walk(document, 0)
        # orjson refuses what JSON cannot hold, as the located loader does: keys that are
        # not text, ints beyond 64 bits (CEL's int and uint); 50x faster than a Python walk.
        data = orjson.dumps(documents)
    except (_DeclinedError, TypeError):
        return None
    if _YAML11_NOT_TEXT.search(data) is not None:
        return None
    risky = _RISKY_FLOATS if found & _FLOATS else _RISKY_INTS if found & _INTS else []
    if any(pattern.search(probe) is not None for pattern in risky):
        return None
    return documents


def _text_may_differ(probe: str) -> bool:
    if probe.isascii():
        if probe.encode("ascii").translate(None, _ASCII_ALLOWED):
            return True
    elif _NOT_PRINTABLE.search(probe) is not None:
        return True
    if "\r" in probe and _LONE_CR.search(probe) is not None:
        return True
    return any(
        pattern.search(probe) is not None
        for pattern in (*_MARKS, _DIRECTIVE, _DOCUMENT_END, _SURROGATE_ESCAPE)
    )


def _documents(probe: str, parsed: Any) -> list[Any] | None:
    """yaml-rs returns one document as itself and several as a list of them: tell which
    from the `---` lines (a `---` at a line's start always starts a document)."""
    starts = [match.start() for match in _DOCUMENT_START.finditer(probe)]
    if not starts:
        # No marker: one document, or none (empty, comments only), which yaml-rs also
        # returns as None; the located loader tells those apart.
        return None if parsed is None else [parsed]
    first_is_bare = _ONLY_COMMENTS.fullmatch(probe, 1, starts[0] + 1) is None
    expected = len(starts) + (1 if first_is_bare else 0)
    if expected == 1:
        return [parsed]
    if not isinstance(parsed, list) or len(parsed) != expected:
        return None
    return parsed


def _walk(value: Any, depth: int) -> int:
    """Raise _DeclinedError where `value` nests beyond MAX_DEPTH or holds a non-finite
    float or a value of another type than JSON's; else which of _INTS and _FLOATS it
    holds. (Text is checked on the JSON: a regex there is faster than a call per item.)"""
    cls = value.__class__
    if cls is dict or cls is list:
        if depth >= MAX_DEPTH:
            raise _DeclinedError
        found = 0
        for item in value.values() if cls is dict else value:
            item_cls = item.__class__
            if item_cls is str or item is None or item_cls is bool:
                continue
            found |= _walk(item, depth + 1)
        return found
    if cls is int:
        return _INTS
    if cls is float:
        if value - value != 0.0:  # inf - inf and nan - nan are nan
            raise _DeclinedError
        return _FLOATS
    if cls is str or value is None or cls is bool:
        return 0
    raise _DeclinedError
