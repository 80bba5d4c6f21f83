"""Campaign progress over the seeded history (see tests/seeded_history.py for the story)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.reports.campaigns import (
    CampaignCounts,
    Progress,
    campaign_report,
    campaign_reports,
)
from scorecards.reports.inputs import ReportError, ReportInputs
from tests.seeded_history import (
    FIRST_RUN,
    JANUARY_RUN,
    NOTIFICATION_SERVICE,
    REPORT_AT,
    WEBHOOK_DISPATCHER,
)

ON_CALL = "on-call-ready"


def burndown(inputs: ReportInputs, definitions: Definitions) -> dict[date, int]:
    report = campaign_report(inputs, definitions, ON_CALL, REPORT_AT)
    return {point.day: point.remaining for point in report.burndown}


def test_a_campaign_past_its_deadline_counts_what_remains_as_overdue(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, REPORT_AT)
    assert report.is_past_deadline
    assert report.counts == CampaignCounts(in_scope=15, done=10, exempt=0, remaining=5, overdue=5)


def test_before_the_deadline_nothing_is_overdue(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, JANUARY_RUN)
    assert report.counts == CampaignCounts(in_scope=15, done=11, exempt=1, remaining=4, overdue=0)
    assert report.days_left == 26


def test_a_valid_exemption_makes_the_entity_done_as_exempt(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, FIRST_RUN)
    progress = {e.ref: e.progress for e in report.entities}
    assert progress[WEBHOOK_DISPATCHER] == Progress.EXEMPT


def test_an_exemption_that_expired_counts_as_remaining_even_before_a_new_run(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    days = burndown(report_inputs, report_definitions)
    # The last run before the expiry (2027-01-10) stored `exempt`; no run until 01-20.
    assert days[date(2027, 1, 10)] == 4
    assert days[date(2027, 1, 11)] == 5


def test_the_burndown_reads_the_last_result_of_each_day(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    # Two runs on 2026-11-25: 7 remaining at noon, 6 by the evening.
    assert burndown(report_inputs, report_definitions)[date(2026, 11, 25)] == 6


def test_the_burndown_carries_results_forward_over_days_without_a_run(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    days = burndown(report_inputs, report_definitions)
    assert days[date(2026, 12, 9)] == 6
    assert days[date(2026, 12, 10)] == 5
    assert days[date(2027, 1, 5)] == 4


def test_the_burndown_runs_daily_from_the_first_result_to_the_report_day(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    days = list(burndown(report_inputs, report_definitions))
    assert days[0] == date(2026, 11, 25)
    assert days[-1] == date(2027, 2, 15)
    assert len(days) == 83


def test_a_campaign_that_started_before_any_result_burns_down_from_the_first_result(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    # platform-annotations starts 2026-10-01, before any stored result.
    report = campaign_report(report_inputs, report_definitions, "platform-annotations", REPORT_AT)
    assert report.burndown[0].day == date(2026, 11, 25)


def test_a_campaign_that_starts_after_the_first_result_burns_down_from_its_start(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    campaign = report_definitions.campaigns[ON_CALL]
    later = replace(campaign, spec=campaign.spec.model_copy(update={"starts": date(2026, 12, 1)}))
    edited = replace(report_definitions, campaigns={ON_CALL: later})
    report = campaign_report(report_inputs, edited, ON_CALL, REPORT_AT)
    assert (report.burndown[0].day, report.burndown[0].remaining) == (date(2026, 12, 1), 6)


def test_teams_are_counted_by_direct_owner_most_remaining_first(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, REPORT_AT)
    teams = {t.team: t.counts for t in report.teams}
    assert teams["group:default/merchant-experience"] == CampaignCounts(2, 1, 0, 1, 1)
    assert teams["group:default/platform-team"] == CampaignCounts(2, 2, 0, 0, 0)
    assert sum(c.in_scope for c in teams.values()) == 15
    assert [t.counts.remaining for t in report.teams] == sorted(
        (t.counts.remaining for t in report.teams), reverse=True
    )


def test_a_team_burndown_counts_only_its_own_entities(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, REPORT_AT)
    platform = next(t for t in report.teams if t.team == "group:default/platform-team")
    days = {p.day: (p.in_scope, p.remaining) for p in platform.burndown}
    assert days[date(2027, 1, 4)] == (2, 1)
    assert days[date(2027, 1, 5)] == (2, 0)


def test_remaining_entities_list_the_checks_they_still_owe(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = campaign_report(report_inputs, report_definitions, ON_CALL, REPORT_AT)
    outstanding = {e.ref: e.outstanding for e in report.entities}
    assert outstanding[WEBHOOK_DISPATCHER] == ("has-pagerduty",)
    assert outstanding[NOTIFICATION_SERVICE] == ()
    assert report.entities[0].progress == Progress.REMAINING


def test_every_campaign_is_reported_nearest_deadline_first(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    reports = campaign_reports(report_inputs, report_definitions, REPORT_AT)
    assert [r.campaign_id for r in reports] == [
        "on-call-ready",
        "zero-critical-vulnerabilities",
        "platform-annotations",
    ]


def test_an_unknown_campaign_is_an_error_naming_the_known_ones(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    with pytest.raises(ReportError, match=r"no campaign 'nope'.*on-call-ready"):
        campaign_report(report_inputs, report_definitions, "nope", REPORT_AT)
