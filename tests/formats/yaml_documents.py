"""Hypothesis strategies for YAML text that YAML 1.1 and 1.2 readers may read differently:
tricky scalars (plain, quoted, block), nested in block and flow style, one or several
documents. Many generated texts are malformed on purpose: both readers must then agree
that the fast path declines."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Scalars YAML 1.1 (PyYAML) and 1.2 (yaml-rs) read differently, or that our loader refuses.
TRICKY_SCALARS = [
    *[
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "y",
        "Y",
        "n",
        "N",
    ],
    *[
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "tRUE",
        "null",
        "Null",
        "NULL",
        "nULL",
        "~",
    ],
    *[
        "0",
        "-0",
        "+0",
        "7",
        "-7",
        "+12",
        "017",
        "-017",
        "+017",
        "09",
        "0o17",
        "0O17",
        "0x1F",
        "0X1F",
        "-0x1F",
        "0x_1F",
        "0b101",
        "-0b1",
        "0b2",
    ],
    *[
        "1_000",
        "1__0",
        "_1",
        "1_",
        "0_",
        "1:20",
        "-1:20",
        "190:20:30",
        "9:30",
        "09:30",
        "10:05",
        "1:2:3:4",
    ],
    *[
        "1.5",
        "-1.5",
        "+1.5",
        "1.",
        "0.",
        "00.5",
        ".5",
        "-.5",
        "+.5",
        "._1",
        "1._",
        "1_0.5",
        "1.5_0",
        "1e3",
        "1E3",
        "1e+3",
        "1.0e+3",
        "1.0e3",
    ],
    *[
        "1.0E-3",
        ".5e3",
        "12e",
        "1e3.5",
        "1.2.3",
        "0.1.2",
        "2.4.0",
        "190:20:30.15",
        ".inf",
        "-.inf",
        "+.inf",
        ".Inf",
        ".INF",
        ".iNf",
    ],
    *[
        ".nan",
        ".NaN",
        ".NAN",
        ".Nan",
        "1e400",
        "-1e400",
        "18446744073709551615",
        "18446744073709551616",
    ],
    *[
        "-9223372036854775808",
        "-9223372036854775809",
        "99999999999999999999999",
        "12345678901234567890.5",
    ],
    *[
        "2026-01-05",
        "2026-1-5",
        "2026-13-45",
        "2026-01-05T09:30:00Z",
        "2026-01-05",
        "09:30:00",
        "+02:00",
    ],
    *[
        "<<",
        "=",
        "!",
        "&",
        "*",
        "!!",
        "-",
        "?",
        ":",
        ".",
        "..",
        "...",
        "---",
        "--",
        "_",
        "__",
        "#",
        "a#b",
        "a:b",
        "a:1",
    ],
    "R & D",
    "a & b",
    "!foo x",
    "!!str 1",
    "!!int 1",
    "!!binary aGk=",
    "&a 1",
    "*a",
    "a: b",
    "a #b",
    "x\ty",
    "\\ud800",
    "caf\u00e9",
    "\u2028",
    "\x85",
    "\ufeff",
    "\x7f",
    "\r",
    "",
    " ",
]

scalar_words = st.one_of(
    st.sampled_from(TRICKY_SCALARS),
    st.text(st.characters(codec="utf-8"), max_size=8),
    st.from_regex(r"[-+]?[0-9_.]{1,6}(?:[eE][-+]?[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
)


@st.composite
def scalars(draw: st.DrawFn) -> str:
    """A scalar as YAML text: plain, single-quoted, double-quoted (JSON-escaped or raw),
    or a block scalar."""
    word = draw(scalar_words)
    style = draw(st.sampled_from(["plain", "plain", "single", "double", "raw-double", "block"]))
    if style == "single":
        return "'" + word.replace("'", "''") + "'"
    if style == "double":
        return json.dumps(word, ensure_ascii=draw(st.booleans()))
    if style == "raw-double":
        return '"' + word + '"'
    if style == "block":
        indicator = draw(st.sampled_from(["|", ">", "|-", ">+", "|2"]))
        return indicator + "\n" + "  " + word.replace("\n", "\n  ") + "\n"
    return word


def _indent(text: str, by: str) -> str:
    return "\n".join(by + line if line else line for line in text.split("\n"))


@st.composite
def flow(draw: st.DrawFn, depth: int = 0) -> str:
    """A flow collection or scalar (no block scalars inside flow)."""
    if depth > 3 or draw(st.booleans()):
        text = draw(scalars())
        return text if "\n" not in text else json.dumps(draw(scalar_words))
    items = draw(st.lists(flow(depth + 1), max_size=3))
    if draw(st.booleans()):
        return "[" + draw(st.sampled_from([", ", ",", " , "])).join(items) + "]"
    keys = draw(st.lists(flow(depth + 1), min_size=len(items), max_size=len(items)))
    sep = draw(st.sampled_from([": ", ":", " : "]))
    return "{" + ", ".join(k + sep + v for k, v in zip(keys, items, strict=True)) + "}"


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> str:
    """A block mapping or sequence, ending in a newline, or a flow value."""
    kind = draw(st.sampled_from(["map", "seq", "flow"] if depth < 4 else ["flow"]))
    if kind == "flow":
        return draw(flow(depth)) + "\n"
    indent = draw(st.sampled_from(["  ", "    ", " "]))
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        child = draw(block(depth + 1))
        is_nested = "\n" in child.rstrip("\n") or child.lstrip()[:1] in ("-",) or ": " in child
        if kind == "seq":
            head = "-"
        else:
            head = draw(st.one_of(scalars(), st.just("key"))).replace("\n", " ") + ":"
        if is_nested and not child.startswith(("|", ">")):
            lines.append(head + "\n" + _indent(child.rstrip("\n"), indent) + "\n")
        else:
            lines.append(head + " " + child if not child.startswith("\n") else head + child)
    return "".join(lines)


@st.composite
def yaml_streams(draw: st.DrawFn) -> str:
    """One or several documents, with the markers a user might write."""
    documents = draw(st.lists(block(), min_size=1, max_size=3))
    separator = draw(st.sampled_from(["---\n", "--- \n", "---\n# c\n", "...\n---\n"]))
    text = separator.join(documents)
    prefix = draw(
        st.sampled_from(["", "", "---\n", "# comment\n---\n", "\ufeff", "%YAML 1.1\n---\n"])
    )
    suffix = draw(st.sampled_from(["", "", "---\n", "...\n", "\n# end\n"]))
    text = prefix + text + suffix
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    return text
