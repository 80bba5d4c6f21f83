"""`${VAR}` references in source headers, resolved from the environment only.

A header such as `Authorization: "Bearer ${SONAR_TOKEN}"` keeps the secret out of
the definitions folder. References are checked when definitions are validated and
expanded when a source collects; `$${` writes a literal `${`. Which variables a
source may use, and where they may go, is source_secrets.py's concern. Pure: the
environment is passed in, never read here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class VariableProblem:
    """Something wrong with one header's `${VAR}` references."""

    header: str
    message: str
    hint: str


def referenced_variables(text: str) -> list[str]:
    """The variable names `text` refers to, in order, without repeats (malformed ones skipped)."""
    names: list[str] = []
    for match in _REFERENCE.finditer(text):
        name = match.group(1)
        if name is not None and VARIABLE_NAME.match(name) and name not in names:
            names.append(name)
    return names


def header_problems(
    headers: Mapping[str, str], environ: Mapping[str, str] | None
) -> Iterator[VariableProblem]:
    """Malformed references, and (when `environ` is given) variables unset or empty in it."""
    yield from malformed_references(headers)
    if environ is not None:
        yield from unset_variables(headers, environ)


def malformed_references(headers: Mapping[str, str]) -> Iterator[VariableProblem]:
    """`${...}`s that do not name a variable."""
    for header, text in headers.items():
        for match in _REFERENCE.finditer(text):
            if match.group(0) == "$${":
                continue
            name = match.group(1)
            if name is None or not VARIABLE_NAME.match(name):
                yield VariableProblem(
                    header,
                    f"header '{header}' has a malformed reference '{match.group(0)}'",
                    "write ${NAME} with a variable name of letters, digits and '_', "
                    "or $${ for a literal ${",
                )


def unset_variables(
    headers: Mapping[str, str], environ: Mapping[str, str], only: Collection[str] | None = None
) -> Iterator[VariableProblem]:
    """Variables the headers use (those in `only`, when given) that are unset or empty."""
    for header, text in headers.items():
        for name in referenced_variables(text):
            if only is not None and name not in only:
                continue
            if not environ.get(name):
                yield VariableProblem(
                    header,
                    f"header '{header}' uses ${{{name}}}, but the environment variable "
                    f"{name} is not set (or is empty)",
                    f"export {name} before running; header values take ${{VAR}} "
                    "from the environment only",
                )


def expand_headers(headers: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """Headers with every `${VAR}` replaced; ValueError naming the first unusable reference."""
    problem = next(header_problems(headers, environ), None)
    if problem is not None:
        raise ValueError(problem.message)
    return {header: _expand(text, environ) for header, text in headers.items()}


def _expand(text: str, environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        return environ[match.group(1)]

    return _REFERENCE.sub(replace, text)
