"""Team rollups over the seeded history (see tests/seeded_history.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.records.results import Status
from scorecards.reports.inputs import ReportError, ReportInputs
from scorecards.reports.ownership import UNOWNED
from scorecards.reports.teams import (
    ALL_TEAMS,
    TeamReport,
    TeamScore,
    adjusted_average,
    biggest_improvers,
    leaderboard,
    team_report,
)
from tests.seeded_history import DECEMBER_RUN, FIRST_RUN, REPORT_AT

RISK = "group:default/risk-team"
ENGINEERING = "group:default/engineering"
ACME = "group:default/acme-pay"


def row(
    inputs: ReportInputs, definitions: Definitions, team: str, scorecard: str, **options: Any
) -> TeamScore:
    report = team_report(inputs, definitions, REPORT_AT, scorecard_id=scorecard, **options)
    found = [t for t in [*report.teams, *report.totals] if t.team == team]
    assert len(found) == 1, [t.team for t in report.teams]
    return found[0]


def owned_scores(inputs: ReportInputs, owner: str, scorecard: str) -> list[float]:
    """An independent reading: scores of entities whose spec.owner names `owner`."""
    name = owner.partition("/")[2]
    scores = []
    for ref, evaluation in inputs.latest.items():
        spec: Mapping[str, Any] = inputs.entities[ref].get("spec") or {}
        card = evaluation.scorecard(scorecard)
        if str(spec.get("owner", "")).endswith(name) and card and card.score is not None:
            scores.append(card.score)
    return scores


def test_a_team_average_is_the_mean_score_of_the_entities_it_owns(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    scores = owned_scores(report_inputs, RISK, "service-maturity")
    risk = row(report_inputs, report_definitions, RISK, "service-maturity")
    assert risk.entities == risk.direct_entities == len(scores) == 3
    assert risk.average == round(sum(scores) / len(scores), 1)


def test_a_parent_group_rolls_up_every_team_below_it(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = team_report(
        report_inputs, report_definitions, REPORT_AT, scorecard_id="service-maturity"
    )
    below = [t for t in report.teams if t.parent == ENGINEERING]
    engineering = row(report_inputs, report_definitions, ENGINEERING, "service-maturity")
    assert engineering.direct_entities == 0
    assert engineering.entities == sum(t.entities for t in below) == 15
    assert row(report_inputs, report_definitions, ACME, "service-maturity").entities == 15


def test_teams_outside_the_group_tree_stand_on_their_own(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    # old-payments-team is named as an owner but not defined in the catalog.
    old = row(
        report_inputs, report_definitions, "group:default/old-payments-team", "service-maturity"
    )
    assert (old.parent, old.depth, old.entities) == (None, 0, 1)


def test_the_whole_catalog_row_counts_every_entity_once(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    total = row(report_inputs, report_definitions, ALL_TEAMS, "platform-adoption")
    applies = [e for e in report_inputs.latest.values() if e.scorecard("platform-adoption")]
    assert total.entities == len(applies) == 35


def test_the_level_distribution_counts_every_level_and_none(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    total = row(report_inputs, report_definitions, ALL_TEAMS, "service-maturity")
    assert list(total.levels) == ["Bronze", "Silver", "Gold", "none"]
    assert sum(total.levels.values()) == total.entities == 17


def test_most_failed_checks_count_fail_error_and_unknown_most_first(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    delivery = row(report_inputs, report_definitions, ALL_TEAMS, "delivery")
    expected: dict[str, list[int]] = {}
    for evaluation in report_inputs.latest.values():
        if evaluation.scorecard("delivery") is None:
            continue
        for check in ("build-passing", "test-coverage", "deployed-recently"):
            result = evaluation.check(check)
            assert result is not None
            counts = expected.setdefault(check, [0, 0, 0])
            for index, status in enumerate((Status.FAIL, Status.ERROR, Status.UNKNOWN)):
                counts[index] += result.status == status
    assert {f.check_id: [f.fail, f.error, f.unknown] for f in delivery.failing_checks} == {
        check: counts for check, counts in expected.items() if sum(counts)
    }
    totals = [f.total for f in delivery.failing_checks]
    assert totals == sorted(totals, reverse=True)
    assert any(f.unknown for f in delivery.failing_checks)


def test_change_since_compares_with_the_average_at_that_time(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    # fraud-scoring gained a runbook and a passing build on the evening of the first day.
    risk = row(report_inputs, report_definitions, RISK, "delivery", since=FIRST_RUN)
    now = row(report_inputs, report_definitions, RISK, "delivery")
    assert risk.average == now.average
    assert risk.average is not None and risk.average_then is not None
    assert risk.average_then < risk.average
    # both averages are rounded, the change is not
    assert risk.change == pytest.approx(risk.average - risk.average_then, abs=0.11)


def test_without_since_there_is_no_change(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    risk = row(report_inputs, report_definitions, RISK, "delivery")
    assert (risk.average_then, risk.change) == (None, None)


def test_the_report_reads_results_as_of_its_time(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    then = team_report(report_inputs, report_definitions, FIRST_RUN, scorecard_id="delivery")
    later = team_report(report_inputs, report_definitions, DECEMBER_RUN, scorecard_id="delivery")
    risk_then = next(t for t in then.teams if t.team == RISK)
    risk_later = next(t for t in later.teams if t.team == RISK)
    assert risk_then.average is not None and risk_later.average is not None
    assert risk_then.average < risk_later.average


def test_the_leaderboard_ranks_teams_that_own_entities_by_adjusted_average(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = team_report(
        report_inputs, report_definitions, REPORT_AT, scorecard_id="service-maturity"
    )
    catalog = report.totals[0].average
    board = leaderboard(report, "service-maturity")
    assert ENGINEERING not in [t.team for t in board]
    adjusted = [adjusted_average(t, catalog) or 0.0 for t in board]
    assert adjusted == sorted(adjusted, reverse=True)
    assert len(board) > 3


def team_scoring(team: str, average: float, scored: int) -> TeamScore:
    return TeamScore(
        team=team,
        scorecard_id="service-maturity",
        parent=None,
        depth=0,
        entities=scored,
        direct_entities=scored,
        scored=scored,
        average=average,
        levels={},
        failing_checks=(),
    )


def test_a_team_of_one_perfect_entity_ranks_below_a_large_team_scoring_almost_as_well() -> None:
    lone = team_scoring("group:default/lone", 100.0, 1)
    large = team_scoring("group:default/large", 95.0, 9)
    catalog = team_scoring(ALL_TEAMS, 70.0, 40)
    report = TeamReport(REPORT_AT, None, (), (lone, large), (catalog,))
    assert [t.team for t in leaderboard(report, "service-maturity")] == [large.team, lone.team]


def test_the_adjusted_average_blends_a_teams_scores_with_three_at_the_catalog_average() -> None:
    assert adjusted_average(team_scoring("group:default/a", 100.0, 1), 70.0) == 77.5
    assert adjusted_average(team_scoring("group:default/b", 95.0, 9), 70.0) == 88.75
    assert adjusted_average(team_scoring("group:default/c", 60.0, 3), None) == 60.0


def test_biggest_improvers_are_teams_whose_average_rose_most(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = team_report(report_inputs, report_definitions, REPORT_AT, since=FIRST_RUN)
    improvers = biggest_improvers(report, "service-maturity")
    # notification-service (1 of platform's 2) gained two checks, fraud-scoring (1 of
    # risk's 3) one; merchant-onboarding gained one but webhook-dispatcher lost its exemption.
    assert [(t.team, t.change) for t in improvers] == [
        ("group:default/platform-team", 9.7),
        (RISK, 2.8),
        ("group:default/merchant-experience", 1.4),
    ]
    assert all(t.change and t.change > 0 for t in improvers)


def test_entities_without_an_owner_are_grouped_as_unowned(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    report = team_report(report_inputs, report_definitions, REPORT_AT)
    unowned = [t for t in report.teams if t.team == UNOWNED]
    assert all(t.parent is None for t in unowned)


def test_an_unknown_scorecard_is_an_error_naming_the_known_ones(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    with pytest.raises(ReportError, match=r"no scorecard 'nope'.*service-maturity"):
        team_report(report_inputs, report_definitions, REPORT_AT, scorecard_id="nope")


def test_since_after_the_report_time_is_an_error(
    report_inputs: ReportInputs, report_definitions: Definitions
) -> None:
    with pytest.raises(ReportError, match="after the report's time"):
        team_report(report_inputs, report_definitions, FIRST_RUN, since=REPORT_AT)
