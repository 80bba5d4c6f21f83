"""Daily score trends over the seeded history (see tests/seeded_history.py)."""

from __future__ import annotations

from datetime import date

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.reports.inputs import ReportError, ReportInputs
from scorecards.reports.trends import Subject, TrendSeries, trend_report
from tests.seeded_history import DECEMBER_RUN, NOTIFICATION_SERVICE, REPORT_AT

PLATFORM = "group:default/platform-team"
RUN_DAYS = [date(2026, 11, 25), date(2026, 12, 10), date(2027, 1, 5), date(2027, 1, 20)]


def only(series: tuple[TrendSeries, ...]) -> TrendSeries:
    assert len(series) == 1, series
    return series[0]


def test_an_entity_has_a_point_per_day_its_results_changed_and_one_for_its_last_run(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs,
        report_definitions,
        REPORT_AT,
        entity=NOTIFICATION_SERVICE,
        scorecard_id="service-maturity",
    )
    series = only(report.series)
    assert series.subject == Subject.ENTITY
    # unchanged by the December run: no point that day (its history holds changes)
    assert [(p.day, p.average) for p in series.points] == [
        (RUN_DAYS[0], 47.22),
        (RUN_DAYS[2], 66.67),
        (RUN_DAYS[3], 66.67),
    ]


def test_a_day_with_two_runs_shows_the_last_one(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs,
        report_definitions,
        REPORT_AT,
        entity="component:default/fraud-scoring",
        scorecard_id="service-maturity",
    )
    assert only(report.series).points[0].average == 94.44  # 86.11 at noon


def test_a_team_point_averages_its_entities_that_day(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs, report_definitions, REPORT_AT, team=PLATFORM, scorecard_id="service-maturity"
    )
    series = only(report.series)
    assert (series.subject, series.key) == (Subject.TEAM, PLATFORM)
    assert [p.day for p in series.points] == RUN_DAYS
    assert [p.entities for p in series.points] == [2, 2, 2, 2]
    # notification-service 47.22 -> 66.67; api-gateway unchanged
    before, after = series.points[1].average, series.points[2].average
    assert before is not None and after is not None
    assert after - before == pytest.approx(9.7, abs=0.1)


def test_a_parent_team_trend_includes_its_sub_teams(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs,
        report_definitions,
        REPORT_AT,
        team="group:default/engineering",
        scorecard_id="service-maturity",
    )
    assert only(report.series).points[-1].entities == 15


def test_the_catalog_trend_has_one_series_per_scorecard(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(report_inputs, report_definitions, REPORT_AT)
    assert [s.scorecard_id for s in report.series] == list(report_definitions.scorecards)
    assert {s.subject for s in report.series} == {Subject.CATALOG}


def test_since_drops_earlier_days(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(
        report_inputs, report_definitions, REPORT_AT, scorecard_id="delivery", since=DECEMBER_RUN
    )
    assert [p.day for p in only(report.series).points] == RUN_DAYS[1:]


def test_points_after_the_report_time_are_left_out(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = trend_report(report_inputs, report_definitions, DECEMBER_RUN, scorecard_id="delivery")
    assert [p.day for p in only(report.series).points] == RUN_DAYS[:2]


def test_a_team_that_owns_nothing_is_an_error(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    with pytest.raises(ReportError, match="owns no entity"):
        trend_report(report_inputs, report_definitions, REPORT_AT, team="group:default/nobody")


def test_an_unknown_entity_is_an_error(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    with pytest.raises(ReportError, match="no entity component:default/nope"):
        trend_report(report_inputs, report_definitions, REPORT_AT, entity="component:default/nope")
