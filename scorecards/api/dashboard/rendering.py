"""The Jinja2 environment the dashboard and the HTML reports render with.

Templates are autoescaped (entity-controlled text such as descriptions and
check messages can never become markup) and strict (a misspelt variable is an
error, not an empty string). Chart SVG (escaped where it is drawn, in charts.py)
is the only text templates insert unescaped, with `| safe`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache, partial
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from scorecards.api.dashboard.charts import level_color
from scorecards.formats.scores import format_change, format_score, trend_of
from scorecards.records.refs import parse_ref

EMPTY = "\N{EN DASH}"  # shown for a missing value


def entity_path(ref: str) -> str:
    """The dashboard page of an entity: `/entities/{kind}/{namespace}/{name}`."""
    kind, namespace, name = parse_ref(ref)
    return "/entities/" + "/".join(quote(part, safe="") for part in (kind, namespace, name))


def list_path(**filters: str | float | None) -> str:
    """The entity list filtered by the given query values (None values left out)."""
    query = {key: str(value) for key, value in filters.items() if value is not None}
    return "/entities" + (f"?{urlencode(query)}" if query else "")


def format_moment(value: datetime | None) -> str:
    return EMPTY if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def web_url(url: str) -> str:
    """`url` when it is a web address (http, https or relative), else `#`: a check's
    link must never run script when clicked."""
    scheme = urlsplit(url.strip()).scheme.lower()
    return url if scheme in ("", "http", "https") else "#"


def short_ref(ref: str | None) -> str:
    """`group:default/payments` -> `payments`; other namespaces are kept."""
    if not ref:
        return EMPTY
    _, namespace, name = parse_ref(ref)
    return name if namespace == "default" else f"{namespace}/{name}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("scorecards.api.dashboard", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        score=partial(format_score, missing=EMPTY),
        change=partial(format_change, missing=EMPTY),
        trend=trend_of,
        moment=format_moment,
        short_ref=short_ref,
        entity_path=entity_path,
        level_color=level_color,
        web_url=web_url,
    )
    env.globals.update(list_path=list_path)
    return env


def render(template: str, values: Mapping[str, Any]) -> str:
    return environment().get_template(template).render(**values)
