"""What the dashboard's templates do to text: check Markdown rendered safely, and
times shown one way on every page."""

from __future__ import annotations

from datetime import UTC, datetime

from scorecards.api.dashboard.rendering import (
    format_moment,
    render_markdown,
    render_markdown_inline,
)
from tests.dashboard.html_tree import parse_html


def test_check_markdown_renders_code_and_emphasis():
    html = render_markdown("Add `owner: group:default/team` to **catalog-info.yaml**.")
    assert html == (
        "<p>Add <code>owner: group:default/team</code> to <strong>catalog-info.yaml</strong>.</p>\n"
    )


def test_raw_html_in_check_markdown_shows_as_the_text_it_is():
    html = render_markdown("Remove <script>alert(1)</script> and <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert parse_html(html).text() == (
        "Remove <script>alert(1)</script> and <img src=x onerror=alert(1)>"
    )


def test_a_script_link_in_check_markdown_is_left_as_text_not_a_link():
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"):
        html = render_markdown(f"[click]({url})")
        assert "<a" not in html
        assert "href" not in html


def test_an_image_in_check_markdown_is_not_loaded():
    assert "<img" not in render_markdown("![tracker](https://example.com/pixel.png)")


def test_a_web_link_in_check_markdown_opens_without_a_referrer():
    html = render_markdown("See [the guide](https://backstage.io/docs).")
    assert parse_html(html).find("a").attrs == {
        "href": "https://backstage.io/docs",
        "rel": "noopener noreferrer",
    }


def test_a_result_message_renders_inline_without_a_paragraph():
    assert render_markdown_inline("no `ci` facts") == "no <code>ci</code> facts"


def test_a_stored_timestamp_is_shown_to_the_minute_in_utc_like_a_datetime():
    stored = "2026-12-02T08:45:28.289193Z"
    moment = datetime(2026, 12, 2, 8, 45, 59, tzinfo=UTC)
    assert format_moment(stored) == "2026-12-02 08:45 UTC"
    assert format_moment(moment) == format_moment(stored)


def test_a_result_message_quoting_entity_data_can_plant_no_link():
    html = render_markdown_inline("no owner for [docs](https://phish.example) <https://x.example>")
    assert "<a" not in html
