"""Request bodies read as strict JSON (RFC 8259), every problem a 422 naming the field.

Python's `json` reads more than JSON: NaN, Infinity and -Infinity; numbers beyond
a double (1e400 becomes inf); lone surrogates from `\\ud800` escapes. Stored, such
values break every later read (JSON answers cannot carry them) and every reader
of the store, so they are refused here, where the field can still be named.
Integers must fit in 64 bits (CEL's int and uint) and nesting is bounded.

Hand-written over `json.loads` because no JSON library both refuses these values
and says which field held them (orjson refuses them, by character position).
"""

from __future__ import annotations

import json
import math
from typing import Any

import anyio.to_thread
from starlette.requests import Request

from scorecards.api.errors import ApiError, field_path

MAX_DEPTH = 64
MAX_PROBLEMS = 20
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
# Larger bodies are parsed in a worker thread: a 1 MiB body takes tens of milliseconds.
THREAD_ABOVE_BYTES = 64 * 1024


class _Refused:
    """What `json.loads` gives for NaN and Infinity here, to be reported with its path."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal


def parse_json_body(body: bytes) -> Any:
    """The JSON document `body`; ApiError 400 when it is not JSON, 422 naming each field
    whose value strict JSON does not allow."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(
            400,
            f"the request body is not UTF-8 (byte {exc.start} is invalid) — "
            "send a JSON document encoded as UTF-8",
        ) from None
    try:
        document = json.loads(text, parse_constant=_Refused)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            f"the request body is not valid JSON ({exc.msg}: line {exc.lineno} column "
            f"{exc.colno}) — send a JSON document with content-type application/json",
        ) from None
    except RecursionError:
        message = f"nested deeper than {MAX_DEPTH} levels — flatten it"
        raise _invalid([_problem(["body"], message)]) from None
    except ValueError:  # an integer of more than 4,300 digits
        message = BEYOND_64_BITS.format(number="an integer of thousands of digits")
        raise _invalid([_problem(["body"], message)]) from None
    problems: list[dict[str, str]] = []
    _check(document, ["body"], problems)
    if problems:
        raise _invalid(problems)
    return document


class StrictJSONRequest(Request):
    """A request whose `json()` is `parse_json_body` of its body (read once, then cached)."""

    _document: Any
    _is_parsed = False

    async def json(self) -> Any:
        if not self._is_parsed:
            body = await self.body()
            if len(body) > THREAD_ABOVE_BYTES:
                self._document = await anyio.to_thread.run_sync(parse_json_body, body)
            else:
                self._document = parse_json_body(body)
            self._is_parsed = True
        return self._document


def _check(container: Any, path: list[Any], problems: list[dict[str, str]]) -> None:
    """Append the problems of `container` (a dict or list at `path`) and of what it holds.

    Recursive: json.loads has bounded the depth, and it stops at MAX_DEPTH. Scalars are
    checked inline, as a body may hold hundreds of thousands of them."""
    if len(path) > MAX_DEPTH:
        problems.append(_problem(path, f"nested deeper than {MAX_DEPTH} levels — flatten it"))
        return
    if isinstance(container, dict):
        members: Any = container.items()
    elif isinstance(container, list):
        members = enumerate(container)
    else:
        members = ((None, container),)  # a document that is a single scalar
    for key, item in members:
        if len(problems) >= MAX_PROBLEMS:
            return
        if isinstance(key, str) and not key.isascii() and _has_lone_surrogate(key):
            problems.append(_problem([*path, _printable(key)], SURROGATE.format(what="the key")))
            continue
        where = path if key is None else [*path, key]
        kind = type(item)
        if kind is dict or kind is list:
            _check(item, where, problems)
        elif kind is str:
            if not item.isascii() and _has_lone_surrogate(item):
                problems.append(_problem(where, SURROGATE.format(what="the text")))
        elif kind is float:
            if not math.isfinite(item):
                problems.append(_problem(where, BEYOND_DOUBLE))
        elif kind is int:
            if not INT_MIN <= item <= INT_MAX:
                problems.append(_problem(where, BEYOND_64_BITS.format(number=_digits(item))))
        elif kind is _Refused:
            problems.append(_problem(where, NOT_A_NUMBER.format(literal=item.literal)))


NOT_A_NUMBER = "{literal} is not a JSON number — send a finite number, or null"
BEYOND_DOUBLE = "a number beyond the range of a double (e.g. 1e400) — send a finite number, or null"
BEYOND_64_BITS = "{number} does not fit in 64 bits — send it as a float or a string"
SURROGATE = (
    "{what} has a lone surrogate (\\ud800-\\udfff without its pair), which is not Unicode — "
    "send the character itself, or a valid surrogate pair"
)


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _digits(number: int) -> str:
    text = str(number)
    return text if len(text) <= 30 else f"an integer of {len(text)} digits"


def _printable(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _problem(path: list[Any], message: str) -> dict[str, str]:
    return {"field": field_path(path), "message": message, "type": "value_error"}


def _invalid(problems: list[dict[str, str]]) -> ApiError:
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return ApiError(422, f"the request is not valid: {summary}{more}", details=problems)
