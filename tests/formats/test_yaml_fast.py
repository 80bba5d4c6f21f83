"""The fast YAML path (scorecards/formats/yaml_fast.py) reads exactly what the located
loader reads, or declines: differentially over generated YAML (hypothesis), and one test
per reason to decline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings

from scorecards.formats.yaml_fast import load_plain_all
from scorecards.formats.yaml_limits import MAX_DEPTH
from scorecards.formats.yamlfile import LocatedDict, load_located_all
from tests.core.yaml_inputs import alias_bomb, block_nesting, flow_nesting
from tests.formats.yaml_documents import TRICKY_SCALARS, yaml_streams


def plain(value: Any) -> Any:
    if isinstance(value, LocatedDict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def located_or_none(text: str) -> list[Any] | None:
    """What the located loader reads, as plain data; None when it refuses the text."""
    try:
        return [plain(document) for document in load_located_all(text)]
    except yaml.YAMLError:
        return None


def strictly(value: Any) -> bytes:
    """`value` as JSON, so 1, 1.0 and True differ, and so do -0.0 and 0.0."""
    return orjson.dumps(value)


def assert_fast_path_exact(text: str) -> None:
    fast = load_plain_all(text)
    if fast is None:
        return
    expected = located_or_none(text)
    assert expected is not None, f"the fast path read what the located loader refuses: {text!r}"
    assert strictly(fast) == strictly(expected), f"{text!r}: {fast!r} != {expected!r}"


@settings(
    max_examples=1000,  # 3,000 per seed were run over several seeds while writing the fast path
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(yaml_streams())
@example("a: 1\n---\nb: 2\n")
@example("---\n- 1\n- 2\n")
@example("- a\n---\n")
def test_fast_path_reads_as_the_located_loader_or_declines(text: str) -> None:
    assert_fast_path_exact(text)


@pytest.mark.parametrize("scalar", TRICKY_SCALARS)
@pytest.mark.parametrize("template", ["a: {}\n", "- {}\n", "{} : x\n", "[{}]\n", "a: '{}'\n"])
def test_each_tricky_scalar_is_read_as_the_located_loader_reads_it(
    scalar: str, template: str
) -> None:
    assert_fast_path_exact(template.format(scalar))


def test_an_ordinary_catalog_is_read_by_the_fast_path() -> None:
    text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: a\n"
    assert (
        load_plain_all(text + "---\n" + text)
        == [{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "a"}}]
        * 2
    )


def test_dates_times_and_plain_numbers_do_not_decline() -> None:
    text = "day: 2026-01-05\nat: 09:30\nwhen: '2026-01-05T09:30:00Z'\nn: 7\nx: 0.5\nv: 1.2.3\n"
    assert load_plain_all(text) == located_or_none(text)


def test_one_document_that_is_a_list_is_not_taken_for_several() -> None:
    assert load_plain_all("---\n- 1\n- 2\n") == [[1, 2]]


def test_several_documents_are_each_a_document() -> None:
    assert load_plain_all("- 1\n---\n- 2\n---\n") == [[1], [2], None]


def test_an_empty_text_declines() -> None:
    assert load_plain_all("# nothing\n") is None


def test_a_syntax_error_declines() -> None:
    assert load_plain_all("a: b: c\n") is None


def test_a_duplicate_key_declines() -> None:
    assert load_plain_all("a: 1\na: 2\n") is None


@pytest.mark.parametrize(
    "text",
    ["a: !foo x\n", "a: !!str 1\n", "a: &x 1\nb: *x\n", "[?]\n", '"a":!x\n'],
    ids=["tag", "core-tag", "alias", "question-mark", "tag-after-quoted-key"],
)
def test_tags_anchors_and_aliases_decline(text: str) -> None:
    assert load_plain_all(text) is None


def test_an_ampersand_inside_text_does_not_decline() -> None:
    assert load_plain_all("title: Risk & Compliance\n") == [{"title": "Risk & Compliance"}]


@pytest.mark.parametrize(
    "text",
    ["%YAML 1.1\n---\na: 1\n", "a: 1\n...\n", "\ufeffa: 1\n", "a: x\x85y\n", "a: \x7f\n"],
    ids=["directive", "document-end", "bom", "next-line", "delete"],
)
def test_directives_markers_and_unusual_characters_decline(text: str) -> None:
    assert load_plain_all(text) is None


def test_a_lone_carriage_return_declines() -> None:
    assert load_plain_all("a: 1\rb: 2\n") is None


def test_windows_line_ends_are_read() -> None:
    assert load_plain_all("a: 1\r\nb: x\r\n") == [{"a": 1, "b": "x"}]


def test_an_escaped_surrogate_pair_declines() -> None:
    assert load_plain_all('a: "\\ud83d\\ude00"\n') is None


@pytest.mark.parametrize("value", ["yes", "No", "on", "OFF", "1:20", "190:20:30.15", "<<", "="])
@pytest.mark.parametrize("quote", ["", "'", '"'])
def test_text_yaml_1_1_reads_otherwise_declines_quoted_or_not(value: str, quote: str) -> None:
    assert load_plain_all(f"a: {quote}{value}{quote}\n") is None


@pytest.mark.parametrize("value", ["~", "null", "true", "1", "0x_1F", ".5"])
def test_quoted_text_that_would_not_be_text_unquoted_declines(value: str) -> None:
    assert load_plain_all(f"a: '{value}'\n") is None


def test_a_key_yaml_1_1_reads_otherwise_declines() -> None:
    assert load_plain_all("on: push\n") is None


def test_a_merge_key_declines() -> None:
    assert load_plain_all("<<: {a: 1}\nb: 2\n") is None


def test_a_key_that_is_not_text_declines() -> None:
    assert load_plain_all("1: a\n") is None


@pytest.mark.parametrize(
    "number",
    ["017", "09", "0o17", "0x1F", "0b101", "1_000", "_1", "+017", "-0x1F", '"a":017'],
)
def test_ints_written_other_than_plainly_decline(number: str) -> None:
    text = f"{{{number}}}\n" if number.startswith('"') else f"a: {number}\n"
    assert load_plain_all(text) is None


@pytest.mark.parametrize("number", ["1e3", "1.0e3", "1.0e+3", "-.5", "+.5", "._1", "1._"])
def test_floats_written_other_than_plainly_decline(number: str) -> None:
    assert load_plain_all(f"a: {number}\n") is None


@pytest.mark.parametrize("number", ["18446744073709551616", "-9223372036854775809"])
def test_ints_beyond_64_bits_decline(number: str) -> None:
    assert load_plain_all(f"a: {number}\n") is None


@pytest.mark.parametrize("number", [".inf", "-.Inf", ".nan", ".NaN"])
def test_non_finite_floats_decline(number: str) -> None:
    assert load_plain_all(f"a: {number}\n") is None


def test_the_deepest_nesting_allowed_is_read() -> None:
    text = flow_nesting(MAX_DEPTH)
    assert load_plain_all(text) == located_or_none(text)


def test_nesting_beyond_the_limit_declines() -> None:
    assert load_plain_all(flow_nesting(MAX_DEPTH + 1)) is None


@pytest.mark.parametrize("levels", [300, 5_000, 100_000])
def test_deep_flow_nesting_declines(levels: int) -> None:
    assert load_plain_all(flow_nesting(levels)) is None


def test_deep_block_nesting_declines() -> None:
    assert load_plain_all(block_nesting(900)) is None


def test_an_alias_bomb_declines() -> None:
    assert load_plain_all(alias_bomb(9)) is None
