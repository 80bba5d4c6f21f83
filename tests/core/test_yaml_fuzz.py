"""Random and hostile YAML through the three readers of users' YAML (hypothesis): the
definitions loader, the catalog file reader and the fact file reader.

Whatever the text, a reader returns or raises its documented error (DefinitionsError,
CatalogError, FactsError): never another exception. Every example finishes within the
hypothesis deadline, and the Python memory it allocates at its peak (tracemalloc) stays
under MEMORY_BOUND, whatever the text expands to.
"""

from __future__ import annotations

import tempfile
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorecards.formats.yaml_limits import MAX_ALIAS_CHARS, MAX_DEPTH
from tests.core.yaml_inputs import (
    READ_ERRORS,
    READERS,
    alias_bomb,
    block_nesting,
    flow_nesting,
    placed,
)

MEMORY_BOUND = 64 * 1024**2  # bytes at the peak of one read; a bomb would take gigabytes
fuzzing = settings(
    max_examples=60,
    deadline=timedelta(seconds=10),  # generous: a read takes milliseconds, a bomb minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
reader_names = st.sampled_from(sorted(READERS))


def read_within_bounds(reader: str, text: str | bytes) -> None:
    """Read `text` as `reader`'s file; only its documented error may escape, and the
    memory it allocates at its peak stays under MEMORY_BOUND."""
    with tempfile.TemporaryDirectory(prefix="yaml-fuzz-") as folder:
        path = Path(folder)
        tracemalloc.start()
        try:
            if isinstance(text, bytes):
                (path / "raw.yaml").write_bytes(text)  # read as every reader reads *.yaml
                READERS[reader](path, "")
            else:
                READERS[reader](path, text)
        except READ_ERRORS:
            pass
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{reader} allocated {peak:,} bytes at its peak"


# Pieces of YAML syntax, so random sequences reach the parser's corners.
FRAGMENTS = [
    "\n",
    " ",
    "  ",
    "- ",
    ": ",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "&b ",
    "*a",
    "*b",
    "<<: ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!python/object:os.system ",
    "!custom ",
    ".nan",
    ".inf",
    "-.inf",
    "0x",
    "0o7",
    "1:2:3",
    "1_000",
    "1e+400",
    "99999999999999999999",
    "~",
    "null",
    "yes",
    "2026-13-45",
    '"\\ud800"',
    '"\\U0001F600"',
    "'",
    '"',
    "|",
    ">-",
    "#",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "\t",
    "\x00",
    "\ufeff",
    "checks:",
    "scorecards:",
    "sources:",
    "id: a",
    "rule: 'true'",
    "name: n",
    "tests:",
    "entity:",
    "facts:",
    "source: ci",
    "values:",
    "apiVersion: v1",
    "kind: Component",
    "metadata:",
    "annotations:",
    "labels:",
    "name: x",
    "spec:",
    "entity: component:default/x",
]
yaml_pieces = st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["", "yes", "on", "~", "1:20", "0x1F", "2026-11-25", "a: b", "- x"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
names = st.text(min_size=1, max_size=30) | json_scalars
entities = st.fixed_dictionaries(
    {"apiVersion": st.just("backstage.io/v1alpha1") | json_scalars, "kind": names},
    optional={
        "metadata": st.fixed_dictionaries(
            {"name": names},
            optional={
                "namespace": names,
                "annotations": json_values,
                "labels": json_values,
                "tags": json_values,
            },
        )
        | json_values,
        "spec": json_values,
    },
)
fact_files = st.fixed_dictionaries(
    {
        "source": names,
        "facts": st.lists(
            st.fixed_dictionaries(
                {"entity": names, "values": st.dictionaries(st.text(max_size=12), json_values)},
                optional={"timestamp": json_scalars},
            ),
            max_size=4,
        )
        | json_values,
    }
)


def dumped(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True)


hostile = st.one_of(
    st.integers(1, 12).map(alias_bomb),
    st.integers(MAX_DEPTH - 5, 3000).map(flow_nesting),
    st.integers(MAX_DEPTH - 5, 1500).map(block_nesting),
    st.integers(1, 50).map(lambda n: "".join(f"k: {i}\n" for i in range(n)) + "k: again\n"),
    st.integers(1, 11).map(
        lambda n: f"t: &t {'x' * (MAX_ALIAS_CHARS // 10)}\nc: [{'*t, ' * n}*t]\n"
    ),
    st.integers(0, 2_000_000).map(lambda n: f"big: {'y' * n}\n"),
    st.integers(1, 100_000).map(lambda n: "n: 1" + ":1" * n + "\n"),
    st.sampled_from(["x: &x [*x]\n", "x: &x {<<: *x}\n", "? [a]\n: b\n", "x: !!set {a}\n"]),
)


@fuzzing
@given(reader=reader_names, text=st.text(max_size=2000))
def test_random_text_gives_only_documented_errors(reader: str, text: str) -> None:
    read_within_bounds(reader, text)


@fuzzing
@given(reader=reader_names, text=st.binary(max_size=2000))
def test_random_bytes_give_only_documented_errors(reader: str, text: bytes) -> None:
    read_within_bounds(reader, text)


@fuzzing
@given(reader=reader_names, text=yaml_pieces)
def test_random_yaml_syntax_gives_only_documented_errors(reader: str, text: str) -> None:
    read_within_bounds(reader, text)


@fuzzing
@given(reader=reader_names, payload=hostile, where=st.booleans())
def test_hostile_yaml_is_refused_in_bounded_time_and_memory(
    reader: str, payload: str, where: bool
) -> None:
    read_within_bounds(reader, placed(reader, payload) if where else payload)


@fuzzing
@given(documents=st.lists(entities | json_values, min_size=1, max_size=4))
def test_generated_catalog_entities_give_only_documented_errors(documents: list[Any]) -> None:
    read_within_bounds("catalog", yaml.safe_dump_all(documents, allow_unicode=True))


@fuzzing
@given(document=fact_files | json_values)
def test_generated_fact_files_give_only_documented_errors(document: Any) -> None:
    read_within_bounds("facts", dumped(document))


@fuzzing
@given(entity=entities, facts=st.dictionaries(st.text(max_size=10), json_values, max_size=3))
def test_generated_inline_test_entities_give_only_documented_errors(
    entity: dict[str, Any], facts: dict[str, Any]
) -> None:
    test = {"name": "generated", "expect": "pass", "entity": entity, "facts": facts}
    check = {"id": "generated", "name": "Generated", "rule": "true", "tests": [test]}
    read_within_bounds("definitions", dumped({"checks": [check]}))
