"""Report exports: CSV against golden files, JSON shapes.

The golden files under tests/data/reports/ are reviewed like code; to rewrite them
after a deliberate change: `UPDATE_GOLDEN=1 pytest tests/core/test_report_exports.py`.
"""

from __future__ import annotations

import csv
import io
import json
import os

from scorecards.definitions.compiled import Definitions
from scorecards.reports.campaigns import campaign_report
from scorecards.reports.exports import Report, campaign_summary_json, report_csv, report_json
from scorecards.reports.inputs import ReportInputs
from scorecards.reports.teams import team_report
from scorecards.reports.trends import trend_report
from tests.conftest import REPO_ROOT
from tests.seeded_history import FIRST_RUN, REPORT_AT

GOLDEN = REPO_ROOT / "tests" / "data" / "reports"


def golden(name: str, actual: str) -> str:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual)
    return path.read_text()


def teams(inputs: ReportInputs, definitions: Definitions) -> Report:
    return team_report(
        inputs, definitions, REPORT_AT, since=FIRST_RUN, scorecard_id="service-maturity"
    )


def test_team_report_csv_matches_the_golden_file(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    actual = report_csv(teams(report_inputs, report_definitions))
    assert actual == golden("teams-service-maturity.csv", actual)


def test_campaign_csv_matches_the_golden_file(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    actual = report_csv(
        campaign_report(report_inputs, report_definitions, "on-call-ready", REPORT_AT)
    )
    assert actual == golden("campaign-on-call-ready.csv", actual)


def test_trend_csv_matches_the_golden_file(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs,
        report_definitions,
        REPORT_AT,
        team="group:default/platform-team",
        scorecard_id="delivery",
    )
    actual = report_csv(report)
    assert actual == golden("trend-platform-team-delivery.csv", actual)


def test_csv_has_a_row_per_team_and_one_for_the_whole_catalog(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = team_report(report_inputs, report_definitions, REPORT_AT)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert len(rows) == len(report.teams) + len(report.totals)
    assert sum(row["team"] == "(all)" for row in rows) == len(report_definitions.scorecards)


def test_team_report_json_nests_teams_under_each_scorecard(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    data = json.loads(json.dumps(report_json(teams(report_inputs, report_definitions))))
    (scorecard,) = data["scorecards"]
    assert scorecard["id"] == "service-maturity"
    assert scorecard["total"]["entities"] == 17
    platform = next(t for t in scorecard["teams"] if t["team"] == "group:default/platform-team")
    assert platform["change"] == 9.7
    assert data["since"] == "2026-11-25T12:00:00.000000Z"


def test_campaign_json_carries_counts_teams_entities_and_burndown(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    data = report_json(
        campaign_report(report_inputs, report_definitions, "on-call-ready", REPORT_AT)
    )
    assert (data["remaining"], data["overdue"], data["past_deadline"]) == (5, 5, True)
    assert data["burndown"][0] == {"day": "2026-11-25", "in_scope": 15, "remaining": 6}
    assert len(data["entities"]) == 15
    assert {t["team"] for t in data["teams"]} >= {"group:default/risk-team"}


def test_a_campaign_summary_leaves_out_the_lists(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    summary = campaign_summary_json(
        campaign_report(report_inputs, report_definitions, "on-call-ready", REPORT_AT)
    )
    assert "entities" not in summary and "burndown" not in summary
    assert summary["deadline"] == "2027-01-31"
