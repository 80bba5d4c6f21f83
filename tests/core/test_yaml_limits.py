"""YAML that could exhaust or mislead is refused, with its line: alias bombs, nesting
beyond the limit, duplicate keys, values that are not JSON data (scorecards/yaml_limits.py
and scorecards/yamlfile.py).

Each limit holds for both loaders (libyaml and pure Python) and in each reader of
users' YAML: definitions, catalog files and fact files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scorecards.formats.yaml_limits import MAX_ALIAS_CHARS, MAX_DEPTH, RefusedYamlError
from scorecards.formats.yamlfile import LOADERS, load_located, load_located_all
from tests.core.yaml_inputs import (
    READERS,
    alias_bomb,
    block_nesting,
    flow_nesting,
    line_with,
    placed,
    read_error,
)

ALIAS_LIMIT = "YAML aliases here expand beyond the limit of 10,000 repeated nodes"
TOO_DEEP = f"YAML nests deeper than {MAX_DEPTH} levels"

loaders = pytest.mark.parametrize("loader", sorted(LOADERS))
readers = pytest.mark.parametrize("reader", sorted(READERS))


def load_with(loader: str, text: str) -> Any:
    return yaml.load(text, Loader=LOADERS[loader])


def refusal(loader: str, text: str) -> RefusedYamlError:
    with pytest.raises(RefusedYamlError) as caught:
        load_with(loader, text)
    return caught.value


def refused_line(loader: str, text: str) -> int:
    mark = refusal(loader, text).problem_mark
    assert mark is not None
    return int(mark.line) + 1


# H3: an alias bomb expands in whatever walks the data (validation, copies, JSON).


def test_an_alias_bomb_in_an_inline_test_entity_is_a_definitions_problem_at_its_line(
    tmp_path: Path,
) -> None:
    text = placed("definitions", alias_bomb(6))
    message = read_error("definitions", tmp_path, text)
    # l4 is the alias that takes the repeated nodes past 10,000 (9 + 90 + 819 + 7,380 + ...).
    assert f"a.yaml:{line_with(text, 'l4: &l4')}: file: {ALIAS_LIMIT}" in message


@readers
def test_an_alias_bomb_is_refused_by_every_reader(reader: str, tmp_path: Path) -> None:
    text = placed(reader, alias_bomb(6))
    message = read_error(reader, tmp_path, text)
    assert f":{line_with(text, 'l4: &l4')}: {ALIAS_LIMIT}" in message.replace("file: ", "")


@loaders
def test_each_loader_refuses_an_alias_bomb_at_the_alias_past_the_limit(loader: str) -> None:
    text = alias_bomb(9)  # 9 ** 9 strings: gigabytes once expanded
    assert refused_line(loader, text) == line_with(text, "l4: &l4")


@loaders
def test_each_loader_refuses_aliases_that_repeat_too_much_text(loader: str) -> None:
    big = "x" * (MAX_ALIAS_CHARS // 10)
    text = f"text: &t {big}\ncopies: [{', '.join(['*t'] * 11)}]\n"
    assert ALIAS_LIMIT in str(refusal(loader, text).problem)


@loaders
def test_each_loader_reads_aliases_within_the_limit(loader: str) -> None:
    text = "base: &base {owner: team-a, tier: 1}\n" + "".join(f"e{n}: *base\n" for n in range(1000))
    document = load_with(loader, text)
    assert document["e999"] == {"owner": "team-a", "tier": 1}


def test_aliases_are_counted_over_every_document_of_a_stream() -> None:
    # Each document alone repeats 8,289 nodes, within the limit; two together do not.
    document = alias_bomb(4)
    assert len(list(load_located_all(document))) == 1
    with pytest.raises(RefusedYamlError) as caught:
        load_located_all(document + "---\n" + document)
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line + 1 > document.count("\n") + 1  # the second one


@loaders
def test_each_loader_refuses_a_recursive_alias(loader: str) -> None:
    assert "recursive alias" in str(refusal(loader, "a: &a [1, *a]\n").problem)


@loaders
def test_each_loader_refuses_a_mapping_that_merges_itself(loader: str) -> None:
    assert "recursive alias" in str(refusal(loader, "a: &a {x: 1, <<: *a}\n").problem)


# L5: a duplicate key silently keeps the last value.


def test_a_second_rule_key_is_a_definitions_problem_naming_both_lines(tmp_path: Path) -> None:
    text = "checks:\n  - id: a\n    name: A\n    rule: 'true'\n    rule: 'false'\n"
    message = read_error("definitions", tmp_path, text)
    assert "a.yaml:5: file: duplicate key 'rule' (first at line 4)" in message


def test_two_top_level_checks_lists_are_a_definitions_problem(tmp_path: Path) -> None:
    check = "  - id: {0}\n    name: {0}\n    rule: 'true'\n"
    text = "checks:\n" + check.format("a") + "checks:\n" + check.format("b")
    message = read_error("definitions", tmp_path, text)
    assert "a.yaml:5: file: duplicate key 'checks' (first at line 1)" in message


@readers
def test_a_duplicate_key_is_refused_by_every_reader(reader: str, tmp_path: Path) -> None:
    text = placed(reader, "team: a\nteam: b\n")
    message = read_error(reader, tmp_path, text).replace("file: ", "")
    first = line_with(text, "team: a")
    assert f":{first + 1}: duplicate key 'team' (first at line {first})" in message


@loaders
def test_each_loader_refuses_keys_that_read_the_same(loader: str) -> None:
    assert refused_line(loader, "ids:\n  1: a\n  '1': b\n") == 3


@loaders
def test_each_loader_lets_an_own_key_override_a_merged_one(loader: str) -> None:
    document = load_with(loader, "base: &base {a: 1, b: 2}\nx:\n  <<: *base\n  b: 3\n")
    assert document["x"] == {"a": 1, "b": 3}


# L1: YAML nested 900-1,000 levels raised RecursionError (and what-if answered 500).


@readers
@pytest.mark.parametrize("nesting", [flow_nesting, block_nesting])
def test_yaml_nested_a_thousand_levels_is_refused_by_every_reader(
    reader: str, nesting: Any, tmp_path: Path
) -> None:
    message = read_error(reader, tmp_path, placed(reader, nesting(1000)))
    assert TOO_DEEP in message


@loaders
def test_each_loader_refuses_nesting_beyond_the_limit_at_its_line(loader: str) -> None:
    assert refused_line(loader, block_nesting(MAX_DEPTH + 1)) == MAX_DEPTH + 1


@pytest.mark.parametrize("levels", [1000, 5000])
def test_nesting_beyond_libyamls_own_limit_is_refused_where_it_passes_ours(levels: int) -> None:
    with pytest.raises(RefusedYamlError) as caught:
        load_located(block_nesting(levels))
    assert caught.value.problem == f"{TOO_DEEP} of mappings and lists"
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line + 1 == MAX_DEPTH + 1


@loaders
def test_each_loader_reads_nesting_up_to_the_limit(loader: str) -> None:
    document = load_with(loader, block_nesting(MAX_DEPTH))
    for _ in range(MAX_DEPTH - 1):
        document = document["k"]
    assert document == {"k": "v"}


@loaders
def test_each_loader_counts_the_nesting_an_alias_brings(loader: str) -> None:
    half = MAX_DEPTH // 2 + 1
    text = "a: &a " + "[" * half + "]" * half + "\nb: " + "[" * half + "*a" + "]" * half + "\n"
    assert refused_line(loader, text) == 2


# Values that are not JSON data would break the store, the API or CEL later.


@loaders
@pytest.mark.parametrize(
    "value",
    [
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!omap [{a: 1}]",
        ".nan",
        "-.inf",
        "1.0e+400",
        "18446744073709551616",
        "0x" + "f" * 5000,
        "1" + ":1" * 50_000,
        '"\\ud800"',
    ],
)
def test_each_loader_refuses_values_that_are_not_json_data(loader: str, value: str) -> None:
    # libyaml refuses a lone surrogate itself, as a syntax error; load_located then
    # reports it as the pure-Python loader refuses it.
    with pytest.raises(yaml.YAMLError) as caught:
        load_with(loader, f"a: 1\nvalue: {value}\n")
    mark = getattr(caught.value, "problem_mark", None)
    assert mark is not None
    assert mark.line == 1


@loaders
def test_each_loader_reads_64_bit_integers_and_dates_as_json(loader: str) -> None:
    text = "low: -9223372036854775808\nhigh: 18446744073709551615\nday: 2026-11-25\n"
    assert load_with(loader, text) == {
        "low": -(2**63),
        "high": 2**64 - 1,
        "day": "2026-11-25",
    }


def test_a_refusal_is_reported_with_its_line_and_a_hint() -> None:
    with pytest.raises(RefusedYamlError) as caught:
        load_located("a: 1\na: 2\n")
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == 1
    assert caught.value.hint.startswith("remove one of them")
