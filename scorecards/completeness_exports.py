"""The completeness report as CSV and JSON (HTML is the dashboard's report renderer)."""

from __future__ import annotations

import csv
import io
from typing import Any

from scorecards.completeness import CompletenessReport

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
