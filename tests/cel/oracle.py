"""An independent CEL implementation to compare ours with: cel-cpp, through `cel-expr-python`.

    oracle = Oracle()
    source = 'entity.metadata.name.upperAscii()'
    activation = oracle.activation({"entity": ..., "facts": ..., "now": ...})
    oracle.outcome(source, oracle.compile(source), activation)  # ("value", ("string", ...))

Both engines' results are brought to one canonical form (`Outcome`) that keeps
exact CEL types: ("value", ("int", 1)) differs from ("value", ("uint", 1)) and
("value", ("double", "1.0")); doubles are compared by repr(), so NaN equals NaN
and -0.0 differs from 0.0; timestamps and durations are compared in nanoseconds.
Every error, at compile or at run time, is ("error", None): CEL fixes when an
expression errs, not the message.

What the binding can and cannot carry, found by trying it:
- A variable declared DYN cannot hold a datetime ("Non-CEL value type"), so `now`
  is declared TIMESTAMP (it is one). Python's datetime has microseconds only, and the
  binding refuses 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, though CEL has them.
- Python ints below 2**63 arrive as int, those from 2**63 to 2**64-1 as uint; so
  data can hold no small uint (JSON data holds none) and no int outside int64.
- Results: timestamps and durations come back as datetime/timedelta (microseconds),
  so they are read from the value's exact text instead. Optional values cannot be
  converted at all (their type reads as ERROR): a top-level optional is evaluated
  again through `hasValue()`/`value()`; a nested one raises `UnconvertibleError`.
- Map keys come back as plain Python keys: 1u reads as 1, so the canonical form of a
  map key drops the int/uint distinction; `true` and `1` collide, so a result map with
  a key 0, 1, false or true is counted again with size(), and UnconvertibleError says
  when the counts differ.

Where cel-cpp and cel-spec (or CEL's definition) disagree, KNOWN_DIFFERENCES says
who is right and how the differential tests keep clear of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any, Final

from cel_expr_python import cel
from cel_expr_python.ext import (
    ext_bindings,
    ext_encoders,
    ext_math,
    ext_optional,
    ext_strings,
)

from scorecards.cel.values import CelType, Duration, Optional, Timestamp, Uint
from scorecards.errors import CelEvaluationError

Canonical = tuple[Any, ...]
Outcome = tuple[str, Canonical | None]
ERROR: Final[Outcome] = ("error", None)
NANOS: Final = 1_000_000_000


class UnconvertibleError(Exception):
    """A cel-cpp result the binding cannot hand to Python (an optional inside a list)."""


# ------------------------------------------------------------------ known differences


@dataclass(frozen=True)
class KnownDifference:
    """Expressions on which cel-cpp is known to differ from CEL, and how the tests keep clear.

    `right` says which side CEL agrees with: cel-spec's conformance data first
    (`conformance` names the case), then its language definition, then cel-go,
    the reference for the extensions ("both" where CEL leaves it open). Each is
    handled in one of three ways, stated in `handling`: the generators never write
    what `avoid` (a regular expression) finds; or they give cel-cpp `oracle_form`
    in place of the construct, the same computation with the difference spelt out
    ({0}, {1} ... are the construct's sub-expressions as cel-cpp gets them, {name}
    its variable); or the grammar does not build the construct (said in `handling`).
    """

    name: str
    example: str  # an expression on which the two still differ (a test keeps this true)
    right: str
    why: str
    handling: str
    conformance: str = ""
    avoid: str = ""
    oracle_form: str = ""

    def avoids(self, expression: str) -> bool:
        return bool(self.avoid) and re.search(self.avoid, expression) is not None


SUB_NANOSECOND_DURATIONS: Final = KnownDifference(
    name="sub-nanosecond durations",
    example='duration("0.5ns") == duration("0s")',
    right="engine",
    why="cel-cpp keeps fractions of a nanosecond (absl::Duration counts quarter nanoseconds); "
    "CEL durations are whole nanoseconds (google.protobuf.Duration), as in cel-go",
    handling="avoided: no duration literal with a fraction of a nanosecond",
    avoid=r'duration\("[^"]*\.[0-9]*[1-9][0-9]*ns',
)
LAZY_BIND: Final = KnownDifference(
    name="an unused cel.bind value that fails",
    example="cel.bind(x, 1 / 0, true)",
    right="both",
    why="cel-cpp evaluates a binding only when it is used, the engine always; cel-go's "
    "README leaves it open ('Local bindings are not guaranteed to be evaluated before use')",
    handling="cel-cpp gets the value first, then the body with the variable written out "
    "(eager_bind)",
    oracle_form="[{0}, {1}][1], {name} in {1} replaced by ({0})",
)
BIND_AFTER_EARLY_EXIT: Final = KnownDifference(
    name="cel.bind, optMap() or optFlatMap() after a comprehension that stopped early",
    example='[["a", "b"].all(v, false), cel.bind(x, 7, x)][1] == 7',
    right="engine",
    why="a cel-cpp defect: once all() has met false (or exists() true) before the end of "
    "its list, a later bound variable reads that comprehension's last element ('b' here)",
    handling="cel-cpp never gets cel.bind, optMap() or optFlatMap(): binds are written out "
    "(LAZY_BIND), optMap() and optFlatMap() become a one-element map() (optional_map), and "
    "the other forms here share sub-expressions through map() too (shared)",
    oracle_form="[{0}].map(o, o.hasValue() ? optional.of({1}) : optional.none())[0], "
    "{name} in {1} replaced by o.value() (optFlatMap: without optional.of)",
)
IN_MAP_KEY_TYPE: Final = KnownDifference(
    name="`in` a map, with a value no map key can be",
    example='null in {"a": 1}',
    right="engine",
    why="cel-cpp errs on `x in m` when x is null, bytes, a list, a map, a timestamp ...; "
    "cel-go answers false (no key of that type is in the map), as the engine does. "
    "cel-spec covers only indexing with such a key (fields/map_fields/map_bad_key_type: "
    "an error on both sides)",
    handling="cel-cpp gets `false` for such a value, `x in m` for any other",
    oracle_form="(type({1}) == map && !(type({0}) in [string, int, uint, bool, double]) "
    "? false : {0} in {1})",
)
OPTIONAL_INDEX_NUMBER: Final = KnownDifference(
    name="optional index of a list with a uint or a whole double",
    example="[7][?0u] == optional.of(7) && [7][?0.0] == optional.of(7)",
    right="engine",
    why="CEL indexes lists with uints and whole doubles ([7][0u] and [7][0.0] are 7 in cel-go, "
    "cel-cpp and the engine); cel-go's `[?]` takes the same path and gives optional.of(7); "
    "cel-cpp errs",
    handling="cel-cpp gets such an index as an int when the operand is a list",
    oracle_form="{0}[?(type({0}) == list && type({1}) in [uint, double] && {1} == double(int({1})) "
    "? int({1}) : {1})]",
)
BASE64_WHITESPACE: Final = KnownDifference(
    name="base64.decode of text with spaces or tabs",
    example='base64.decode("YW Jj") == b"abc"',
    right="engine",
    why="cel-go decodes with Go's encoding/base64, which skips only \\r and \\n and "
    "rejects other whitespace; cel-cpp (absl::Base64Unescape) skips any whitespace",
    handling='cel-cpp gets an error (base64.decode("!")) for text with a space, tab, \\f or \\v',
    oracle_form='({0}.matches(r"[ \\t\\f\\v]") ? base64.decode("!") : base64.decode({0}))',
)
REPEATED_NUMERIC_KEYS: Final = KnownDifference(
    name="a map literal with numerically equal keys of different types",
    example="size({1: 1, 1u: 2}) == 2",
    right="engine",
    why="the keys are equal (CEL compares numbers across types), so the map repeats a key: "
    "an error; cel-cpp keeps both entries",
    conformance="fields/qualified_identifier_resolution/map_value_repeat_key_heterogeneous",
    handling="not built: a generated map literal has at most one key of each numeric value",
)
ABSENT_ENTRY_BAD_KEY: Final = KnownDifference(
    name="an absent optional map entry under a key of a type no map key can be",
    example='{"a": 1, ?2.0: optional.none()} == {"a": 1}',
    right="both",
    why="cel-go checks a key's type when it inserts the entry, so an absent optional entry "
    "is skipped without error, as in the engine; cel-cpp checks the key first and errs. "
    "CEL does not say",
    handling="not built: optional entries have keys of valid key types",
)
MAP_ITERATION_ORDER: Final = KnownDifference(
    name="the order of a list built by iterating a map",
    # 10! orders: cel-cpp hashes with a seed drawn per process, so the example
    # differs in all but one of 3,628,800 runs.
    example='{"j": 0, "i": 0, "h": 0, "g": 0, "f": 0, "e": 0, "d": 0, "c": 0, "b": 0, "a": 0}'
    '.map(k, k) == ["j", "i", "h", "g", "f", "e", "d", "c", "b", "a"]',
    right="both",
    why="CEL leaves the iteration order of a map unspecified: the engine keeps insertion "
    "order, cel-cpp its hash order, which changes from run to run",
    handling="not built: map() and filter() iterate lists only (list literals, list "
    "expressions, and data fields that never hold a map in the generated data)",
)
DURATION_TEXT: Final = KnownDifference(
    name="string() of a duration with a fraction of a second",
    example='string(duration("-1.5s")) == "-1.5s"',
    right="engine",
    why="the engine writes as few fractional digits as needed, like cel-go (-1.5s); cel-cpp "
    "writes 3, 6 or 9, like protobuf's JSON (-1.500s). cel-spec's only example, "
    "string(duration('1m1ms')) == '60.001s', fits both",
    conformance="timestamps/duration_conversions/toString_duration (whole seconds only)",
    handling="cel-cpp's text has its trailing zeros removed",
    oracle_form='(type({0}) == google.protobuf.Duration && string({0}).contains(".") '
    "? string({0})" + '.replace("0s", "s")' * 8 + " : string({0}))",
)
TIMESTAMP_TEXT: Final = KnownDifference(
    name="string() of a timestamp with a fraction of a second",
    example='string(timestamp("2026-01-31T09:00:00.5Z")) == "2026-01-31T09:00:00.5Z"',
    right="engine",
    why="as for durations: the engine writes as few fractional digits as needed, like cel-go "
    "(Go's RFC3339Nano); cel-cpp writes 3, 6 or 9 (.500Z)",
    conformance="timestamps/timestamp_conversions/toString_timestamp (whole seconds only)",
    handling="cel-cpp's text has its trailing zeros removed",
    oracle_form='(type({0}) == google.protobuf.Timestamp && string({0}).contains(".") '
    "? string({0})" + '.replace("0Z", "Z")' * 8 + " : string({0}))",
)
NONFINITE_TEXT: Final = KnownDifference(
    name="string() of NaN or an infinity",
    example='string(1.0 / 0.0) == "+Inf"',
    right="engine",
    why="cel-go writes NaN, +Inf and -Inf (Go's %g), as the engine does; cel-cpp writes the C "
    "library's nan, -nan, inf and -inf. cel-spec has no string() case for them",
    handling="cel-cpp gets cel-go's text for those values (the three string() forms are "
    "chained with `otherwise`)",
    oracle_form="(type({0}) == double && {0} * 0.0 != {0} * 0.0 "
    '? ({0} != {0} ? "NaN" : {0} > 0.0 ? "+Inf" : "-Inf") : string({0}))',
)
EMPTY_SPLIT: Final = KnownDifference(
    name="splitting the empty string at the empty string",
    example='"".split("") == []',
    right="engine",
    why='cel-go splits with Go\'s strings.Split/SplitN, which give [] for "" split at "" '
    '(with any limit), as the engine does; cel-cpp gives [""]',
    handling="cel-cpp gets [] for that case",
    oracle_form='({0} == "" && {1} == "" ? [] : {0}.split({1}))',
)
EMPTY_SPLIT_LIMIT: Final = KnownDifference(
    name="splitting the empty string at the empty string, with a limit",
    example='"".split("", 1) == []',
    right="engine",
    why="as for EMPTY_SPLIT",
    handling="cel-cpp gets [] for that case when the limit is an int",
    oracle_form='({0} == "" && {1} == "" && type({2}) == int ? [] : {0}.split({1}, {2}))',
)
HEX_TEXT_TO_DOUBLE: Final = KnownDifference(
    name="double() of hexadecimal text",
    example='double("0x1F") == 31.0',
    right="engine",
    why="cel-go parses with Go's strconv.ParseFloat, which rejects 0x1F (hexadecimal needs a "
    "p exponent), as the engine does; cel-cpp (absl::SimpleAtod) reads 31.0",
    handling="avoided: no string literal starts with 0x (data holds no such text)",
    avoid=r'"0[xX]',
)
LITERAL_BAD_PATTERN: Final = KnownDifference(
    name="a literal pattern RE2 rejects, in a call that is never evaluated",
    example='false ? "a".matches("[") : true',
    right="both",
    why="the engine checks literal patterns when it compiles (a syntax error, as cel-go does "
    "with OptOptimize); cel-cpp errs only if matches() runs. Every evaluated call errs on both",
    handling='avoided: invalid patterns are computed ("[" + ""), never literal',
    avoid=r'matches\([^()]*"\["\)',
)
BOOL_TO_INT: Final = KnownDifference(
    name="int() of a bool",
    example="int(true) == 1",
    right="engine",
    why="CEL has no int(bool) (langdef's int() takes int, uint, double, string, timestamp; "
    "cel-go errs); cel-cpp converts true to 1",
    handling='cel-cpp gets an error (int("bool")) for a bool',
    oracle_form='(type({0}) == bool ? int("bool") : int({0}))',
)
FLAT_MAP_TO_VALUE: Final = KnownDifference(
    name="optFlatMap() whose expression gives a plain value",
    example='optional.of("x").optFlatMap(v, v) == "x"',
    right="both",
    why="the expression must give an optional (CEL's checker rejects it otherwise); at run "
    "time cel-cpp, like cel-go's expansion, returns the plain value, the engine errs",
    handling="not built: optFlatMap()'s expression is always an optional-making construct",
)
SUBSTRING_TO_THE_END: Final = KnownDifference(
    name="substring(start, end) with end at the end of the string",
    example='"abc".substring(1, 3) == "bc"',
    right="engine",
    why="the end index is exclusive, so the string's length is a valid end (cel-go, and "
    "cel-spec's 'tacocat'.substring(7, 7) == ''); cel-cpp errs when end equals the length "
    "and start is below it",
    conformance="string_ext/substring/unicode_start_and_end_equal_value (the nearest case)",
    handling="cel-cpp gets substring(start) when end is an int equal to the length",
    oracle_form="(type({0}) == string && type({2}) == int && {2} == size({0}) "
    "? {0}.substring({1}) : {0}.substring({1}, {2}))",
)
LENIENT_TIMESTAMP_TEXT: Final = KnownDifference(
    name="timestamp() of text that is not RFC 3339",
    example='timestamp("26-01-31T09:00:00Z") < timestamp("1970-01-01T00:00:00Z")',
    right="engine",
    why="CEL reads timestamps as RFC 3339 (cel-go: Go's time.Parse(time.RFC3339, ...)), "
    "which needs a four-digit year, two-digit fields and seconds below 60; cel-cpp "
    "(absl::ParseTime) takes 26-01-31, 2026-1-31, 02026-..., :60, +0530 and ten fractional digits",
    conformance="timestamps/timestamp_range/from_string_under (0000-01-01, an error on both)",
    handling='cel-cpp gets an error (timestamp("")) for text of another shape',
    oracle_form="(type({0}) == string && !{0}.matches("
    r'r"^\d{{4}}-\d\d-\d\d[Tt]\d\d:\d\d:[0-5]\d(\.\d{{1,9}})?([Zz]|[+-]\d\d:\d\d)$"'  # {{ }}: format
    ') ? timestamp("") : timestamp({0}))',
)
REPEATED_KEY_RAISED: Final = KnownDifference(
    name="a map literal that repeats a key, where && or || could absorb the error",
    example='{"a": 1, ?"a": optional.of(2)} || true',
    right="engine",
    why="a repeated key is an evaluation error, which `|| true` absorbs (true); cel-cpp "
    "raises it out of the whole evaluation (ALREADY_EXISTS: duplicate key in map)",
    conformance="fields/qualified_identifier_resolution/map_value_repeat_key (the error itself)",
    handling="not built: a generated map literal never repeats a key, optional entries included",
)
KNOWN_DIFFERENCES: Final[tuple[KnownDifference, ...]] = (
    SUB_NANOSECOND_DURATIONS,
    LAZY_BIND,
    BIND_AFTER_EARLY_EXIT,
    IN_MAP_KEY_TYPE,
    OPTIONAL_INDEX_NUMBER,
    BASE64_WHITESPACE,
    REPEATED_NUMERIC_KEYS,
    ABSENT_ENTRY_BAD_KEY,
    MAP_ITERATION_ORDER,
    DURATION_TEXT,
    TIMESTAMP_TEXT,
    NONFINITE_TEXT,
    EMPTY_SPLIT,
    EMPTY_SPLIT_LIMIT,
    HEX_TEXT_TO_DOUBLE,
    LITERAL_BAD_PATTERN,
    BOOL_TO_INT,
    FLAT_MAP_TO_VALUE,
    SUBSTRING_TO_THE_END,
    LENIENT_TIMESTAMP_TEXT,
    REPEATED_KEY_RAISED,
)


def avoided(expression: str) -> bool:
    """Whether `expression` falls under a known difference the generators avoid."""
    return any(known.avoids(expression) for known in KNOWN_DIFFERENCES)


# How cel-cpp gets a construct: from its sub-expressions' texts (as cel-cpp gets them)
# and a variable name no sub-expression's form uses.
Form = Callable[[Sequence[str], str], str]


def shared(template: str) -> Form:
    """`template` ({0}, {1} ... its sub-expressions) with each sub-expression evaluated
    once, in a one-element map() (cel.bind would meet BIND_AFTER_EARLY_EXIT)."""

    def form(texts: Sequence[str], variable: str) -> str:
        if len(texts) == 1:
            return f"[{texts[0]}].map({variable}, {template.format(variable)})[0]"
        items = [f"{variable}[{index}]" for index in range(len(texts))]
        return f"[[{', '.join(texts)}]].map({variable}, {template.format(*items)})[0]"

    return form


def otherwise(first: str, then: str) -> str:
    """Two templates that adapt string({0}) as one: `then` in place of the last
    string({0}) of `first` (its branch for values it leaves alone)."""
    at = first.rindex("string({0})")
    return first[:at] + then + first[at + len("string({0})") :]


def written_out(name: str, value: str, body: str) -> str:
    """`body` with the variable `name` replaced by `value` (the generators' variable names
    occur nowhere else: not in string literals, nor as field names)."""
    return re.sub(rf"(?<![\w.]){re.escape(name)}\b", lambda _: value, body)


def eager_bind(name: str) -> Form:
    """cel.bind(name, value, body) as LAZY_BIND's oracle_form."""

    def form(texts: Sequence[str], variable: str) -> str:
        value, body = texts
        return f"[{value}, {written_out(name, f'({value})', body)}][1]"

    return form


def optional_map(name: str, flat: bool) -> Form:
    """opt.optMap(name, body) (or optFlatMap) as BIND_AFTER_EARLY_EXIT's oracle_form."""

    def form(texts: Sequence[str], variable: str) -> str:
        target, body = texts
        inner = written_out(name, f"{variable}.value()", body)
        present = inner if flat else f"optional.of({inner})"
        return f"[{target}].map({variable}, {variable}.hasValue() ? {present} : optional.none())[0]"

    return form


# ------------------------------------------------------------------ our engine's side


def evaluate_outcome(run: Callable[[Any], Any], variables: Any) -> Outcome:
    """The outcome of one evaluation; an internal error (a defect) is never just `error`."""
    try:
        return ("value", canonical(run(variables)))
    except CelEvaluationError as exc:
        if str(exc).startswith("internal error"):
            return ("crash", (str(exc),))
        return ERROR


def canonical(value: Any) -> Canonical:
    """Our engine's value in the canonical form."""
    kind = type(value)
    if value is None:
        return ("null",)
    if kind is bool:
        return ("bool", value)
    if kind is Uint:
        return ("uint", int(value))
    if kind is int:
        return ("int", value)
    if kind is float:
        return ("double", repr(value))
    if kind is str:
        return ("string", value)
    if kind is bytes:
        return ("bytes", value)
    if kind is Timestamp:
        return ("timestamp", value.nanos)
    if kind is Duration:
        return ("duration", value.nanos)
    if kind is CelType:
        return ("type", type_name(value.name))
    if kind is Optional:
        return ("optional", canonical(value.value) if value.present else None)
    if isinstance(value, list | tuple):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, Mapping):
        return _map(((_key(k), canonical(v)) for k, v in value.items()))
    raise TypeError(f"no canonical form for {kind.__name__}")


def _key(key: Any) -> Canonical:
    # The binding returns 1u as 1 (see the module's docstring).
    return ("int", int(key)) if type(key) is Uint else canonical(key)


def _map(items: Any) -> Canonical:
    return ("map", tuple(sorted(items, key=repr)))


_TYPE_NAMES: Final = {
    "google.protobuf.timestamp": "timestamp",
    "google.protobuf.duration": "duration",
    "null_type": "null",
    "optional_type": "optional",
}


def type_name(name: str) -> str:
    """One spelling for a type value's name on both sides: int, list, timestamp, optional ..."""
    base = name.split("<", 1)[0].split("(", 1)[0].strip().lower()
    return _TYPE_NAMES.get(base, base)


# ------------------------------------------------------------------ cel-cpp's side


class Oracle:
    """cel-cpp with the extensions scorecards offers, over `entity`, `facts` and `now`."""

    def __init__(self) -> None:
        extensions = [
            ext_strings.ExtStrings(),
            ext_math.ExtMath(),
            ext_optional.ExtOptional(),
            ext_encoders.ExtEncoders(),
            ext_bindings.ExtBindings(),
        ]
        variables = {"entity": cel.Type.DYN, "facts": cel.Type.DYN, "now": cel.Type.TIMESTAMP}
        self.env = cel.NewEnv(variables=variables, extensions=extensions)

    def compile(self, source: str) -> Any | None:
        """The program, or None when cel-cpp rejects the text (a syntax error)."""
        try:
            return self.env.compile(source, disable_check=True)
        except RuntimeError:
            return None

    def activation(self, variables: Mapping[str, Any]) -> Any:
        """Bindings converted once, for many evaluations."""
        return self.env.Activation(data={k: to_oracle(v) for k, v in variables.items()})

    def outcome(self, source: str, program: Any | None, activation: Any) -> Outcome:
        """The outcome of `program` (compiled from `source`); UnconvertibleError when the
        binding cannot hand the value over faithfully."""
        if program is None:
            return ERROR
        result = self._eval(program, activation)
        if result is None:
            return ERROR
        if result.type().name() != "ERROR":
            value = from_oracle(result)
            if value[0] == "map":
                self._check_keys(source, value, activation)
            return ("value", value)
        try:
            result.plain_value()
        except (RuntimeError, TypeError):  # not an error: an optional, which has no Python form
            return self._optional(source, activation)
        return ERROR

    @staticmethod
    def _eval(program: Any, activation: Any) -> Any | None:
        try:
            return program.eval(activation=activation)
        except RuntimeError:  # some errors are raised, not returned: "duplicate key in map"
            return None

    def _optional(self, source: str, activation: Any) -> Outcome:
        unwrap = f"cel.bind(opt__, ({source}), opt__.hasValue() ? [opt__.value()] : [])"
        result = self._eval(self.compile(unwrap), activation)
        if result is None or result.type().name() == "ERROR":
            raise UnconvertibleError(f"cannot unwrap the optional of {source}")
        present = from_oracle(result)[1]
        return ("value", ("optional", present[0] if present else None))

    def _check_keys(self, source: str, value: Canonical, activation: Any) -> None:
        # A Python dict holds `true` and `1` as one key (whichever came first): count the
        # entries in CEL too.
        if not any(key[0] in ("bool", "int") and key[1] in (0, 1) for key, _ in value[1]):
            return
        size = self._eval(self.compile(f"size({source})"), activation)
        if size is None or size.value() != len(value[1]):
            raise UnconvertibleError(f"a map whose keys collide in Python: {source}")


def to_oracle(value: Any) -> Any:
    """A variable's value (JSON data, a datetime or Timestamp) as the binding takes it
    (see the module's docstring)."""
    kind = type(value)
    if kind is Timestamp:
        if value.nanos % 1_000:
            raise ValueError("the binding takes timestamps at microsecond precision only")
        return value.to_datetime()
    if kind is datetime:
        return value.astimezone(UTC)
    if kind is Uint:
        if value < 2**63:
            raise ValueError("the binding turns a Python int below 2**63 into an int, not a uint")
        return int(value)
    if kind is int and not -(2**63) <= value < 2**63:
        raise ValueError("an int outside int64 would reach the binding as a uint or an error")
    if isinstance(value, Mapping):
        return {k: to_oracle(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_oracle(v) for v in value]
    return value


def from_oracle(value: Any) -> Canonical:
    """A cel-cpp value (or a list or map element) in the canonical form."""
    try:
        name = value.type().name()
        plain = value.value()
    except (RuntimeError, TypeError) as exc:
        raise UnconvertibleError(str(value)) from exc
    base = name.split("<", 1)[0]
    if base == "NULL":
        return ("null",)
    if base in ("BOOL", "INT", "STRING"):
        return (base.lower(), plain)
    if base == "UINT":
        return ("uint", plain)
    if base == "DOUBLE":
        return ("double", repr(float(plain)))
    if base == "BYTES":
        return ("bytes", bytes(plain))
    if base == "LIST":
        return ("list", tuple(from_oracle(v) for v in plain))
    if base == "MAP":
        return _map((_plain_key(k), from_oracle(v)) for k, v in plain.items())
    if base == "TIMESTAMP":
        return ("timestamp", parse_timestamp(str(value)))
    if base == "DURATION":
        return ("duration", parse_duration(str(value)))
    if base == "TYPE":
        return ("type", type_name(plain.name()))
    raise UnconvertibleError(f"a cel-cpp value of type {name}")


def _plain_key(key: Any) -> Canonical:
    if type(key) is bool:
        return ("bool", key)
    if type(key) is int:
        return ("int", key)
    if type(key) in (bytes, bytearray):
        return ("bytes", bytes(key))
    return ("string", key)


_RFC3339: Final = re.compile(r"(\d{1,4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z")
_ABSL_PART: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|ms|h|m|s)")
_UNIT: Final = {"h": 3600 * NANOS, "m": 60 * NANOS, "s": NANOS, "ms": 10**6, "us": 1000, "ns": 1}


def parse_timestamp(text: str) -> int:
    """Nanoseconds since the epoch of cel-cpp's text for a timestamp (RFC 3339 in UTC,
    though years before 1000 have fewer digits: 1-01-01T00:00:00Z)."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise UnconvertibleError(f"timestamp text {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7)
    moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NANOS + int((fraction or "0").ljust(9, "0"))


def parse_duration(text: str) -> int:
    """Nanoseconds of cel-cpp's text for a duration (absl's format: -25h1m1.5s, 1.5us, 0)."""
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text)
    if body == "0":
        return 0
    total, position = Fraction(0), 0
    for part in _ABSL_PART.finditer(body):
        if part.start() != position:
            break
        total += Fraction(part.group(1)) * _UNIT[part.group(2)]
        position = part.end()
    if position != len(body) or total.denominator != 1:
        raise UnconvertibleError(f"duration text {text!r}")
    return sign * int(total)
