"""cel-spec's conformance suites (google/cel-spec tests/simple/testdata), as our values.

The data comes from the npm package @bufbuild/cel-spec, installed on first use by
spec/install.sh into a cache folder. Each case is an expression, optional variable
bindings, and the expected value or "an error"; values are cel.expr.Value in
protobuf's JSON form, converted here to scorecards.cel's values.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from scorecards.cel import syntax
from scorecards.cel.library.time import parse_duration, parse_timestamp
from scorecards.cel.parser import parse
from scorecards.cel.values import Uint, type_of

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "spec" / "install.sh"
EXCLUSIONS = HERE / "conformance_exclusions.txt"
# The suites without protobuf messages at their heart: the scope.
IN_SCOPE = (
    "basic",
    "comparisons",
    "conversions",
    "fields",
    "fp_math",
    "integer_math",
    "lists",
    "logic",
    "macros",
    "macros2",
    "parse",
    "plumbing",
    "string",
    "timestamps",
    "string_ext",
    "math_ext",
    "encoders_ext",
    "bindings_ext",
    "optionals",
)
_JSON_TYPES = (
    "google.protobuf.Value",
    "google.protobuf.Struct",
    "google.protobuf.ListValue",
)
_WRAPPERS: dict[str, Callable[[Any], Any]] = {
    "google.protobuf.BoolValue": bool,
    "google.protobuf.StringValue": str,
    "google.protobuf.BytesValue": lambda v: base64.b64decode(v),
    "google.protobuf.DoubleValue": float,
    "google.protobuf.FloatValue": float,
    "google.protobuf.Int64Value": int,
    "google.protobuf.Int32Value": int,
    "google.protobuf.UInt64Value": lambda v: Uint(int(v)),
    "google.protobuf.UInt32Value": lambda v: Uint(int(v)),
}


class NeedsProtobufError(Exception):
    """The case uses a protobuf message type (out of scope for scorecards)."""


@dataclass(frozen=True)
class Case:
    suite: str
    section: str
    name: str
    expression: str
    bindings: dict[str, Any] = field(default_factory=dict)
    declared: tuple[str, ...] = ()
    expect_error: bool = False
    expected: Any = None
    protobuf: str | None = None  # why the case needs protobuf messages, when it does

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.section}/{self.name}"


def missing_tools() -> list[str]:
    return [tool for tool in ("node", "npm") if shutil.which(tool) is None]


@cache
def data_file(timeout: float = 600.0) -> Path:
    process = subprocess.Popen(
        ["bash", str(INSTALL_SCRIPT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
        raise RuntimeError(f"{INSTALL_SCRIPT} took longer than {timeout:.0f}s") from None
    if process.returncode != 0:
        raise RuntimeError(f"{INSTALL_SCRIPT} failed ({process.returncode}):\n{stderr[-4000:]}")
    return Path(stdout.strip().splitlines()[-1])


def load_cases(path: Path) -> list[Case]:
    suites = json.loads(path.read_text())["suites"]
    return [case for suite in suites if suite["name"] in IN_SCOPE for case in _suite_cases(suite)]


def _suite_cases(suite: dict[str, Any]) -> Iterator[Case]:
    for section in suite.get("suites", []):
        for test in section.get("tests", []):
            yield _case(suite["name"], section["name"], test["original"])


def _case(suite: str, section: str, test: dict[str, Any]) -> Case:
    name = test.get("name") or test["expr"]
    base = {"suite": suite, "section": section, "name": name, "expression": test["expr"]}
    try:
        if "container" in test:
            raise NeedsProtobufError(f"resolves names in the protobuf package {test['container']}")
        if _constructs_message(test["expr"]):
            raise NeedsProtobufError("constructs a protobuf message")
        if False:
            raise NeedsProtobufError(f"resolves names in the protobuf package {test['container']}")
        bindings = {key: value_of(b["value"]) for key, b in test.get("bindings", {}).items()}
        declared = tuple(d["name"] for d in test.get("typeEnv", []))
        if any("messageType" in json.dumps(d) for d in test.get("typeEnv", [])):
            raise NeedsProtobufError("declares a variable of a protobuf message type")
        if "evalError" in test:
            return Case(**base, bindings=bindings, declared=declared, expect_error=True)
        return Case(
            **base,
            bindings=bindings,
            declared=declared,
            expected=value_of(test.get("value", {"boolValue": True})),
        )
    except NeedsProtobufError as exc:
        return Case(**base, protobuf=str(exc))


def _constructs_message(expression: str) -> bool:
    try:
        tree = parse(expression)
    except Exception:
        return False
    return any(isinstance(node, syntax.StructExpr) for node in tree.walk())


def value_of(value: dict[str, Any]) -> Any:
    """A cel.expr.Value (protobuf JSON) as a scorecards.cel value."""
    (kind, data), *_ = value.items()
    if kind == "nullValue":
        return None
    if kind == "boolValue":
        return bool(data)
    if kind == "int64Value":
        return int(data)
    if kind == "uint64Value":
        return Uint(int(data))
    if kind == "doubleValue":
        return _double(data)
    if kind == "stringValue":
        return data
    if kind == "bytesValue":
        return base64.b64decode(data)
    if kind == "listValue":
        return [value_of(v) for v in data.get("values", [])]
    if kind == "mapValue":
        return {value_of(e["key"]): value_of(e["value"]) for e in data.get("entries", [])}
    if kind == "typeValue":
        return ("type", data)
    if kind == "objectValue":
        return _object(data)
    raise NeedsProtobufError(f"expects a {kind}")


def _double(data: Any) -> float:
    if isinstance(data, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[data]
    return float(data)


def _object(data: dict[str, Any]) -> Any:
    kind = data["@type"].rsplit("/", 1)[-1]
    if kind == "google.protobuf.Duration":
        return parse_duration(data["value"])
    if kind == "google.protobuf.Timestamp":
        return parse_timestamp(data["value"])
    if kind in _WRAPPERS:
        return _WRAPPERS[kind](data["value"])
    if kind in _JSON_TYPES:
        return _json(data["value"])
    raise NeedsProtobufError(f"uses the protobuf message {kind}")


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # JSON numbers are doubles in CEL
    return value


def same(actual: Any, expected: Any) -> bool:
    """Equal values of the same CEL type (1 and 1.0 differ here; NaN equals NaN)."""
    if isinstance(expected, tuple) and expected[:1] == ("type",):
        return type(actual).__name__ == "CelType" and _type_name(actual.name) == _type_name(
            expected[1]
        )
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, float):
        return (math.isnan(actual) and math.isnan(expected)) or actual == expected
    if isinstance(expected, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(expected, dict):
        return len(actual) == len(expected) and all(
            any(same(k, k2) and same(v, v2) for k2, v2 in actual.items())
            for k, v in expected.items()
        )
    return bool(actual == expected) and type_of(actual) == type_of(expected)


def _type_name(name: str) -> str:
    return {"timestamp": "google.protobuf.Timestamp", "duration": "google.protobuf.Duration"}.get(
        name, name
    )


def read_exclusions() -> dict[str, str]:
    """suite/section/name -> why the case is left out (conformance_exclusions.txt)."""
    excluded: dict[str, str] = {}
    for line in EXCLUSIONS.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, reason = line.partition(" # ")
        excluded[key.strip()] = reason.strip()
    return excluded
