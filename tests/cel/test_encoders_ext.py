"""CEL's encoders extension (cel-go's ext/encoders.go): base64.encode and base64.decode."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorecards.cel import Activation, compile_expression
from scorecards.errors import CelEvaluationError


def run(source: str, x: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": x}))


def test_encode_writes_padded_standard_base64() -> None:
    assert run("base64.encode(b'hello')") == "aGVsbG8="


def test_encode_uses_plus_and_slash() -> None:
    assert run("base64.encode(x)", b"\xfb\xff\xbf") == "+/+/"


def test_encode_of_no_bytes_is_the_empty_string() -> None:
    assert run("base64.encode(b'')") == ""


def test_encode_of_a_string_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"'base64.encode' applied to '\(string\)'"):
        run("base64.encode(x)", "hello")


def test_decode_reads_padded_base64_as_bytes() -> None:
    assert run("base64.decode('aGVsbG8=')") == b"hello"


def test_decode_reads_base64_without_padding() -> None:
    assert run("base64.decode('aGVsbA')") == b"hell"


def test_decode_skips_line_breaks_as_go_does() -> None:
    assert run("base64.decode(x)", "aGVs\r\nbG8=\n") == b"hello"


def test_decode_of_the_empty_string_is_no_bytes() -> None:
    assert run("base64.decode('')") == b""


@pytest.mark.parametrize(
    "text",
    [
        "aGVs bG8=",  # a space
        "aGVsbG8-",  # the URL-safe alphabet
        "a",  # ends in the middle of a byte
        "aGVsbA=",  # padding cut short
        "aGVsbG8=aGVsbG8=",  # data after the padding
    ],
)
def test_decode_of_invalid_base64_is_an_error(text: str) -> None:
    with pytest.raises(CelEvaluationError, match="invalid base64 data"):
        run("base64.decode(x)", text)


def test_decode_error_does_not_show_the_text() -> None:
    with pytest.raises(CelEvaluationError) as raised:
        run("base64.decode(x)", "secret!!")
    assert "secret" not in str(raised.value)


def test_decode_of_bytes_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"'base64.decode' applied to '\(bytes\)'"):
        run("base64.decode(x)", b"aGVsbG8=")


@given(st.binary(max_size=64))
def test_decode_reads_back_what_encode_wrote(data: bytes) -> None:
    assert run("base64.decode(base64.encode(x))", data) == data


@given(st.binary(max_size=64))
def test_decode_reads_what_python_encodes_without_padding(data: bytes) -> None:
    assert run("base64.decode(x)", base64.b64encode(data).decode().rstrip("=")) == data
