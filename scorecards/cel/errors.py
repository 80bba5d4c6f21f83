"""Evaluation errors, in CEL's own words.

An error is an outcome of evaluation, not a crash: `&&`, `||` and `?:` absorb
errors where CEL says so, and a check whose rule errs gets status `error` with
the message. Messages name types, keys and functions, never the values an entity
or a fact holds, so a stored result never carries data it should not.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE = 300


class CelError(Exception):
    """An evaluation error. `node` is the sub-expression it came from, once known."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.where: str | None = None

    def __str__(self) -> str:
        return self.message


class BudgetExceededError(Exception):
    """The evaluation went over its step, size or time budget.

    Not a CelError: `&&`, `||` and comprehensions do not absorb it, so an expensive
    operand cannot be hidden behind a cheap `|| true`.
    """


# Strings, bytes, lists and maps an expression builds have at most this many
# characters, bytes or elements: a rule cannot exhaust memory by doubling a value.
MAX_VALUE_SIZE = 1_000_000


def check_size(size: int) -> None:
    if size > MAX_VALUE_SIZE:
        raise BudgetExceededError(
            f"value too large: {size} characters or elements; the limit is {MAX_VALUE_SIZE:,}"
        )


def no_overload(function: str, *args: Any) -> CelError:
    from scorecards.cel.values import type_name

    kinds = ", ".join(type_name(a) for a in args)
    return CelError(f"found no matching overload for '{function}' applied to '({kinds})'")


def no_such_key(key: Any) -> CelError:
    return CelError(f"no such key: {_shown_key(key)}")


def _shown_key(key: Any) -> str:
    # Keys are names from the rule or the data's shape, never a fact's value; keep them short.
    text = repr(key) if type(key) is str else str(key)
    return text if len(text) <= 60 else text[:57] + "..."


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """A message on one line, at most `limit` characters."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
