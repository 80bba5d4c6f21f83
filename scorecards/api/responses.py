"""Responses that always encode, whatever the store holds.

Requests with NaN, Infinity or lone surrogates are refused now (scorecards.api.
request_json), but older versions stored such values, and a read must not fail
on them: non-finite numbers are answered as null (as pydantic and JavaScript's
JSON.stringify do) and lone surrogates as U+FFFD. Valid content, nearly all of
it, takes the plain `json.dumps` path with no extra work.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi.responses import JSONResponse, Response


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return _dumps(content)
        except (ValueError, UnicodeEncodeError):  # NaN or Infinity; a lone surrogate
            return _dumps(printable(content))


class SafeTextResponse(Response):
    """Text (CSV, Markdown) with lone surrogates replaced, so encoding cannot fail."""

    def render(self, content: Any) -> bytes | memoryview:
        if isinstance(content, str):
            return replace_surrogates(content).encode(self.charset)
        return super().render(content)


def printable(value: Any) -> Any:
    """`value` with non-finite floats as None and lone surrogates (keys too) as U+FFFD."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return replace_surrogates(value)
    if isinstance(value, dict):
        return {printable(key): printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def replace_surrogates(text: str) -> str:
    if text.isascii():
        return text
    # Through UTF-16, paired surrogates become the character they encode and lone ones U+FFFD.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _dumps(content: Any) -> bytes:
    return json.dumps(
        content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
