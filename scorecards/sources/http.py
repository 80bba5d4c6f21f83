"""The declarative HTTP source (`type: http`): any JSON API, without writing Python.

Per entity: `url` (CEL over `entity` and `now`) names what to GET, with the
source's `headers` (`${VAR}` taken from the environment only, for the `secrets`
it declares and the operator grants); a url or redirect off the source's `hosts`
is refused before anything is sent. Each of `facts`
(CEL over `response`, the decoded JSON body, and `entity`) gives one fact. A URL
or mapping that fails, an error status, a body that is not JSON, or a value
that does not match the declared `schema` fails that entity only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scorecards.cel import Activation, to_python, type_name
from scorecards.cel.values import Timestamp
from scorecards.definitions.compiled import Source
from scorecards.definitions.hosts import HostPattern, parse_host_patterns
from scorecards.definitions.source_secrets import source_problems
from scorecards.definitions.variables import expand_headers
from scorecards.errors import CelEvaluationError
from scorecards.formats.timeutil import parse_timestamp
from scorecards.records.entities import Entity
from scorecards.sources.base import EntityCollectionError, Setup, SourceConfigurationError
from scorecards.sources.fetch import Fetcher

_HEADER_SAFE = re.compile(r"^[\t\x20-\x7e]*$")


@dataclass(frozen=True)
class HttpSettings:
    """What an http source takes: nothing from Settings, only the collecting environment,
    which holds the variables its headers use and the operator's grants of them
    (SCORECARDS_SOURCE_SECRETS)."""

    environ: Mapping[str, str] = field(repr=False)


def prepare(source: Source, settings: HttpSettings, now: datetime) -> Setup[Entity]:
    where = f"{source.location}: source '{source.id}'"
    environ = settings.environ
    # Checked again here, not only by `validate`: the grants are the collecting environment's.
    problem = next(source_problems(source.spec, environ), None)
    if problem is not None:
        raise SourceConfigurationError(f"{where}: {problem.message} — {problem.hint}")
    try:
        headers = expand_headers(source.spec.headers, environ)
    except ValueError as exc:
        raise SourceConfigurationError(f"{where}: {exc}") from None
    for name, value in headers.items():
        if not _HEADER_SAFE.match(value):
            raise SourceConfigurationError(
                f"{where}: header '{name}' holds characters an HTTP header cannot carry "
                "(a newline or control character in the variables it uses?)"
            )
    secrets = tuple(environ[name] for name in source.spec.secrets)
    hosts = parse_host_patterns(source.spec.hosts) if source.spec.hosts else None
    return Setup(HttpCollector(source, now, hosts), headers, secrets)


class HttpCollector:
    def __init__(
        self, source: Source, now: datetime, hosts: tuple[HostPattern, ...] | None = None
    ) -> None:
        self.source = source
        self.now = Timestamp.from_datetime(now)
        self.hosts = hosts  # None: any host (a source that sends no secret may omit `hosts`)

    def wants(self, entity: Entity) -> bool:
        return True

    async def collect(self, entity: Entity, fetcher: Fetcher) -> dict[str, Any]:
        url = self._url(entity)
        reply = await fetcher.get(url, hosts=self.hosts)
        if not reply.ok:
            raise EntityCollectionError(reply.describe())
        activation = Activation({"entity": entity, "response": reply.data, "now": self.now})
        values: dict[str, Any] = {}
        for name, expression in self.source.facts.items():
            try:
                value = to_python(expression.evaluate(activation))
            except CelEvaluationError as exc:
                raise EntityCollectionError(
                    f"fact '{name}' ({self.source.location}): {exc} — in: {expression.source}"
                    f"{_shape_hint(reply.data)}"
                ) from None
            problem = _schema_problem(self.source, name, value)
            if problem:
                raise EntityCollectionError(f"fact '{name}' ({self.source.location}): {problem}")
            values[name] = value
        return values

    def _url(self, entity: Entity) -> str:
        assert self.source.url is not None  # the spec requires a url for type http
        try:
            value = self.source.url.evaluate(Activation({"entity": entity, "now": self.now}))
        except CelEvaluationError as exc:
            raise EntityCollectionError(
                f"url ({self.source.location}): {exc} — in: {self.source.url.source}"
            ) from None
        if type_name(value) != "string":
            raise EntityCollectionError(
                f"url ({self.source.location}) must give a string, got {type_name(value)}"
            )
        url = str(value)
        if not url.startswith(("https://", "http://")):
            raise EntityCollectionError(
                f"url ({self.source.location}) gave '{url[:200]}', not an http(s) URL"
            )
        return url


def _shape_hint(data: Any) -> str:
    if isinstance(data, Mapping):
        keys = sorted(str(key) for key in data)
        more = ", ..." if len(keys) > 10 else ""
        return f" (the response has keys: {', '.join(keys[:10])}{more})"
    return f" (the response is a {type(data).__name__}, not an object)"


_SCHEMA_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "float": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "datetime": (str,),
    "set": (list,),
    "object": (dict,),
}


def _schema_problem(source: Source, name: str, value: Any) -> str | None:
    declared = source.spec.fact_schema.get(name)
    if declared is None:
        return None
    expected = _SCHEMA_TYPES[declared.type]
    is_bool = isinstance(value, bool)
    matches = isinstance(value, expected) and (is_bool == (declared.type == "boolean"))
    if matches and declared.type == "datetime":
        try:
            parse_timestamp(value)
        except ValueError:
            matches = False
    if matches:
        return None
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return f"the schema declares {declared.type}, but the mapping gave {shown}"
