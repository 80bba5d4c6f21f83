"""A run's summary is the same whether made from results or from their stored form."""

from __future__ import annotations

from collections.abc import Callable

from scorecards.definitions.compiled import Definitions
from scorecards.records.results import CheckResult, EntityEvaluation, ScorecardResult, Status
from scorecards.reports.summaries import summarize, summarize_stored
from tests.conftest import NOW

DEFINITIONS = """
checks:
  - id: has-owner
    name: Has an owner
    rule: has(entity.spec.owner)
  - id: has-docs
    name: Has docs
    rule: has(entity.metadata.description)
scorecards:
  - id: basics
    name: Basics
    checks: [has-owner, has-docs]
    levels:
      - name: Bronze
        checks: [has-owner]
"""


def evaluation(ref: str, docs: Status, score: float | None, level: str | None) -> EntityEvaluation:
    checks = [CheckResult("has-owner", Status.PASS), CheckResult("has-docs", docs, "no docs")]
    counts = {"pass": 1 + (docs is Status.PASS)}
    return EntityEvaluation(
        ref, NOW, "v1", checks, [ScorecardResult("basics", score, level, counts)]
    )


def test_the_summary_of_stored_results_is_the_summary_of_the_results(
    load: Callable[..., Definitions],
) -> None:
    definitions = load(checks=DEFINITIONS)
    evaluations = [
        evaluation("component:default/a", Status.PASS, 100.0, "Bronze"),
        evaluation("component:default/b", Status.FAIL, 50.0, "Bronze"),
        evaluation("component:default/c", Status.ERROR, None, None),
    ]
    from_results = summarize(definitions, evaluations)
    from_stored = summarize_stored(definitions, (e.to_dict() for e in evaluations))
    assert from_stored == from_results
    assert from_stored.failing_checks == [("has-docs", 2)]
    assert from_stored.statuses["pass"] == 4
    assert from_stored.scorecards[0].levels == {"Bronze": 2, "none": 1}
