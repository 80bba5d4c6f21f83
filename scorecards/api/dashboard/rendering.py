"""The Jinja2 environment the dashboard and the HTML reports render with.

Templates are autoescaped (entity-controlled text such as descriptions and
check messages can never become markup) and strict (a misspelt variable is an
error, not an empty string). Chart SVG (escaped where it is drawn, in charts.py)
and Markdown rendered by `markdown` / `markdown_inline` (markdown-it-py with raw
HTML off, so a check's remediation can say `code` and **bold** but never carry
markup of its own) are the only text templates insert unescaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache, partial
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

from scorecards.api.dashboard.charts import level_color
from scorecards.formats.scores import format_change, format_score, trend_of
from scorecards.formats.timeutil import parse_timestamp
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


def format_moment(value: datetime | str | None) -> str:
    """Every time a page shows, `2026-12-02 08:46 UTC`; stored RFC 3339 text included."""
    return EMPTY if value is None else parse_timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


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


class _CheckMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        # Only web links: a check's text must not be able to plant javascript: or data:.
        return web_url(url) != "#"


@cache
def _markdown() -> MarkdownIt:
    md = _CheckMarkdown("commonmark", {"html": False}).disable("image")

    def link_open(
        renderer: RendererHTML, tokens: Sequence[Token], index: int, options: Any, env: Any
    ) -> str:
        tokens[index].attrSet("rel", "noopener noreferrer")
        return renderer.renderToken(tokens, index, options, env)

    md.add_render_rule("link_open", link_open)
    return md


def render_markdown(text: str | None) -> Markup:
    """Check text written in Markdown (remediation) as HTML blocks; raw HTML in it
    shows as the text it is."""
    return Markup(_markdown().render(text or ""))


@cache
def _message_markdown() -> MarkdownIt:
    # A message quotes entity data (names, annotations), which whoever edits the
    # catalog controls: code and emphasis, but no link for them to plant.
    return _CheckMarkdown("commonmark", {"html": False}).disable(["image", "link", "autolink"])


def render_markdown_inline(text: str | None) -> Markup:
    """One line of Markdown (a result message) as inline HTML, no paragraph around it;
    links show as the text they are."""
    return Markup(_message_markdown().renderInline(text or ""))


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
        markdown=render_markdown,
        markdown_inline=render_markdown_inline,
    )
    env.globals.update(list_path=list_path)
    return env


def render(template: str, values: Mapping[str, Any]) -> str:
    return environment().get_template(template).render(**values)
