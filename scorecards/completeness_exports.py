"""The completeness report as CSV, JSON and a self-contained HTML page."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scorecards.completeness import CompletenessReport
from scorecards.timeutil import format_timestamp

CSV_COLUMNS = ("org", "repository", "url", "team", "catalogued", "entities", "pushed_at")
NO_TEAM = "(no team)"


def completeness_json(report: CompletenessReport) -> dict[str, Any]:
    """The JSON document the API serves and `--format json` prints."""
    return report.to_dict()


def completeness_csv(report: CompletenessReport) -> str:
    """One row per repository in scope (archived and forks left out unless included),
    catalogued or not: team totals are a pivot away. Entities are `;`-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.repositories:
        writer.writerow(
            (
                row.org,
                row.name,
                row.url,
                row.team or "",
                "yes" if row.is_catalogued else "no",
                ";".join(row.entities),
                row.pushed_at or "",
            )
        )
    return buffer.getvalue()


class Escaped(str):
    """Text already escaped: written into the page as it is."""


def completeness_html(report: CompletenessReport, generated_at: datetime) -> str:
    """A self-contained HTML page (inline style, no scripts) a manager can open from e-mail."""
    totals = report.totals
    sections = [
        f"<h1>Catalog completeness</h1><p class=meta>Generated {_e(format_timestamp(generated_at))}"
        f" · {_organizations(report)}</p>",
        f"<p class=big>{_percent(totals.percentage)} of {totals.repositories} repositories "
        f"are in the catalog ({totals.catalogued} catalogued, {totals.uncatalogued} not)."
        f" Left out: {report.excluded_archived} archived, {report.excluded_forks} forks.</p>",
        _table(
            "By team",
            ("team", "repositories", "catalogued", "uncatalogued", "catalogued %"),
            [
                (
                    t.team or NO_TEAM,
                    t.counts.repositories,
                    t.counts.catalogued,
                    t.counts.uncatalogued,
                    _percent(t.counts.percentage),
                )
                for t in report.teams
            ],
        ),
        _table(
            "Uncatalogued repositories",
            ("repository", "team", "last push"),
            [
                (
                    Escaped(f'<a href="{_e(r.url)}">{_e(r.org)}/{_e(r.name)}</a>'),
                    r.team or NO_TEAM,
                    r.pushed_at or "never",
                )
                for r in report.uncatalogued
            ],
        ),
        _table(
            "Catalog entities naming a repository that is not in the organisation",
            ("entity", "github.com/project-slug", "owner"),
            [(d.entity_ref, d.slug, d.owner or "") for d in report.dangling],
        ),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Catalog completeness</title><style>{STYLE}</style></head><body>"
        + "".join(sections)
        + "</body></html>\n"
    )


STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1f2328}"
    "table{border-collapse:collapse;width:100%;margin-bottom:2rem}"
    "th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #d0d7de}"
    "td.n,th.n{text-align:right}.meta{color:#59636e}.big{font-size:1.2rem}"
)


def _e(value: object) -> str:
    return value if isinstance(value, Escaped) else html.escape(str(value))


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _organizations(report: CompletenessReport) -> str:
    parts = []
    for org in report.organizations:
        when = format_timestamp(org.collected_at) if org.collected_at else "never listed"
        parts.append(f"{_e(org.org)} listed {_e(when)}")
    return "; ".join(parts)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    if not rows:
        return f"<h2>{_e(title)}</h2><p>None.</p>"
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(columns))]
    head = "".join(
        f"<th{' class=n' if numeric[i] else ''}>{_e(c)}</th>" for i, c in enumerate(columns)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if numeric[i] else ''}>{_e(cell)}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<h2>{_e(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
