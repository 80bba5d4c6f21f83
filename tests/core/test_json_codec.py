"""The fast JSON codec: `loads` reads stored text exactly as `json.loads` does, and
`canonical` gives equal values the same bytes whatever their key order."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scorecards.formats.json_codec import canonical, compact, loads

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**90)
    | st.floats()
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and an int never equal to a float."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and type(a) is type(b)


@given(VALUES)
def test_loads_reads_whatever_json_dumps_wrote_as_json_loads_does(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert same(loads(text), json.loads(text))


def test_integers_beyond_64_bits_stay_exact_integers() -> None:
    assert loads("[123456789012345678901234567890]") == [123456789012345678901234567890]


def test_nan_and_infinity_are_read_as_json_loads_reads_them() -> None:
    values = loads('{"a": NaN, "b": Infinity, "c": -Infinity}')
    assert values["a"] != values["a"]
    assert (values["b"], values["c"]) == (float("inf"), float("-inf"))


def test_invalid_text_is_a_value_error() -> None:
    try:
        loads("{not json")
    except ValueError:
        return
    raise AssertionError("loads accepted invalid JSON")


@given(st.dictionaries(st.text(), SCALARS, max_size=6))
def test_canonical_bytes_ignore_key_order(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical({"outer": value}) == canonical({"outer": reordered})


def test_canonical_bytes_differ_for_different_values() -> None:
    assert canonical({"a": 1}) != canonical({"a": 2})
    assert canonical({"a": 1}) != canonical({"a": "1"})


def test_canonical_writes_other_objects_and_huge_integers_too() -> None:
    assert json.loads(canonical({"day": date(2026, 11, 25)})) == {"day": "2026-11-25"}
    assert json.loads(canonical([2**80])) == [2**80]


FINITE = st.recursive(
    SCALARS.filter(lambda v: not isinstance(v, float))
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(FINITE)
def test_compact_text_reads_back_as_the_same_value(value: Any) -> None:
    assert same(loads(compact(value)), value)


def test_compact_keeps_key_order_and_writes_text_unescaped() -> None:
    assert compact({"b": 1, "a": "café"}) == '{"b":1,"a":"café"}'


def test_compact_text_of_a_lone_surrogate_is_storable_utf8_that_reads_back() -> None:
    text = compact({"description": "pay\ud800ments"})
    text.encode("utf-8")
    assert loads(text) == {"description": "pay\ud800ments"}
