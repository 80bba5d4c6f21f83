"""The one exception hierarchy of scorecards.

Every user-facing error says where (file:line, entity ref, check id), what (the
expression or value) and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScorecardsError(Exception):
    """Base class of every error scorecards raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definitions folder, located and explained."""

    file: str
    line: int
    kind: str  # check, scorecard, campaign, exemption, source, file
    id: str | None
    message: str
    expression: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        subject = f"{self.kind} '{self.id}'" if self.id else self.kind
        text = f"{self.file}:{self.line}: {subject}: {self.message}"
        if self.expression:
            text += "".join(f"\n    {line}" for line in self.expression.splitlines())
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class DefinitionsError(ScorecardsError):
    """A definitions folder has problems; nothing from it was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in definitions:\n{lines}")


class CelSyntaxError(ScorecardsError):
    """A CEL expression does not parse or exceeds the size limits."""

    def __init__(
        self, message: str, line: int = 1, column: int = 1, excerpt: str | None = None
    ) -> None:
        self.line = line
        self.column = column
        self.excerpt = excerpt
        super().__init__(message)


class CelEvaluationError(ScorecardsError):
    """A CEL expression raised while evaluating (missing key, wrong type, ...)."""


class CatalogError(ScorecardsError):
    """A catalog file or entity is malformed."""


class FactsError(ScorecardsError):
    """Pushed or collected facts are malformed."""


class StoreError(ScorecardsError):
    """The store cannot be opened or answered wrongly."""


class ConfigurationError(ScorecardsError):
    """A setting is missing or invalid."""
