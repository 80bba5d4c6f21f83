"""The engine evaluates generated rules exactly as cel-cpp does (tests/cel/oracle.py).

Expressions come from a typed grammar of what rules are made of: field reads
(present, absent and of an unexpected type), comparisons (mixed int and double
too), arithmetic, logic, `in`, the standard string functions, macros, `has()`,
optional syntax, the string, math, optional and base64 extensions, timestamps,
durations and conversions. They are evaluated over generated scorecard data:
Backstage-like `entity` maps with fields missing at random, `facts` of every
JSON type, and a `now`. Each case must give the same value (of the same CEL
type) on both sides, or an error on both.

Hypothesis draws the data (derandomized, without a database: the same cases on
every run); each example then evaluates several expressions over several data
sets. The expressions come from a seeded Random, not from Hypothesis draws:
draws cost tens of microseconds each and favour the first choice, which would
make most nodes leaves. A disagreement is reduced (`Differ.minimal`: smaller
sub-expressions, less data) before it is reported.

A production is used only once the engine registers the functions it calls, so
the grammar followed the extensions as they landed;
test_every_function_family_is_generated keeps them all on (FAMILIES). cel-cpp
has no lists or sets extension: those functions are not generated.

`python -m bench.cel_differential --cases 500000` runs the same generators longer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, Final

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scorecards.cel import Activation, compile_expression, make_activation
from scorecards.cel.library import FUNCTIONS
from scorecards.errors import CelEvaluationError, CelSyntaxError
from tests.cel.oracle import (
    BASE64_WHITESPACE,
    BOOL_TO_INT,
    DURATION_TEXT,
    EMPTY_SPLIT,
    EMPTY_SPLIT_LIMIT,
    ERROR,
    IN_MAP_KEY_TYPE,
    KNOWN_DIFFERENCES,
    LENIENT_TIMESTAMP_TEXT,
    NONFINITE_TEXT,
    OPTIONAL_INDEX_NUMBER,
    SUBSTRING_TO_THE_END,
    TIMESTAMP_TEXT,
    Form,
    Oracle,
    Outcome,
    UnconvertibleError,
    avoided,
    canonical,
    eager_bind,
    evaluate_outcome,
    optional_map,
    otherwise,
    shared,
)

# What cel-cpp gets in place of the constructs it differs on (see oracle.py).
IN_MAP_FORM: Final = shared(IN_MAP_KEY_TYPE.oracle_form)
OPTIONAL_INDEX_FORM: Final = shared(OPTIONAL_INDEX_NUMBER.oracle_form)
BASE64_FORM: Final = shared(BASE64_WHITESPACE.oracle_form)
STRING_FORM: Final = shared(
    otherwise(
        otherwise(NONFINITE_TEXT.oracle_form, DURATION_TEXT.oracle_form),
        TIMESTAMP_TEXT.oracle_form,
    )
)
SPLIT_FORM: Final = shared(EMPTY_SPLIT.oracle_form)
SPLIT_LIMIT_FORM: Final = shared(EMPTY_SPLIT_LIMIT.oracle_form)
BOOL_TO_INT_FORM: Final = shared(BOOL_TO_INT.oracle_form)
SUBSTRING_FORM: Final = shared(SUBSTRING_TO_THE_END.oracle_form)
TIMESTAMP_FORM: Final = shared(LENIENT_TIMESTAMP_TEXT.oracle_form)

# ------------------------------------------------------------------ function families

FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "strings": (
        "lowerAscii",
        "upperAscii",
        "split",
        "join",
        "replace",
        "substring",
        "indexOf",
        "lastIndexOf",
        "trim",
        "charAt",
    ),
    "math": (
        "math.greatest",
        "math.least",
        "math.abs",
        "math.ceil",
        "math.floor",
        "math.round",
        "math.trunc",
        "math.sign",
        "math.isNaN",
        "math.isInf",
        "math.isFinite",
    ),
    "optionals": (
        "optional.of",
        "optional.none",
        "optional.ofNonZeroValue",
        "hasValue",
        "orValue",
        "or",
        "value",
    ),
    "encoders": ("base64.encode", "base64.decode"),
}


def enabled_families() -> frozenset[str]:
    """The families whose functions the engine registers, all of them."""
    return frozenset(name for name, names in FAMILIES.items() if all(f in FUNCTIONS for f in names))


# ------------------------------------------------------------------ data

ANNOTATIONS: Final = [
    "github.com/project-slug",
    "backstage.io/techdocs-ref",
    "pagerduty.com/service-id",
]
WORDS: Final = [
    "",
    "a",
    "A",
    "abc",
    "payments-api",
    "Bad_Name",
    "Component",
    "production",
    "user:jane",
    "group:default/team",
    "RUNBOOK",
    "Runbook: on-call",
    " padded ",
    "a,b,c",
    "ünï",
    "Ünïcødé 😀",
    "42",
    "-7",
    "1.5",
    "1e3",
    "true",
    "2026-01-31T09:00:00Z",
    "1h30m",
]
TIME_TEXTS: Final = [
    "2026-01-31T09:00:00Z",
    "2020-02-29T23:59:59.123456789Z",
    "1999-12-31T23:00:00-05:00",
    "soon",
    "2026-13-01T00:00:00Z",
]
DOUBLES: Final = [
    0.0,
    -0.0,
    0.5,
    1.0,
    2.5,
    3.0,
    -1.5,
    70.0,
    99.9,
    0.1,
    1e-7,
    1e21,
    1.7976931348623157e308,
    9.2e18,
]

BIG_INTS: Final = [2**31, 2**53 + 1, 2**62, 2**63 - 1, -(2**63), -(2**62)]
INTS: Final = [*range(-3, 51), *BIG_INTS]
# Each draw costs Hypothesis tens of microseconds: a field's value is one draw from a
# pool, never a list drawn item by item. The pools come from a fixed Random.
_POOLS: Final = Random(20260131)
DOUBLES_POOL: Final = DOUBLES + [
    _POOLS.choice([1.0, -1.0, 1e-9, 1e9, 1e300]) * _POOLS.random() for _ in range(24)
]
SCALARS_POOL: Final = [None, True, False, *WORDS, *INTS[:12], *BIG_INTS, *DOUBLES]


def _pool(make: Callable[[], Any], size: int = 40) -> list[Any]:
    return [make() for _ in range(size)]


def _items(values: Sequence[Any], most: int) -> list[Any]:
    return [_POOLS.choice(values) for _ in range(_POOLS.randint(0, most))]


NUMBERS_POOL: Final = INTS + DOUBLES_POOL
# What a field holds when it does not hold what rules expect (see _field): for a field
# that should hold a list, never a map, whose iteration order map() and filter() would
# expose (see MAP_ITERATION_ORDER in oracle.py).
NOT_MAPS: Final = SCALARS_POOL + _pool(lambda: _items(SCALARS_POOL, 3), 20)
ODD_VALUES: Final = NOT_MAPS + _pool(
    lambda: {k: _POOLS.choice(NOT_MAPS) for k in _items(["a", "title", "value"], 3)}, 20
)
LISTS: Final = ("strings", "ints", "numbers", "links")

# What each field holds when it holds what rules expect, by the kind in ENTITY_FIELDS,
# SPEC_FIELDS and FACT_FIELDS.
VALUES: Final[dict[str, list[Any]]] = {
    "int": INTS,
    "double": DOUBLES_POOL,
    "bool": [True, False],
    "string": WORDS,
    "time_text": TIME_TEXTS,
    "strings": _pool(lambda: _items(WORDS, 4)),
    "ints": _pool(lambda: _items(INTS, 4)),
    "numbers": _pool(lambda: _items(NUMBERS_POOL, 4)),
    "null": [None, *WORDS[:6]],
    "namespace": ["default"],
    "owner": ["group:default/team", "user:default/jane", "", *WORDS],
    "lifecycle": ["production", "experimental", "deprecated"],
    "type": ["service", "website", "library"],
    "annotations": _pool(lambda: {k: _POOLS.choice(WORDS) for k in _items(ANNOTATIONS, 3)}),
    "labels": _pool(lambda: {k: _POOLS.choice(WORDS) for k in _items(["tier", "team"], 2)}),
    "links": _pool(
        lambda: [
            {"url": "https://x.example.com"}
            | ({"title": _POOLS.choice(WORDS)} if _POOLS.random() < 0.7 else {})
            for _ in range(_POOLS.randint(0, 3))
        ]
    ),
    "details": _pool(
        lambda: {
            "depth": _POOLS.choice(INTS),
            "inner": {"value": _POOLS.choice(DOUBLES_POOL), "name": _POOLS.choice(WORDS)},
            "items": [{"value": v} for v in _items(NUMBERS_POOL, 3)],
        }
    ),
}
ENTITY_FIELDS: Final = {
    "namespace": "namespace",
    "description": "string",
    "annotations": "annotations",
    "labels": "labels",
    "tags": "strings",
    "links": "links",
}
SPEC_FIELDS: Final = {
    "owner": "owner",
    "lifecycle": "lifecycle",
    "type": "type",
    "dependsOn": "strings",
}
FACT_FIELDS: Final[dict[str, dict[str, str]]] = {
    "github": {
        "open_prs": "int",
        "stars": "int",
        "protected": "bool",
        "default_branch": "string",
        "pushed_at": "time_text",
        "languages": "strings",
        "archived_reason": "null",
    },
    "ci": {
        "passing": "bool",
        "success_rate": "double",
        "build_seconds": "int",
        "durations": "ints",
        "status": "string",
    },
    "sonar": {"coverage": "double", "bugs": "int", "history": "numbers", "details": "details"},
}
ABSENT_FIELD: Final = object()


def _choices(kind: str) -> list[Any]:
    """What a field of `kind` may hold, as one pool to draw once from: a value as rules
    expect it 9 times in 10, one of another type 1 in 20, ABSENT_FIELD 1 in 20.
    Hypothesis favours the first choices: they are values as rules expect them."""
    expected = VALUES[kind] * -(-36 // len(VALUES[kind]))
    others = NOT_MAPS if kind in LISTS else ODD_VALUES
    share = -(-len(expected) // 18)
    return expected + [_POOLS.choice(others) for _ in range(share)] + [ABSENT_FIELD] * share


CHOICES: Final = {kind: st.sampled_from(_choices(kind)) for kind in VALUES}


def _fields(draw: st.DrawFn, kinds: dict[str, str]) -> dict[str, Any]:
    values = {name: draw(CHOICES[kind]) for name, kind in kinds.items()}
    return {name: value for name, value in values.items() if value is not ABSENT_FIELD}


@st.composite
def entities(draw: st.DrawFn) -> dict[str, Any]:
    metadata = {"name": draw(st.sampled_from(WORDS))} | _fields(draw, ENTITY_FIELDS)
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": draw(st.sampled_from(["Component", "API", "Group", "System"])),
        "metadata": metadata,
    }
    return entity | ({"spec": _fields(draw, SPEC_FIELDS)} if draw(st.integers(0, 7)) != 7 else {})


@st.composite
def facts(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    return {
        source: _fields(draw, fields)
        for source, fields in FACT_FIELDS.items()
        if draw(st.integers(0, 19)) != 19
    }


# Microseconds: the binding's datetimes have no nanoseconds (see oracle.py), and it
# refuses the very first and last microseconds of CEL's range.
_1990: Final = datetime(1990, 1, 1, tzinfo=UTC)
moments = st.integers(0, 110 * 366 * 86_400 * 10**6).map(
    lambda micros: _1990 + timedelta(microseconds=micros)
) | st.sampled_from(
    [datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)]
)


@dataclass(frozen=True)
class Scenario:
    """The variables of one evaluation."""

    entity: dict[str, Any]
    facts: dict[str, dict[str, Any]]
    now: datetime

    def variables(self) -> dict[str, Any]:
        return {"entity": self.entity, "facts": self.facts, "now": self.now}

    def activation(self) -> Activation:
        return make_activation(self.entity, self.facts, self.now)

    def describe(self) -> str:
        return (
            f"entity = {json.dumps(self.entity, ensure_ascii=False)}\n"
            f"facts = {json.dumps(self.facts, ensure_ascii=False)}\n"
            f"now = {self.now.isoformat()}"
        )


scenarios = st.builds(Scenario, entities(), facts(), moments)


# ------------------------------------------------------------------ expressions


class Node:
    """A generated expression: its kind and text, with its sub-expressions kept for `shrink`.

    `adapt` builds what cel-cpp gets for this node in place of its text (see the
    known differences in oracle.py); `level` numbers the forms so that each names
    its variable apart from those of the forms inside it.
    """

    __slots__ = ("adapt", "kind", "level", "oracle_text", "parts", "text")
    kind: str
    parts: tuple[str | Node, ...]
    adapt: Form | None
    text: str
    level: int
    oracle_text: str

    def __init__(self, kind: str, *parts: str | Node, adapt: Form | None = None) -> None:
        self.kind = kind
        self.parts = parts
        self.adapt = adapt
        self.text = "".join(p if isinstance(p, str) else p.text for p in parts)
        inner = max((c.level for c in self.children()), default=0)
        self.level = inner + 1 if adapt else inner
        if adapt is None:
            self.oracle_text = "".join(p if isinstance(p, str) else p.oracle_text for p in parts)
        else:
            texts = [c.oracle_text for c in self.children()]
            self.oracle_text = adapt(texts, f"a{self.level}__")

    def __str__(self) -> str:
        return self.text

    def children(self) -> Iterator[Node]:
        return (p for p in self.parts if isinstance(p, Node))

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children():
            yield from child.walk()

    def replace(self, old: Node, new: Node) -> Node:
        if self is old:
            return new
        if not any(True for _ in self.children()):
            return self
        parts = (p.replace(old, new) if isinstance(p, Node) else p for p in self.parts)
        return Node(self.kind, *parts, adapt=self.adapt)


Scope = tuple[tuple[str, str], ...]  # macro and bind variables: (name, element kind)

FIELDS: Final[dict[str, list[str]]] = {
    "string": [
        "entity.kind",
        "entity.metadata.name",
        "entity.metadata.namespace",
        "entity.metadata.description",
        "entity.spec.owner",
        "entity.spec.lifecycle",
        'entity.metadata.annotations["github.com/project-slug"]',
        'entity.metadata.annotations["pagerduty.com/service-id"]',
        "entity.metadata.labels.tier",
        "facts.github.default_branch",
        "facts.github.pushed_at",
        "facts.ci.status",
        "facts.sonar.details.inner.name",
        "facts.github.archived_reason",
    ],
    "int": [
        "facts.github.open_prs",
        "facts.github.stars",
        "facts.ci.build_seconds",
        "facts.sonar.bugs",
        "facts.sonar.details.depth",
    ],
    "double": ["facts.ci.success_rate", "facts.sonar.coverage", "facts.sonar.details.inner.value"],
    "bool": ["facts.github.protected", "facts.ci.passing"],
    "list": [
        "entity.metadata.tags",
        "entity.spec.dependsOn",
        "entity.metadata.links",
        "facts.github.languages",
        "facts.ci.durations",
        "facts.sonar.history",
        "facts.sonar.details.items",
    ],
    "map": [
        "entity",
        "entity.metadata",
        "entity.spec",
        "entity.metadata.annotations",
        "entity.metadata.labels",
        "facts",
        "facts.github",
        "facts.sonar.details",
        "facts.sonar.details.inner",
    ],
    "null": ["facts.github.archived_reason"],
    "time": ["now"],
}
ABSENT: Final = [
    "entity.spec.missing",
    "facts.missing.value",
    "facts.github.missing",
    'entity.metadata.annotations["absent.io/key"]',
]
LITERALS: Final[dict[str, list[str]]] = {
    "bool": ["true", "false"],
    "int": [
        "0",
        "1",
        "-1",
        "2",
        "7",
        "42",
        "9223372036854775807",
        "-9223372036854775808",
        "4611686018427387904",
    ],
    "uint": ["0u", "1u", "2u", "42u", "9223372036854775808u", "18446744073709551615u"],
    "double": [
        "0.0",
        "-0.0",
        "1.5",
        "-2.0",
        "0.1",
        "70.0",
        "2.5",
        "3.0",
        "1e308",
        "1e-300",
        "9.223372036854775807e18",
    ],
    "string": [json.dumps(w, ensure_ascii=False) for w in WORDS]
    + ['"NaN"', '"-Infinity"', '"1,000"'],
    "bytes": ['b""', 'b"abc"', 'b"\\xff"', 'b"\\x00a"', 'b"ü"'],
    "null": ["null"],
    "list": ["[]", '["a", "b", ""]', "[1, 2, 3]", '[1, "a", 1.5, null]', "[0.5, 2, 3u]"],
    "map": ["{}", '{"a": 1, "b": "x"}', "{1: 2, 3: 4}", '{"title": "Runbook", "url": ""}'],
    "type": [
        "int",
        "uint",
        "double",
        "string",
        "bool",
        "bytes",
        "list",
        "map",
        "null_type",
        "type",
    ],
}
DURATIONS: Final = [
    "0",
    "1s",
    "-1.5s",
    "1h30m",
    "720h",
    "8760h",
    "1ns",
    "1.000000001s",
    "100ms",
    "1us",
    "2562047h",
    "-2562047h47m16.854775808s",
    "1m",
    "3600s",
    "1.5h",
    "bad",
    "",
]
TIMESTAMPS: Final = [
    *TIME_TEXTS,
    "1970-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "2026-01-31T09:00:00.5+05:30",
    "2026-06-30T12:00:00.000001-08:00",
]
ZONES: Final = [
    "UTC",
    "+05:30",
    "-08:00",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Nowhere/Else",
]
PATTERNS: Final = [
    'r"(?i)runbook"',
    'r"^[a-z0-9]+(-[a-z0-9]+)*$"',
    'r"\\bA"',
    '("[" + "")',
    'r"a$"',
    'r"\\d+"',
    '"^$"',
    '"^.{3}$"',
    '"ü"',
    'r"^\\p{Lu}"',
]
GETTERS: Final = [
    "getFullYear",
    "getMonth",
    "getDayOfYear",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
]
DURATION_GETTERS: Final = ["getHours", "getMinutes", "getSeconds", "getMilliseconds"]
SELECTORS: Final = [
    "metadata",
    "spec",
    "name",
    "kind",
    "tags",
    "annotations",
    "title",
    "value",
    "missing",
    "github",
    "a",
]
# Map keys, by the key they are equal to: a map literal has one of each at most
# (see REPEATED_NUMERIC_KEYS in oracle.py). 2.0 is no valid key: an error on both sides.
MAP_KEYS: Final = {
    '"a"': "a",
    '"title"': "title",
    '"github"': "github",
    '"name"': "name",
    "1": 1,
    "1u": 1,
    "2": 2,
    "2.0": 2,
    "true": "true",
    "false": "false",
}
# For an optional entry after "a" (see REPEATED_KEY_RAISED and ABSENT_ENTRY_BAD_KEY).
ENTRY_KEYS: Final = [key for key in MAP_KEYS if key not in ('"a"', "2.0")]
LIST_TARGETS: Final = [
    ("entity.metadata.tags", "string"),
    ("entity.spec.dependsOn", "string"),
    ("facts.github.languages", "string"),
    ("entity.metadata.links", "link"),
    ("facts.ci.durations", "int"),
    ("facts.sonar.history", "number"),
    ('["a", "b", ""]', "string"),
    ("[1, 2, 0]", "int"),
    ("[0.5, 2, 3u, -1.5]", "number"),
]
MAP_TARGETS: Final = [("entity.metadata.annotations", "string"), ("facts.github", "string")]
# Which variables (by what they hold) may stand for an expression of a kind.
STANDS_FOR: Final = {
    "string": {"string", "any"},
    "int": {"int", "number", "any"},
    "double": {"double", "number", "any"},
    "map": {"link", "any"},
    "list": {"list", "any"},
    "bool": {"any"},
}
RELATIONS: Final = ["==", "!=", "<", "<=", ">", ">="]
ORDERED: Final = ["int", "double", "string", "uint", "time", "duration", "bool", "bytes"]
SCALARS: Final = ["int", "double", "string", "bool", "uint", "null"]
# Kinds a sub-expression may be swapped for, to exercise the error paths.
WRONG: Final = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "list",
    "map",
    "time",
    "duration",
    "null",
]
TOP_KINDS: Final = ["bool"] * 6 + [
    "int",
    "double",
    "string",
    "list",
    "map",
    "time",
    "duration",
    "uint",
    "bytes",
    "type",
    "optional",
]
MAX_SCOPE: Final = 2  # the engine allows comprehensions two deep


Production = Callable[["Grammar", int, Scope], Node]
PRODUCTIONS: dict[str, list[tuple[tuple[str, ...], Production]]] = {}


def production(kind: str, *needs: str) -> Callable[[Production], Production]:
    """Register a way of building an expression of `kind`, used when the engine has `needs`."""

    def register(build: Production) -> Production:
        PRODUCTIONS.setdefault(kind, []).append((needs, build))
        return build

    return register


class Grammar:
    """Random typed expressions: mostly well typed, a `wrong` share of sub-expressions not."""

    def __init__(
        self, rnd: Random, functions: frozenset[str] | None = None, wrong: float = 0.08
    ) -> None:
        self.rnd = rnd
        self.wrong = wrong
        known = frozenset(FUNCTIONS) if functions is None else functions
        self.productions = {
            kind: [build for needs, build in options if all(n in known for n in needs)]
            for kind, options in PRODUCTIONS.items()
        }

    def top(self, depth: int = 4) -> Node:
        """An expression of a kind rules compute (a bool, usually), clear of known differences."""
        while True:
            kind = self.rnd.choice(TOP_KINDS)
            if kind == "optional" and not self.productions["optional"]:
                continue
            node = self.expression(kind, depth)
            if not avoided(node.text):
                return node

    def expression(self, kind: str, depth: int, scope: Scope = ()) -> Node:
        rnd = self.rnd
        if rnd.random() < self.wrong:
            kind = rnd.choice(WRONG)
        if depth <= 0 or rnd.random() < 0.2:
            return self.leaf(kind, scope)
        if rnd.random() < 0.06:
            return self.ternary(kind, depth, scope)
        options = self.productions.get(kind)
        if not options:
            return self.leaf(kind, scope)
        return rnd.choice(options)(self, depth - 1, scope)

    def leaf(self, kind: str, scope: Scope) -> Node:
        rnd = self.rnd
        names = [name for name, element in scope if element in STANDS_FOR.get(kind, ())]
        if names and rnd.random() < 0.6:
            return Node(kind, rnd.choice(names))
        if kind == "string" and rnd.random() < 0.3:
            links = [name for name, element in scope if element == "link"]
            if links:
                return Node(kind, f"{rnd.choice(links)}.{rnd.choice(['title', 'url'])}")
        if kind == "time":
            return Node(kind, rnd.choice(["now", f'timestamp("{rnd.choice(TIMESTAMPS)}")']))
        if kind == "duration":
            return Node(kind, f'duration("{rnd.choice(DURATIONS)}")')
        if kind == "optional":
            return Node(kind, f"{rnd.choice(FIELDS['map'])}.?{rnd.choice(SELECTORS)}")
        if rnd.random() < 0.03:
            return Node(kind, rnd.choice(ABSENT))
        fields = FIELDS.get(kind, [])
        if fields and rnd.random() < 0.5:
            return Node(kind, rnd.choice(fields))
        return Node(kind, rnd.choice(LITERALS[kind]))

    def ternary(self, kind: str, depth: int, scope: Scope) -> Node:
        e = self.expression
        return Node(
            kind,
            "(",
            e("bool", depth - 1, scope),
            " ? ",
            e(kind, depth - 1, scope),
            " : ",
            e(kind, depth - 1, scope),
            ")",
        )

    # helpers for the productions
    def pick(self, options: Sequence[str]) -> str:
        return self.rnd.choice(options)

    def variable(self, scope: Scope) -> str:
        return f"v{len(scope)}"

    def macro(
        self, kind: str, macro: str, depth: int, scope: Scope, body_kinds: Sequence[str]
    ) -> Node:
        """`target.macro(v, body ...)`; map() and filter() iterate lists only."""
        if len(scope) >= MAX_SCOPE:
            return self.leaf(kind, scope)
        rnd = self.rnd
        over_maps = macro in ("all", "exists", "exists_one")
        target: str | Node
        if rnd.random() < 0.75:
            target, element = rnd.choice(LIST_TARGETS + (MAP_TARGETS if over_maps else []))
        else:
            # Macros nest in the target too: the marker counts towards MAX_SCOPE.
            outer = (*scope, ("", "none"))
            if over_maps:
                target = self.expression(rnd.choice(["list", "map"]), depth, outer)
            else:  # a production that makes a list (or fails), never a map
                target = rnd.choice(self.productions["list"])(self, depth, outer)
            element = "any"
        name = self.variable(scope)
        inner = (*scope, (name, element))
        bodies = [self.expression(k, depth, inner) for k in body_kinds]
        parts: list[str | Node] = [target, f".{macro}({name}"]
        for body in bodies:
            parts += [", ", body]
        return Node(kind, *parts, ")")

    def bind(self, kind: str, depth: int, scope: Scope) -> Node:
        if len(scope) >= MAX_SCOPE:
            return self.leaf(kind, scope)
        value_kind = self.pick(["string", "int", "double", "list"])
        name = self.variable(scope)
        value = self.expression(value_kind, depth, scope)
        body = self.expression(kind, depth, (*scope, (name, value_kind)))
        return Node(kind, f"cel.bind({name}, ", value, ", ", body, ")", adapt=eager_bind(name))

    def call(self, kind: str, name: str, *args: Node) -> Node:
        parts: list[str | Node] = [f"{name}("]
        for index, arg in enumerate(args):
            parts += [", " if index else "", arg]
        return Node(kind, *parts, ")")

    def method(self, kind: str, receiver: Node, name: str, *args: Node) -> Node:
        parts: list[str | Node] = [receiver, f".{name}("]
        for index, arg in enumerate(args):
            parts += [", " if index else "", arg]
        return Node(kind, *parts, ")")

    def binary(self, kind: str, left: Node, op: str, right: Node) -> Node:
        return Node(kind, "(", left, f" {op} ", right, ")")

    def literal(self, kind: str, text: str) -> Node:
        return Node(kind, text)


# ------------------------------------------------------------------ bool


@production("bool")
def _logic(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "bool", g.expression("bool", d, s), g.pick(["&&", "||"]), g.expression("bool", d, s)
    )


@production("bool")
def _not(g: Grammar, d: int, s: Scope) -> Node:
    return Node("bool", "!(", g.expression("bool", d, s), ")")


@production("bool")
def _compare(g: Grammar, d: int, s: Scope) -> Node:
    kind = g.pick(ORDERED)
    return g.binary("bool", g.expression(kind, d, s), g.pick(RELATIONS), g.expression(kind, d, s))


@production("bool")
def _compare_numbers(g: Grammar, d: int, s: Scope) -> Node:
    left, right = g.rnd.sample(["int", "double", "uint"], 2)
    return g.binary("bool", g.expression(left, d, s), g.pick(RELATIONS), g.expression(right, d, s))


@production("bool")
def _equal_anything(g: Grammar, d: int, s: Scope) -> Node:
    kinds = ["list", "map", "null", "string", "int", "double", "type", "bytes"]
    return g.binary(
        "bool",
        g.expression(g.pick(kinds), d, s),
        g.pick(["==", "!="]),
        g.expression(g.pick(kinds), d, s),
    )


@production("bool")
def _in_list(g: Grammar, d: int, s: Scope) -> Node:
    return _in(g.expression(g.pick(SCALARS), d, s), g.expression("list", d, s))


@production("bool")
def _in_map(g: Grammar, d: int, s: Scope) -> Node:
    return _in(
        g.expression(g.pick(["string", "string", "int", "bool"]), d, s), g.expression("map", d, s)
    )


def _in(element: Node, container: Node) -> Node:
    return Node("bool", "(", element, " in ", container, ")", adapt=IN_MAP_FORM)


@production("bool")
def _has(g: Grammar, d: int, s: Scope) -> Node:
    links = [name for name, element in s if element == "link"]
    if links and g.rnd.random() < 0.5:
        return Node("bool", f"has({g.pick(links)}.{g.pick(['title', 'url'])})")
    return Node("bool", "has(", g.expression("map", d, s), f".{g.pick(SELECTORS)})")


@production("bool")
def _string_test(g: Grammar, d: int, s: Scope) -> Node:
    test = g.pick(["startsWith", "endsWith", "contains"])
    return g.method("bool", g.expression("string", d, s), test, g.expression("string", d, s))


@production("bool")
def _matches(g: Grammar, d: int, s: Scope) -> Node:
    pattern = (
        g.literal("string", g.pick(PATTERNS))
        if g.rnd.random() < 0.8
        else g.expression("string", d, s)
    )
    if g.rnd.random() < 0.2:
        return g.call("bool", "matches", g.expression("string", d, s), pattern)
    return g.method("bool", g.expression("string", d, s), "matches", pattern)


@production("bool")
def _quantifier(g: Grammar, d: int, s: Scope) -> Node:
    return g.macro("bool", g.pick(["all", "exists", "exists_one"]), d, s, ["bool"])


@production("bool")
def _type_test(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "bool",
        g.call("type", "type", g.expression(g.pick(WRONG), d, s)),
        "==",
        g.literal("type", g.pick(LITERALS["type"])),
    )


@production("bool")
def _bind_bool(g: Grammar, d: int, s: Scope) -> Node:
    return g.bind("bool", d, s)


@production("bool", "hasValue")
def _has_value(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("bool", g.expression("optional", d, s), "hasValue")


@production("bool", "orValue")
def _or_value_bool(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("bool", g.expression("optional", d, s), "orValue", g.expression("bool", d, s))


@production("bool", "math.isNaN", "math.isInf", "math.isFinite")
def _float_test(g: Grammar, d: int, s: Scope) -> Node:
    return g.call(
        "bool", g.pick(["math.isNaN", "math.isInf", "math.isFinite"]), g.expression("double", d, s)
    )


# ------------------------------------------------------------------ int


@production("int")
def _int_arithmetic(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "int",
        g.expression("int", d, s),
        g.pick(["+", "-", "*", "/", "%"]),
        g.expression("int", d, s),
    )


@production("int")
def _int_negate(g: Grammar, d: int, s: Scope) -> Node:
    return Node("int", "-(", g.expression("int", d, s), ")")


@production("int")
def _size(g: Grammar, d: int, s: Scope) -> Node:
    sized = g.expression(g.pick(["string", "list", "map", "bytes"]), d, s)
    return g.call("int", "size", sized) if g.rnd.random() < 0.6 else g.method("int", sized, "size")


@production("int")
def _to_int(g: Grammar, d: int, s: Scope) -> Node:
    value = g.expression(g.pick(["double", "string", "uint", "time", "int"]), d, s)
    return Node("int", "int(", value, ")", adapt=BOOL_TO_INT_FORM)


@production("int")
def _index_int(g: Grammar, d: int, s: Scope) -> Node:
    container = g.literal(
        "list", g.pick(["facts.ci.durations", "[1, 2, 0]", "facts.sonar.history"])
    )
    return Node("int", container, "[", g.expression("int", d, s), "]")


@production("int")
def _time_getter(g: Grammar, d: int, s: Scope) -> Node:
    moment = g.expression("time", d, s)
    if g.rnd.random() < 0.4:
        return g.method("int", moment, g.pick(GETTERS), g.literal("string", f'"{g.pick(ZONES)}"'))
    return g.method("int", moment, g.pick(GETTERS))


@production("int")
def _duration_getter(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("int", g.expression("duration", d, s), g.pick(DURATION_GETTERS))


@production("int")
def _bind_int(g: Grammar, d: int, s: Scope) -> Node:
    return g.bind("int", d, s)


@production("int", "indexOf", "lastIndexOf")
def _index_of(g: Grammar, d: int, s: Scope) -> Node:
    function = g.pick(["indexOf", "lastIndexOf"])
    text, part = g.expression("string", d, s), g.expression("string", d, s)
    if g.rnd.random() < 0.6:
        return g.method("int", text, function, part)
    return g.method("int", text, function, part, g.expression("int", d, s))


@production("int", "math.abs", "math.sign")
def _int_math(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("int", g.pick(["math.abs", "math.sign"]), g.expression("int", d, s))


@production("int", "math.greatest", "math.least")
def _extreme(g: Grammar, d: int, s: Scope) -> Node:
    function = g.pick(["math.greatest", "math.least"])
    args = [
        g.expression(g.pick(["int", "int", "double", "uint"]), d, s)
        for _ in range(g.rnd.randint(1, 3))
    ]
    if g.rnd.random() < 0.3:
        items: list[str | Node] = []
        for index, arg in enumerate(args):
            items += [", " if index else "", arg]
        return Node("int", f"{function}([", *items, "])")
    return g.call("int", function, *args)


@production(
    "int", *(f"math.bit{f}" for f in ("And", "Or", "Xor", "Not", "ShiftLeft", "ShiftRight"))
)
def _bits(g: Grammar, d: int, s: Scope) -> Node:
    kind = g.pick(["int", "int", "uint"])
    if g.rnd.random() < 0.2:
        return g.call("int", "math.bitNot", g.expression(kind, d, s))
    function = g.pick(["bitAnd", "bitOr", "bitXor", "bitShiftLeft", "bitShiftRight"])
    other = "int" if function.startswith("bitShift") else kind
    return g.call("int", f"math.{function}", g.expression(kind, d, s), g.expression(other, d, s))


@production("int", "orValue")
def _or_value_int(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("int", g.expression("optional", d, s), "orValue", g.expression("int", d, s))


# ------------------------------------------------------------------ uint and double


@production("uint")
def _uint_arithmetic(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "uint",
        g.expression("uint", d, s),
        g.pick(["+", "-", "*", "/", "%"]),
        g.expression("uint", d, s),
    )


@production("uint")
def _to_uint(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("uint", "uint", g.expression(g.pick(["int", "double", "string", "uint"]), d, s))


@production("double")
def _double_arithmetic(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "double",
        g.expression("double", d, s),
        g.pick(["+", "-", "*", "/"]),
        g.expression("double", d, s),
    )


@production("double")
def _double_negate(g: Grammar, d: int, s: Scope) -> Node:
    return Node("double", "-(", g.expression("double", d, s), ")")


@production("double")
def _to_double(g: Grammar, d: int, s: Scope) -> Node:
    return g.call(
        "double", "double", g.expression(g.pick(["int", "uint", "string", "double"]), d, s)
    )


@production("double", "math.ceil", "math.floor", "math.round", "math.trunc", "math.abs")
def _rounding(g: Grammar, d: int, s: Scope) -> Node:
    function = g.pick(["math.ceil", "math.floor", "math.round", "math.trunc", "math.abs"])
    return g.call("double", function, g.expression("double", d, s))


@production("double", "orValue")
def _or_value_double(g: Grammar, d: int, s: Scope) -> Node:
    return g.method(
        "double", g.expression("optional", d, s), "orValue", g.expression("double", d, s)
    )


# ------------------------------------------------------------------ string


@production("string")
def _concat(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary("string", g.expression("string", d, s), "+", g.expression("string", d, s))


@production("string")
def _to_string(g: Grammar, d: int, s: Scope) -> Node:
    kind = g.pick([*SCALARS, "time", "duration", "bytes", "double"])
    return Node("string", "string(", g.expression(kind, d, s), ")", adapt=STRING_FORM)


@production("string")
def _map_read(g: Grammar, d: int, s: Scope) -> Node:
    if g.rnd.random() < 0.5:
        return Node("string", g.expression("map", d, s), f"[{g.pick(list(MAP_KEYS))}]")
    return Node("string", g.expression("map", d, s), f".{g.pick(SELECTORS)}")


@production("string")
def _list_read(g: Grammar, d: int, s: Scope) -> Node:
    return Node("string", g.expression("list", d, s), "[", g.expression("int", d, s), "]")


@production("string")
def _bind_string(g: Grammar, d: int, s: Scope) -> Node:
    return g.bind("string", d, s)


@production("string", "lowerAscii", "upperAscii", "trim")
def _case(g: Grammar, d: int, s: Scope) -> Node:
    return g.method(
        "string", g.expression("string", d, s), g.pick(["lowerAscii", "upperAscii", "trim"])
    )


@production("string", "replace")
def _replace(g: Grammar, d: int, s: Scope) -> Node:
    args = [g.expression("string", d, s), g.expression("string", d, s)]
    if g.rnd.random() < 0.4:
        args.append(g.expression("int", d, s))
    return g.method("string", g.expression("string", d, s), "replace", *args)


@production("string", "substring")
def _substring(g: Grammar, d: int, s: Scope) -> Node:
    text, start = g.expression("string", d, s), g.expression("int", d, s)
    if g.rnd.random() < 0.5:
        return g.method("string", text, "substring", start)
    end = g.expression("int", d, s)
    return Node("string", text, ".substring(", start, ", ", end, ")", adapt=SUBSTRING_FORM)


@production("string", "charAt")
def _char_at(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("string", g.expression("string", d, s), "charAt", g.expression("int", d, s))


@production("string", "join")
def _join(g: Grammar, d: int, s: Scope) -> Node:
    separator = [g.expression("string", d, s)] if g.rnd.random() < 0.6 else []
    return g.method("string", g.expression("list", d, s), "join", *separator)


@production("string", "orValue")
def _or_value_string(g: Grammar, d: int, s: Scope) -> Node:
    return g.method(
        "string", g.expression("optional", d, s), "orValue", g.expression("string", d, s)
    )


# No reverse(): on a list it is the lists extension's, which cel-cpp's binding lacks.
@production("string", "strings.quote")
def _quote(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("string", "strings.quote", g.expression("string", d, s))


@production("string", "value")
@production("int", "value")
def _value(g: Grammar, d: int, s: Scope) -> Node:
    return g.method("dyn", g.expression("optional", d, s), "value")


@production("string", "base64.encode")
def _base64_encode(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("string", "base64.encode", g.expression("bytes", d, s))


# ------------------------------------------------------------------ bytes


@production("bytes")
def _to_bytes(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("bytes", "bytes", g.expression(g.pick(["string", "bytes"]), d, s))


@production("bytes")
def _bytes_concat(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary("bytes", g.expression("bytes", d, s), "+", g.expression("bytes", d, s))


@production("bytes", "base64.decode")
def _base64_decode(g: Grammar, d: int, s: Scope) -> Node:
    text = (
        g.literal(
            "string", g.pick(['"YWJj"', '"YWI="', '"YWI"', '"!"', '""', '"YWJj="', '"YW Jj"'])
        )
        if g.rnd.random() < 0.7
        else g.expression("string", d, s)
    )
    return Node("bytes", "base64.decode(", text, ")", adapt=BASE64_FORM)


# ------------------------------------------------------------------ list and map


@production("list")
def _list_literal(g: Grammar, d: int, s: Scope) -> Node:
    items: list[str | Node] = []
    for index in range(g.rnd.randint(0, 3)):
        items += [", " if index else "", g.expression(g.pick(SCALARS), d, s)]
    return Node("list", "[", *items, "]")


@production("list")
def _list_concat(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary("list", g.expression("list", d, s), "+", g.expression("list", d, s))


@production("list")
def _filter(g: Grammar, d: int, s: Scope) -> Node:
    return g.macro("list", "filter", d, s, ["bool"])


@production("list")
def _map_macro(g: Grammar, d: int, s: Scope) -> Node:
    transform = g.pick(["string", "int", "bool", "double"])
    bodies = ["bool", transform] if g.rnd.random() < 0.3 else [transform]
    return g.macro("list", "map", d, s, bodies)


@production("list", "split")
def _split(g: Grammar, d: int, s: Scope) -> Node:
    text, separator = g.expression("string", d, s), g.expression("string", d, s)
    if g.rnd.random() < 0.4:
        limit = g.expression("int", d, s)
        return Node("list", text, ".split(", separator, ", ", limit, ")", adapt=SPLIT_LIMIT_FORM)
    return Node("list", text, ".split(", separator, ")", adapt=SPLIT_FORM)


@production("list", "optional.of", "optional.none")
def _optional_elements(g: Grammar, d: int, s: Scope) -> Node:
    return Node(
        "list", "[", g.expression(g.pick(SCALARS), d, s), ", ?", g.expression("optional", d, s), "]"
    )


@production("map")
def _map_literal(g: Grammar, d: int, s: Scope) -> Node:
    chosen = {MAP_KEYS[key]: key for key in g.rnd.sample(list(MAP_KEYS), g.rnd.randint(0, 3))}
    keys = list(chosen.values())
    items: list[str | Node] = []
    for index, key in enumerate(keys):
        items += [", " if index else "", f"{key}: ", g.expression(g.pick(SCALARS), d, s)]
    return Node("map", "{", *items, "}")


@production("map")
def _map_select(g: Grammar, d: int, s: Scope) -> Node:
    return Node(
        "map",
        g.expression("map", d, s),
        f".{g.pick(['metadata', 'spec', 'annotations', 'github', 'inner', 'details'])}",
    )


@production("map", "optional.of", "optional.none")
def _optional_entries(g: Grammar, d: int, s: Scope) -> Node:
    return Node(
        "map",
        '{"a": ',
        g.expression(g.pick(SCALARS), d, s),
        f", ?{g.pick(ENTRY_KEYS)}: ",
        g.expression("optional", d, s),
        "}",
    )


# ------------------------------------------------------------------ timestamps and durations


@production("time")
def _parse_time(g: Grammar, d: int, s: Scope) -> Node:
    return Node("time", "timestamp(", g.expression("string", d, s), ")", adapt=TIMESTAMP_FORM)


@production("time")
def _time_shift(g: Grammar, d: int, s: Scope) -> Node:
    if g.rnd.random() < 0.2:
        return g.binary("time", g.expression("duration", d, s), "+", g.expression("time", d, s))
    return g.binary(
        "time", g.expression("time", d, s), g.pick(["+", "-"]), g.expression("duration", d, s)
    )


@production("time")
def _time_from_seconds(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("time", "timestamp", g.expression("int", d, s))


@production("duration")
def _elapsed(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary("duration", g.expression("time", d, s), "-", g.expression("time", d, s))


@production("duration")
def _duration_arithmetic(g: Grammar, d: int, s: Scope) -> Node:
    return g.binary(
        "duration",
        g.expression("duration", d, s),
        g.pick(["+", "-"]),
        g.expression("duration", d, s),
    )


@production("duration")
def _parse_duration(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("duration", "duration", g.expression("string", d, s))


# ------------------------------------------------------------------ type, null, optional


@production("type")
def _type_of(g: Grammar, d: int, s: Scope) -> Node:
    return g.call("type", "type", g.expression(g.pick(WRONG), d, s))


@production("optional")
def _optional_select(g: Grammar, d: int, s: Scope) -> Node:
    return Node(
        "optional", g.expression(g.pick(["map", "map", "optional"]), d, s), f".?{g.pick(SELECTORS)}"
    )


@production("optional")
def _optional_index(g: Grammar, d: int, s: Scope) -> Node:
    if g.rnd.random() < 0.5:
        container, index = g.expression("list", d, s), g.expression("int", d, s)
    else:
        container, index = g.expression("map", d, s), g.literal("dyn", g.pick(list(MAP_KEYS)))
    return Node("optional", container, "[?", index, "]", adapt=OPTIONAL_INDEX_FORM)


@production("optional", "optional.of", "optional.none", "optional.ofNonZeroValue")
def _optional_make(g: Grammar, d: int, s: Scope) -> Node:
    if g.rnd.random() < 0.2:
        return g.literal("optional", "optional.none()")
    function = g.pick(["optional.of", "optional.ofNonZeroValue"])
    return g.call("optional", function, g.expression(g.pick([*SCALARS, "list", "map"]), d, s))


@production("optional", "or")
def _optional_or(g: Grammar, d: int, s: Scope) -> Node:
    return g.method(
        "optional", g.expression("optional", d, s), "or", g.expression("optional", d, s)
    )


@production("optional", "optional.of", "optional.none")
def _optional_map(g: Grammar, d: int, s: Scope) -> Node:
    if len(s) >= MAX_SCOPE:
        return g.leaf("optional", s)
    name = g.variable(s)
    inner = (*s, (name, "any"))
    if g.rnd.random() < 0.3:
        return Node(
            "optional",
            g.expression("optional", d, s),
            f".optFlatMap({name}, ",
            # An optional, never a plain value (see FLAT_MAP_TO_VALUE in oracle.py).
            g.rnd.choice(g.productions["optional"])(g, d, inner),
            ")",
            adapt=optional_map(name, flat=True),
        )
    return Node(
        "optional",
        g.expression("optional", d, s),
        f".optMap({name}, ",
        g.expression(g.pick(SCALARS), d, inner),
        ")",
        adapt=optional_map(name, flat=False),
    )


# ------------------------------------------------------------------ comparing


@dataclass
class Disagreement:
    node: Node
    scenario: Scenario
    engine: Outcome
    oracle: Outcome

    def report(self) -> str:
        adapted = self.node.oracle_text
        given = f"cel-cpp got: {adapted}\n" if adapted != self.node.text else ""
        return (
            f"expression: {self.node.text}\n{given}{self.scenario.describe()}\n"
            f"engine:  {self.engine}\ncel-cpp: {self.oracle}"
        )


@dataclass
class Differ:
    """Evaluates expressions with both engines, and counts."""

    oracle: Oracle = field(default_factory=Oracle)
    cases: int = 0
    errors: int = 0
    unjudged: int = 0  # results the binding cannot hand over faithfully

    def compare(self, nodes: Sequence[Node], scenarios: Sequence[Scenario]) -> list[Disagreement]:
        """Every expression over every scenario: the disagreements."""
        ours = [s.activation() for s in scenarios]
        theirs = [self.oracle.activation(s.variables()) for s in scenarios]
        found = []
        for node in nodes:
            run = _compile(node.text)
            program = self.oracle.compile(node.oracle_text)
            for scenario, activation, oracle_activation in zip(
                scenarios, ours, theirs, strict=True
            ):
                engine = ERROR if run is None else evaluate_outcome(run, activation)
                try:
                    oracle = self.oracle.outcome(node.oracle_text, program, oracle_activation)
                except UnconvertibleError:
                    self.unjudged += 1
                    continue
                self.cases += 1
                self.errors += engine == ERROR
                if engine != oracle:
                    found.append(Disagreement(node, scenario, engine, oracle))
        return found

    def outcomes(self, node: Node, scenario: Scenario) -> tuple[Outcome, Outcome]:
        run = _compile(node.text)
        engine = ERROR if run is None else evaluate_outcome(run, scenario.activation())
        program = self.oracle.compile(node.oracle_text)
        activation = self.oracle.activation(scenario.variables())
        return engine, self.oracle.outcome(node.oracle_text, program, activation)

    def disagrees(self, node: Node, scenario: Scenario) -> bool:
        return self.symptom(node, scenario) is not None

    def symptom(self, node: Node, scenario: Scenario) -> tuple[str, str, str] | None:
        """How the two disagree, or None: the kinds of both outcomes and the engine's error
        message, so that reducing keeps to one disagreement rather than slide to another."""
        try:
            engine, oracle = self.outcomes(node, scenario)
        except UnconvertibleError:
            return None
        if engine == oracle:
            return None
        return engine[0], oracle[0], _message(node.text, scenario) if engine == ERROR else ""

    def minimal(self, disagreement: Disagreement) -> Disagreement:
        """The disagreement with a smaller expression and less data that still disagree
        in the same way."""
        scenario = disagreement.scenario
        symptom = self.symptom(disagreement.node, scenario)
        node = shrink(disagreement.node, lambda n: self.symptom(n, scenario) == symptom)
        data = shrink_data(scenario, lambda candidate: self.symptom(node, candidate) == symptom)
        try:
            return Disagreement(node, data, *self.outcomes(node, data))
        except UnconvertibleError:
            return disagreement


def _message(source: str, scenario: Scenario) -> str:
    """The engine's error, without what varies as an expression shrinks (numbers, quoted text,
    the sub-expression it names)."""
    try:
        compile_expression(source).evaluate(scenario.activation())
    except CelSyntaxError:
        return "syntax error"
    except CelEvaluationError as exc:
        head = str(exc).split(" (in ")[0]
        return re.sub(r"\d+", "#", re.sub(r"'[^']*'", "'...'", head))
    return ""


def _compile(source: str) -> Callable[[Activation], Any] | None:
    try:
        return compile_expression(source).evaluate
    except CelSyntaxError:
        return None


def explain(differ: Differ, found: Sequence[Disagreement], limit: int = 3) -> str:
    """The first few disagreements, reduced, for a failure message."""
    reports: dict[str, str] = {}
    for disagreement in found:
        if len(reports) >= limit:
            break
        reduced = differ.minimal(disagreement)
        reports.setdefault(
            reduced.node.text, f"{reduced.report()}\n(reduced from {disagreement.node.text})"
        )
    return f"{len(found)} disagreement(s) with cel-cpp; reduced:\n\n" + "\n\n".join(
        reports.values()
    )


# ------------------------------------------------------------------ shrinking


def shrink(node: Node, fails: Callable[[Node], bool], budget: int = 400) -> Node:
    """A smaller expression that still `fails`: sub-expressions in place of their parents,
    and the simplest literals of a kind in place of anything of that kind."""
    improved = True
    while improved and budget > 0:
        improved = False
        for target in list(node.walk()):
            for replacement in _smaller(target):
                candidate = node.replace(target, replacement)
                if len(candidate.text) >= len(node.text):
                    continue
                budget -= 1
                if fails(candidate):
                    node, improved = candidate, True
                    break
                if budget <= 0:
                    return node
            if improved:
                break
    return node


def _smaller(node: Node) -> Iterator[Node]:
    yield from sorted((n for n in node.walk() if n is not node), key=lambda n: len(n.text))
    for text in LITERALS.get(node.kind, [])[:2]:
        yield Node(node.kind, text)


def shrink_data(
    scenario: Scenario, fails: Callable[[Scenario], bool], budget: int = 300
) -> Scenario:
    """A scenario with as few map entries and list items as still `fails`."""
    improved = True
    while improved and budget > 0:
        improved = False
        for candidate in _lesser(scenario):
            budget -= 1
            if budget <= 0:
                break
            if fails(candidate):
                scenario, improved = candidate, True
                break
    return scenario


def _lesser(scenario: Scenario) -> Iterator[Scenario]:
    simple_now = datetime(2026, 1, 1, tzinfo=UTC)
    if scenario.now != simple_now:
        yield Scenario(scenario.entity, scenario.facts, simple_now)
    for entity in _without_one(scenario.entity):
        yield Scenario(entity, scenario.facts, scenario.now)
    for facts_ in _without_one(scenario.facts):
        yield Scenario(scenario.entity, facts_, scenario.now)


def _without_one(value: Any) -> Iterator[Any]:
    """Copies of `value` with one map entry or list item fewer, at any depth."""
    if isinstance(value, dict):
        for key in value:
            yield {k: v for k, v in value.items() if k != key}
        for key, inner in value.items():
            for smaller in _without_one(inner):
                yield {**value, key: smaller}
    elif isinstance(value, list):
        for index in range(len(value)):
            yield value[:index] + value[index + 1 :]
        for index, inner in enumerate(value):
            for smaller in _without_one(inner):
                yield [*value[:index], smaller, *value[index + 1 :]]


# ------------------------------------------------------------------ the tests


@dataclass(frozen=True)
class Mix:
    """How a run generates expressions: how deep, and how often a sub-expression has a
    type its context does not expect."""

    depth: int
    wrong: float

    def nodes(self, seed: int, count: int = 10) -> list[Node]:
        grammar = Grammar(Random(seed), wrong=self.wrong)
        return [grammar.top(self.depth) for _ in range(count)]


RULES: Final = Mix(depth=3, wrong=0.05)
DEEP: Final = Mix(depth=5, wrong=0.05)
ILL_TYPED: Final = Mix(depth=3, wrong=0.3)
MIXES: Final = (RULES, RULES, DEEP, ILL_TYPED)  # the bench's rotation

EXPRESSIONS_PER_EXAMPLE: Final = 10
SCENARIOS_PER_EXAMPLE: Final = 3
# 800 examples (the three tests below) x 10 expressions x 3 data sets: 24,000 cases.
PROFILE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # Differ.minimal() reduces better than Hypothesis
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DIFFER = Differ()

world = st.lists(scenarios, min_size=SCENARIOS_PER_EXAMPLE, max_size=SCENARIOS_PER_EXAMPLE)
seeds = st.integers(0, 2**64 - 1)


def check(mix: Mix, seed: int, scenarios: list[Scenario]) -> None:
    found = DIFFER.compare(mix.nodes(seed, EXPRESSIONS_PER_EXAMPLE), scenarios)
    assert not found, explain(DIFFER, found)


@settings(PROFILE, max_examples=400)
@given(seed=seeds, scenarios=world)
def test_generated_rules_evaluate_as_in_cel_cpp(seed: int, scenarios: list[Scenario]) -> None:
    check(RULES, seed, scenarios)


@settings(PROFILE, max_examples=200)
@given(seed=seeds, scenarios=world)
def test_deeper_expressions_evaluate_as_in_cel_cpp(seed: int, scenarios: list[Scenario]) -> None:
    check(DEEP, seed, scenarios)


@settings(PROFILE, max_examples=200)
@given(seed=seeds, scenarios=world)
def test_ill_typed_expressions_fail_where_cel_cpp_fails(
    seed: int, scenarios: list[Scenario]
) -> None:
    check(ILL_TYPED, seed, scenarios)


def test_every_function_family_is_generated() -> None:
    missing = {name: [f for f in names if f not in FUNCTIONS] for name, names in FAMILIES.items()}
    assert enabled_families() == frozenset(FAMILIES), {k: v for k, v in missing.items() if v}


def test_the_known_differences_are_never_generated() -> None:
    grammar = Grammar(Random(7))
    assert not any(avoided(grammar.top().text) for _ in range(500))


def test_each_known_difference_still_differs() -> None:
    differ = Differ()
    scenario = Scenario({}, {}, datetime(2026, 1, 1, tzinfo=UTC))
    for known in KNOWN_DIFFERENCES:
        assert differ.disagrees(Node("dyn", known.example), scenario), known.name


def test_shrink_keeps_the_smallest_expression_that_still_fails() -> None:
    inner = Node("int", "(", Node("int", "1"), " / ", Node("int", "0"), ")")
    node = Node(
        "bool",
        "(",
        Node("int", "(", inner, " + ", Node("int", "2"), ")"),
        " > ",
        Node("int", "3"),
        ")",
    )
    assert shrink(node, lambda n: "/ 0" in n.text).text == "(1 / 0)"


def test_shrink_data_drops_what_does_not_matter() -> None:
    scenario = Scenario(
        {"kind": "API", "metadata": {"name": "a", "tags": ["x", "y"]}},
        {},
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    reduced = shrink_data(scenario, lambda s: "y" in s.entity.get("metadata", {}).get("tags", []))
    assert reduced.entity == {"metadata": {"tags": ["y"]}}


# ------------------------------------------------------------------ the oracle itself


def oracle_value(source: str, **variables: Any) -> Outcome:
    oracle = Oracle()
    return oracle.outcome(source, oracle.compile(source), oracle.activation(variables))


def test_the_oracle_keeps_int_uint_and_double_apart() -> None:
    assert [oracle_value(t) for t in ("1", "1u", "1.0")] == [
        ("value", ("int", 1)),
        ("value", ("uint", 1)),
        ("value", ("double", "1.0")),
    ]


def test_the_oracle_reads_timestamps_and_durations_to_the_nanosecond() -> None:
    moment = oracle_value('timestamp("2020-01-01T00:00:00.000000001Z")')
    assert moment == ("value", ("timestamp", 1_577_836_800_000_000_001))
    assert oracle_value('duration("-25h1m1.000000001s")') == (
        "value",
        ("duration", -90_061_000_000_001),
    )


def test_the_oracle_unwraps_optional_results() -> None:
    assert oracle_value('{"a": [1u]}.?a') == ("value", ("optional", ("list", (("uint", 1),))))
    assert oracle_value("optional.none()") == ("value", ("optional", None))


def test_the_oracle_counts_syntax_and_evaluation_failures_as_errors() -> None:
    assert oracle_value("1 +") == ERROR
    assert oracle_value("1 / 0") == ERROR
    assert oracle_value("entity.missing", entity={}) == ERROR


def test_the_oracle_reads_now_as_a_timestamp() -> None:
    now = datetime(2026, 1, 31, 9, 0, 0, 123456, tzinfo=UTC)
    assert oracle_value("now", now=now) == ("value", ("timestamp", 1_769_850_000_123_456_000))


def test_nan_and_signed_zeros_have_one_canonical_form_each() -> None:
    assert canonical(float("nan")) == canonical(float("nan")) != canonical(0.0)
    assert canonical(-0.0) != canonical(0.0)
    assert oracle_value("0.0 / 0.0") == ("value", canonical(float("nan")))
