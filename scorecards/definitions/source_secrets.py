"""Which secrets a source may send, and where: the source's declaration, the operator's grants.

A source names the environment variables its headers use (`secrets:`) and the
hosts its requests may reach (`hosts:`). The operator grants each variable to
sources, with the hosts it may go to, in the environment:

    SCORECARDS_SOURCE_SECRETS='{"SONAR_TOKEN": ["sonar.example.com"]}'

A variable not granted by name cannot be used (scorecards' own SCORECARDS_*
tokens included), and a source's hosts must lie within the grant of every secret
it uses: a definitions author can send a secret only where the operator said it
may go. The grants are read from the environment, beside the secrets themselves,
so whoever sets a secret decides where it goes and no definitions file can widen
that. Pure: the environment is passed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from scorecards.definitions.hosts import (
    HostPattern,
    is_allowed,
    literal_url_origin,
    parse_host_patterns,
)
from scorecards.definitions.specs import SourceSpec
from scorecards.definitions.variables import (
    VARIABLE_NAME,
    VariableProblem,
    malformed_references,
    referenced_variables,
    unset_variables,
)

GRANTS_VARIABLE = "SCORECARDS_SOURCE_SECRETS"
PROJECT_PREFIX = "SCORECARDS_"
GRANTS_HINT = (
    f"{GRANTS_VARIABLE} is a JSON object from variable name to the hosts it may go to, "
    'e.g. {"SONAR_TOKEN": ["sonar.example.com"]}'
)

Grants = Mapping[str, tuple[HostPattern, ...]]


@dataclass(frozen=True)
class SecretProblem:
    """Something wrong with a source's secrets or hosts; `path` locates it in the entry."""

    path: tuple[str | int, ...]
    message: str
    hint: str


def read_grants(environ: Mapping[str, str]) -> Grants:
    """The operator's grants (none when unset); ValueError saying what is wrong with them."""
    text = environ.get(GRANTS_VARIABLE, "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{GRANTS_VARIABLE} is not JSON: {exc.msg} at character {exc.pos}"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{GRANTS_VARIABLE} is not a JSON object")
    grants: dict[str, tuple[HostPattern, ...]] = {}
    for name, hosts in data.items():
        if not VARIABLE_NAME.match(name):
            raise ValueError(f"{GRANTS_VARIABLE}: '{name}' is not an environment variable name")
        hosts = [hosts] if isinstance(hosts, str) else hosts
        if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) for h in hosts):
            raise ValueError(f"{GRANTS_VARIABLE}: {name} must map to a list of hosts")
        try:
            grants[name] = parse_host_patterns(hosts)
        except ValueError as exc:
            raise ValueError(f"{GRANTS_VARIABLE}: {name}: {exc}") from None
    return grants


def source_problems(spec: SourceSpec, environ: Mapping[str, str] | None) -> Iterator[SecretProblem]:
    """What is wrong with a source's secrets and hosts, most fundamental first.

    Without `environ` only the definitions themselves are checked; with it, also the
    operator's grants and whether the granted variables are set.
    """
    yield from (_at_header(problem) for problem in malformed_references(spec.headers))
    yield from _declaration_problems(spec)
    yield from _url_problems(spec)
    if environ is None or not spec.secrets:
        return
    try:
        grants = read_grants(environ)
    except ValueError as exc:
        yield SecretProblem(("secrets",), str(exc), GRANTS_HINT)
        return
    problems = list(_grant_problems(spec, grants))
    yield from problems
    if not problems:
        unset = unset_variables(spec.headers, environ, only=frozenset(spec.secrets))
        yield from (_at_header(problem) for problem in unset)


def _declaration_problems(spec: SourceSpec) -> Iterator[SecretProblem]:
    declared = frozenset(spec.secrets)
    used: set[str] = set()
    for header, text in spec.headers.items():
        for name in referenced_variables(text):
            used.add(name)
            if name not in declared:
                yield SecretProblem(
                    ("headers", header),
                    f"header '{header}' uses ${{{name}}}, which the source does not declare "
                    "in `secrets`",
                    f"declare it (secrets: [{name}]) with the `hosts` it may go to; the "
                    f"operator must also grant it in {GRANTS_VARIABLE}",
                )
    for index, name in enumerate(spec.secrets):
        if name not in used:
            yield SecretProblem(
                ("secrets", index),
                f"secret {name} is declared, but no header uses it",
                f"use it in a header as ${{{name}}}, or remove it",
            )
    if (used or declared) and not spec.hosts:
        yield SecretProblem(
            ("secrets",) if spec.secrets else ("headers",),
            "the source sends secrets but declares no `hosts` they may go to",
            "list the hosts its url reaches, e.g. hosts: [api.pagerduty.com]; a request to any "
            "other host fails and sends nothing",
        )


def _url_problems(spec: SourceSpec) -> Iterator[SecretProblem]:
    """A url whose leading literal names its host is checked now, not once per entity."""
    origin = literal_url_origin(spec.url) if spec.url and spec.hosts else None
    if origin is None:
        return
    _, host, port = origin
    hosts = parse_host_patterns(spec.hosts)
    if not is_allowed(host, port, hosts):
        yield SecretProblem(
            ("url",),
            f"url goes to {host}:{port}, which is not among the source's hosts "
            f"({', '.join(map(str, hosts))})",
            "add the host to `hosts`, or correct the url",
        )


def _grant_problems(spec: SourceSpec, grants: Grants) -> Iterator[SecretProblem]:
    hosts = parse_host_patterns(spec.hosts)
    for index, name in enumerate(spec.secrets):
        granted = grants.get(name)
        if granted is None:
            example = str(hosts[0]) if hosts else "api.example.com"
            yield SecretProblem(
                ("secrets", index),
                _not_granted(name),
                f"the operator grants it, with the hosts it may go to, e.g. "
                f'{GRANTS_VARIABLE}=\'{{"{name}": ["{example}"]}}\'',
            )
            continue
        for host_index, host in enumerate(hosts):
            if not any(grant.covers(host) for grant in granted):
                yield SecretProblem(
                    ("hosts", host_index),
                    f"host {host} is not one {GRANTS_VARIABLE} lets {name} go to "
                    f"({', '.join(map(str, granted))})",
                    "remove the host, or ask the operator to add it to the grant",
                )


def _not_granted(name: str) -> str:
    if name.startswith(PROJECT_PREFIX):
        return (
            f"secret {name} is one of scorecards' own settings; a source may use it only when "
            f"the operator grants it by name in {GRANTS_VARIABLE}"
        )
    return f"secret {name} is not granted to sources: {GRANTS_VARIABLE} does not list it"


def _at_header(problem: VariableProblem) -> SecretProblem:
    return SecretProblem(("headers", problem.header), problem.message, problem.hint)
