"""The strings extension (cel-go's ext/strings.go), through the public API.

Indexes count Unicode code points; errors are evaluation errors that never
repeat the data they were given.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.cel import Activation, compile_expression
from scorecards.cel.library import FUNCTIONS
from scorecards.cel.values import Duration, Uint
from scorecards.errors import CelEvaluationError

SECRET = "s3cr3t-value"


def evaluate(source: str, x: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": x}))


def error(source: str, x: Any = None) -> str:
    with pytest.raises(CelEvaluationError) as raised:
        evaluate(source, x)
    return str(raised.value)


# ------------------------------------------------------------------ charAt


def test_char_at_returns_the_character_at_an_index() -> None:
    assert evaluate("x.charAt(3)", "tacocat") == "o"


def test_char_at_counts_code_points_not_bytes() -> None:
    assert evaluate("x.charAt(1)", "©😀T") == "😀"


def test_char_at_the_length_is_the_empty_string() -> None:
    assert evaluate("x.charAt(7)", "tacocat") == ""


def test_char_at_past_the_length_is_an_error() -> None:
    assert error("x.charAt(8)", "tacocat").startswith("index out of range: 8")


def test_char_at_a_negative_index_is_an_error() -> None:
    assert error("x.charAt(-1)", "tacocat").startswith("index out of range: -1")


# ------------------------------------------------------------------ indexOf


def test_index_of_finds_the_first_occurrence() -> None:
    assert evaluate("x.indexOf('at')", "tacocat at") == 5


def test_index_of_is_minus_one_when_absent() -> None:
    assert evaluate("x.indexOf('dog')", "tacocat") == -1


def test_index_of_the_empty_string_is_zero() -> None:
    assert evaluate("x.indexOf('')", "tacocat") == 0


def test_index_of_with_a_start_skips_earlier_matches() -> None:
    assert evaluate("x.indexOf('a', 2)", "tacocat") == 5


def test_index_of_counts_code_points() -> None:
    assert evaluate("x.indexOf('©', 3)", "ta©o©€T") == 4


def test_index_of_the_empty_string_from_a_start_is_the_start() -> None:
    assert evaluate("x.indexOf('', 3)", "tacocat") == 3


def test_index_of_from_the_end_finds_nothing() -> None:
    assert evaluate("x.indexOf('a', 7)", "tacocat") == -1


def test_index_of_from_past_the_end_is_an_error() -> None:
    # As the conformance data and cel-cpp say (cel-go answers -1 since v0.22).
    assert error("x.indexOf('a', 30)", "tacocat") == "index out of range: 30"
    assert error("x.indexOf('', 30)", "tacocat") == "index out of range: 30"


def test_index_of_from_a_negative_start_is_an_error() -> None:
    assert error("x.indexOf('a', -1)", "tacocat").startswith("index out of range: -1")


# ------------------------------------------------------------------ lastIndexOf


def test_last_index_of_finds_the_last_occurrence() -> None:
    assert evaluate("x.lastIndexOf('at')", "tacocat at") == 8


def test_last_index_of_is_minus_one_when_absent() -> None:
    assert evaluate("x.lastIndexOf('dog')", "tacocat") == -1


def test_last_index_of_the_empty_string_is_the_length() -> None:
    assert evaluate("x.lastIndexOf('')", "ta©o") == 4


def test_last_index_of_with_an_offset_ignores_later_matches() -> None:
    assert evaluate("x.lastIndexOf('ello', 6)", "hello wello") == 1


def test_last_index_of_matches_a_part_that_starts_at_the_offset() -> None:
    assert evaluate("x.lastIndexOf('nana', 7)", "bananananana") == 6


def test_last_index_of_counts_code_points() -> None:
    assert evaluate("x.lastIndexOf('©€', 4)", "ta©o©€T") == 4


def test_last_index_of_from_past_the_end_is_an_error() -> None:
    assert error("x.lastIndexOf('a', 30)", "tacocat") == "index out of range: 30"


def test_last_index_of_from_a_negative_offset_is_an_error() -> None:
    assert error("x.lastIndexOf('a', -1)", "tacocat").startswith("index out of range: -1")


# ------------------------------------------------------------------ lowerAscii, upperAscii


def test_lower_ascii_lowers_ascii_letters() -> None:
    assert evaluate("x.lowerAscii()", "TacoCat 42") == "tacocat 42"


def test_lower_ascii_leaves_other_letters_as_they_are() -> None:
    assert evaluate("x.lowerAscii()", "TacoCÆt Xii") == "tacocÆt xii"


def test_upper_ascii_uppers_ascii_letters() -> None:
    assert evaluate("x.upperAscii()", "tacoCat 42") == "TACOCAT 42"


def test_upper_ascii_leaves_other_letters_as_they_are() -> None:
    assert evaluate("x.upperAscii()", "tacoC€t é") == "TACOC€T é"


# ------------------------------------------------------------------ replace


def test_replace_replaces_every_occurrence() -> None:
    assert evaluate("x.replace('he', 'we')", "hello hello") == "wello wello"


def test_replace_with_a_limit_replaces_the_first_occurrences() -> None:
    assert evaluate("x.replace('he', 'we', 1)", "hello hello") == "wello hello"


def test_replace_with_a_zero_limit_changes_nothing() -> None:
    assert evaluate("x.replace('he', 'we', 0)", "hello hello") == "hello hello"


def test_replace_with_a_negative_limit_replaces_every_occurrence() -> None:
    assert evaluate("x.replace('he', 'we', -3)", "hello hello") == "wello wello"


def test_replace_of_the_empty_string_inserts_between_code_points() -> None:
    assert evaluate("x.replace('', '_')", "©€") == "_©_€_"


# ------------------------------------------------------------------ split


def test_split_cuts_at_each_separator() -> None:
    assert evaluate("x.split(' ')", "hello hello hello") == ["hello", "hello", "hello"]


def test_split_with_a_limit_keeps_the_rest_in_the_last_part() -> None:
    assert evaluate("x.split(' ', 2)", "hello hello hello") == ["hello", "hello hello"]


def test_split_with_a_zero_limit_is_empty() -> None:
    assert evaluate("x.split(' ', 0)", "hello hello") == []


def test_split_with_a_negative_limit_cuts_at_every_separator() -> None:
    assert evaluate("x.split('©', -1)", "o©o©o") == ["o", "o", "o"]


def test_split_at_the_empty_string_gives_the_code_points() -> None:
    assert evaluate("x.split('')", "a©€") == ["a", "©", "€"]


def test_split_at_the_empty_string_with_a_limit_keeps_the_rest_in_the_last_part() -> None:
    assert evaluate("x.split('', 2)", "a©€") == ["a", "©€"]


def test_split_of_the_empty_string_at_the_empty_string_is_empty() -> None:
    assert evaluate("x.split('')", "") == []


def test_split_of_the_empty_string_at_the_empty_string_with_a_limit_is_empty() -> None:
    assert evaluate("x.split('', 1)", "") == []


def test_split_of_the_empty_string_is_one_empty_part() -> None:
    assert evaluate("x.split(',')", "") == [""]


# ------------------------------------------------------------------ substring


def test_substring_from_a_start_runs_to_the_end() -> None:
    assert evaluate("x.substring(4)", "tacocat") == "cat"


def test_substring_between_a_start_and_an_end_excludes_the_end() -> None:
    assert evaluate("x.substring(0, 4)", "tacocat") == "taco"


def test_substring_counts_code_points() -> None:
    assert evaluate("x.substring(2, 6)", "ta©o©€T") == "©o©€"


def test_substring_of_an_empty_range_is_empty() -> None:
    assert evaluate("x.substring(7, 7)", "ta©o©€T") == ""


def test_substring_with_the_end_before_the_start_is_an_error() -> None:
    assert error("x.substring(4, 3)", "tacocat").startswith(
        "invalid substring range. start: 4, end: 3"
    )


def test_substring_from_past_the_end_is_an_error() -> None:
    assert error("x.substring(8)", "tacocat").startswith("index out of range: 8")


def test_substring_from_a_negative_start_is_an_error() -> None:
    assert error("x.substring(-1)", "tacocat").startswith("index out of range: -1")


def test_substring_to_past_the_end_is_an_error() -> None:
    assert error("x.substring(1, 50)", "tacocat").startswith("index out of range: 50")


# ------------------------------------------------------------------ trim


def test_trim_removes_leading_and_trailing_ascii_whitespace() -> None:
    assert evaluate("x.trim()", " \f\n\r\t\vtext  ") == "text"


def test_trim_removes_unicode_spaces() -> None:
    assert evaluate("x.trim()", "\u0085\u00a0\u1680text\u2000\u2028\u202f\u3000") == "text"


def test_trim_keeps_zero_width_spaces() -> None:
    text = "\u180etext\u200b\u200c\u200d\u2060\ufeff"
    assert evaluate("x.trim()", text) == text


def test_trim_keeps_the_ascii_separator_controls_as_go_does() -> None:
    assert evaluate("x.trim()", "\x1ctext\x1f") == "\x1ctext\x1f"


def test_trim_keeps_inner_whitespace() -> None:
    assert evaluate("x.trim()", "  two words ") == "two words"


# ------------------------------------------------------------------ join


def test_join_without_a_separator_concatenates() -> None:
    assert evaluate("x.join()", ["x", "y"]) == "xy"


def test_join_puts_the_separator_between_elements() -> None:
    assert evaluate("x.join('-')", ["x", "y", "z"]) == "x-y-z"


def test_join_of_an_empty_list_is_the_empty_string() -> None:
    assert evaluate("x.join('-')", []) == ""


def test_join_of_a_list_with_a_non_string_is_an_error_naming_the_type() -> None:
    message = error("x.join(',')", [SECRET, 3])
    assert "got int" in message
    assert SECRET not in message


# ------------------------------------------------------------------ reverse


def test_reverse_reverses_the_code_points_of_a_string() -> None:
    assert evaluate("x.reverse()", "ta©€") == "€©at"


def test_reverse_of_a_list_is_still_the_lists_extension_reverse() -> None:
    assert evaluate("x.reverse()", [1, "two", 3.0]) == [3.0, "two", 1]


# ------------------------------------------------------------------ strings.quote


def test_quote_wraps_in_double_quotes_and_escapes_quotes_and_backslashes() -> None:
    assert evaluate("strings.quote(x)", 'say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'


def test_quote_escapes_control_characters() -> None:
    assert evaluate("strings.quote(x)", "\a\b\f\n\r\t\v") == '"\\a\\b\\f\\n\\r\\t\\v"'


def test_quote_keeps_printable_unicode() -> None:
    assert evaluate("strings.quote(x)", "завтра 😀") == '"завтра 😀"'


def test_quote_replaces_a_lone_surrogate_with_the_replacement_character() -> None:
    assert evaluate("strings.quote(x)", "a\ud800b") == '"a\ufffdb"'


# ------------------------------------------------------------------ format: clauses


def test_format_s_substitutes_a_string() -> None:
    assert evaluate("'str is %s and more'.format([x])", "filler") == "str is filler and more"


def test_format_a_double_percent_is_a_percent_sign() -> None:
    assert evaluate("'%%%s%%'.format([x])", "text") == "%text%"


def test_format_takes_its_template_from_data() -> None:
    assert evaluate("x.format([1, 'A'])", "%d-%s") == "1-A"


def test_format_ignores_arguments_beyond_the_clauses() -> None:
    assert evaluate("'%s'.format([1, 2])") == "1"


def test_format_d_writes_ints_and_uints() -> None:
    assert evaluate("'%d %d'.format([-12, x])", Uint(64)) == "-12 64"


def test_format_d_writes_a_double_in_its_shortest_form() -> None:
    assert evaluate("'%d'.format([x])", 3.14) == "3.14"


def test_format_f_has_six_decimals_by_default() -> None:
    assert evaluate("'%f'.format([x])", 2.71828) == "2.718280"


def test_format_f_takes_a_precision() -> None:
    assert evaluate("'%.3f'.format([x])", 1.2345) == "1.234"


def test_format_f_rounds_halfway_to_even() -> None:
    assert evaluate("'%.0f %.0f'.format([1.5, 2.5])") == "2 2"


def test_format_f_accepts_ints() -> None:
    assert evaluate("'%.1f'.format([x])", 3) == "3.0"


def test_format_e_writes_scientific_notation() -> None:
    assert evaluate("'%.6e'.format([x])", 1052.032911275) == "1.052033e+03"


def test_format_numeric_clauses_write_nan_and_infinities_by_name() -> None:
    nan, inf = float("nan"), float("inf")
    assert evaluate("'%d %f %e'.format(x)", [nan, inf, -inf]) == "NaN Infinity -Infinity"


def test_format_b_writes_binary() -> None:
    assert evaluate("'%b %b'.format([x, -5])", 5) == "101 -101"


def test_format_b_writes_a_bool_as_one_bit() -> None:
    assert evaluate("'%b%b'.format([true, false])") == "10"


def test_format_o_writes_octal() -> None:
    assert evaluate("'%o'.format([x])", Uint(65535)) == "177777"


def test_format_x_writes_lowercase_hexadecimal() -> None:
    assert evaluate("'%x'.format([x])", 30) == "1e"


def test_format_upper_x_writes_uppercase_hexadecimal() -> None:
    assert evaluate("'%X'.format([x])", 30) == "1E"


def test_format_x_writes_each_utf8_byte_of_a_string() -> None:
    assert evaluate("'%x'.format([x])", "é!") == "c3a921"


def test_format_x_writes_each_byte_of_bytes() -> None:
    assert evaluate("'%X'.format([b'byte'])") == "62797465"


# ------------------------------------------------------------------ format: %s of each type


def test_format_s_writes_a_double_without_an_exponent() -> None:
    assert evaluate("'%s %s'.format(x)", [1e20, 1e-7]) == "100000000000000000000 0.0000001"


def test_format_s_writes_a_whole_double_without_a_fraction() -> None:
    assert evaluate("'%s'.format([x])", 56.0) == "56"


def test_format_s_writes_null_bools_and_types() -> None:
    assert evaluate("'%s %s %s'.format([null, true, type(x)])", "a") == "null true string"


def test_format_s_writes_a_list_element_by_element() -> None:
    assert evaluate("'%s'.format([x])", ["abc", 3.14, None, [9, 8]]) == "[abc, 3.14, null, [9, 8]]"


def test_format_s_writes_a_map_sorted_by_its_formatted_keys() -> None:
    assert evaluate("'%s'.format([x])", {"b": True, "a": [1]}) == "{a: [1], b: true}"


def test_format_s_writes_bytes_as_text() -> None:
    assert evaluate("'%s'.format([b'xyz'])") == "xyz"


def test_format_s_replaces_each_run_of_invalid_utf8_with_one_replacement_character() -> None:
    assert evaluate("'%s'.format([x])", b"\xff\xfeab\xff") == "\ufffdab\ufffd"


def test_format_s_writes_a_duration_in_seconds() -> None:
    assert evaluate("'%s %s'.format([duration('1h45m47s'), x])", Duration(-1)) == (
        "6347s -0.000000001s"
    )


def test_format_s_writes_a_timestamp_in_rfc_3339_utc() -> None:
    assert evaluate("'%s'.format([timestamp('2023-02-03T23:31:20.5+01:00')])") == (
        "2023-02-03T22:31:20.5Z"
    )


def test_format_s_of_an_optional_is_an_error() -> None:
    assert "was given optional" in error("'%s'.format([optional.of(1)])")


# ------------------------------------------------------------------ format: errors


def test_format_an_unrecognized_clause_is_an_error() -> None:
    assert "unrecognized formatting clause at index 3" in error("'ab %a'.format([1])")


def test_format_more_clauses_than_arguments_is_an_error() -> None:
    assert error("'%d %d %d'.format([0, 1])").startswith("index 2 out of range")


def test_format_a_percent_sign_at_the_end_is_an_error() -> None:
    assert "unexpected end of format string" in error("'100%'.format([1])")


def test_format_a_precision_over_100_is_an_error() -> None:
    assert "precision 101 exceeds maximum allowed precision 100" in error("'%.101f'.format([1.0])")


def test_format_a_precision_without_digits_is_an_error() -> None:
    assert "could not parse formatting clause" in error("'%.f'.format([1.0])")


@pytest.mark.parametrize(
    ("clause", "wrong"),
    [
        ("d", "string"),
        ("f", "string"),
        ("e", "bool"),
        ("b", "string"),
        ("o", "bytes"),
        ("x", "double"),
    ],
)
def test_format_a_clause_given_the_wrong_type_is_an_error(clause: str, wrong: str) -> None:
    values = {"string": "'x'", "bool": "true", "bytes": "b'x'", "double": "0.5"}
    message = error(f"'%{clause}'.format([{values[wrong]}])")
    assert message.startswith("error during formatting:")
    assert message.endswith(f"was given {wrong}")


def test_format_a_clause_error_names_the_type_not_the_value() -> None:
    message = error("'%d'.format([x])", SECRET)
    assert "was given string" in message
    assert SECRET not in message


def test_format_null_is_an_error_for_numeric_clauses() -> None:
    assert "was given null" in error("'%x'.format([null])")


# ------------------------------------------------------------------ types and the fast path


def test_a_string_function_on_a_non_string_is_no_matching_overload() -> None:
    assert (
        error("x.charAt(0)", 42)
        == "found no matching overload for 'charAt' applied to '(int, int)'"
    )


def test_a_string_function_with_a_wrong_argument_is_no_matching_overload() -> None:
    message = error("'hello'.indexOf(x, 0)", True)
    assert message == "found no matching overload for 'indexOf' applied to '(string, bool, int)'"


def test_an_optional_argument_passed_as_null_is_not_taken_as_left_out() -> None:
    assert "'(string, string, null)'" in error("'abc'.split(',', x)", None)


CALLS = {
    "charAt": "x.charAt(0)",
    "indexOf": "x.indexOf('a', 0)",
    "lastIndexOf": "x.lastIndexOf('a')",
    "lowerAscii": "x.lowerAscii()",
    "upperAscii": "x.upperAscii()",
    "replace": "x.replace('a', 'b', 1)",
    "split": "x.split(',')",
    "substring": "x.substring(0, 1)",
    "trim": "x.trim()",
    "reverse": "x.reverse()",
    "join": "[x].join(',')",
    "format": "x.format([])",
    "strings.quote": "strings.quote(x)",
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_function_compiles_to_a_direct_call_of_its_implementation(name: str) -> None:
    expression = compile_expression(CALLS[name], ["x"])
    assert FUNCTIONS[name].implementation in expression.program.__globals__.values()
    assert "unsupported_call" not in expression.python_source
    assert isinstance(expression.evaluate(Activation({"x": "abc"})), str | int | list)
