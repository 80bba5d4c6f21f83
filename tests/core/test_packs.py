"""The check packs we ship (checks/): valid, documented, tested, and telling on the examples."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scorecards.definitions.compiled import Check, Definitions
from scorecards.definitions.specs import SEVERITY_WEIGHTS
from scorecards.engine.evaluation import evaluate_entities
from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import EntityEvaluation
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from tests.conftest import NOW, REPO_ROOT

PACKS = REPO_ROOT / "checks"
MATURITY = ("service-maturity", "website-maturity", "library-maturity", "api-maturity")


@pytest.fixture(scope="module")
def packs() -> Definitions:
    """Loaded like `scorecards validate checks/`: every inline test must pass."""
    return load_definitions(PACKS, now=NOW)


@pytest.fixture(scope="module")
def examples(packs: Definitions) -> list[EntityEvaluation]:
    """The example catalog scored as `scorecards run` scores it, at the fixed NOW."""
    entities = load_catalog_files(REPO_ROOT / "examples" / "catalog")
    facts: dict[str, dict[str, FactSnapshot]] = {}
    for fact in [
        *catalog_facts(entities, NOW),
        *load_fact_files(REPO_ROOT / "examples" / "facts", NOW),
    ]:
        facts.setdefault(fact.entity_ref, {})[fact.source] = fact.snapshot()
    return evaluate_entities(packs, entities, facts, NOW)


def checks_of(packs: Definitions, file: str) -> list[Check]:
    return [c for c in packs.checks.values() if Path(c.location.file).name == file]


def levels(examples: list[EntityEvaluation], scorecard_id: str) -> Counter[str | None]:
    return Counter(
        card.level
        for evaluation in examples
        if (card := evaluation.scorecard(scorecard_id)) is not None
    )


def test_the_packs_validate_with_every_inline_test_and_no_warning(packs: Definitions) -> None:
    assert packs.warnings == ()
    assert sum(len(c.spec.tests) for c in packs.checks.values()) >= 200


def test_the_packs_hold_enough_checks() -> None:
    packs = load_definitions(PACKS, run_tests=False)
    assert len(checks_of(packs, "maturity.yaml")) >= 25
    assert len(checks_of(packs, "security.yaml")) >= 15
    assert len(checks_of(packs, "adoption.yaml")) >= 4


def test_every_check_says_what_why_and_how_to_fix(packs: Definitions) -> None:
    undocumented = [
        c.id
        for c in packs.checks.values()
        if not (c.spec.name and len(c.spec.description) >= 30 and len(c.spec.remediation) >= 20)
    ]
    assert undocumented == []


def test_every_check_is_tested_passing_and_failing(packs: Definitions) -> None:
    untested = [
        c.id
        for c in packs.checks.values()
        if not {"pass", "fail"} <= {t.expect.value for t in c.spec.tests}
    ]
    assert untested == []


def test_every_scoped_check_is_tested_where_it_does_not_apply(packs: Definitions) -> None:
    untested = [
        c.id
        for c in packs.checks.values()
        if c.applies is not None and "skip" not in {t.expect.value for t in c.spec.tests}
    ]
    assert untested == []


def test_every_check_that_requires_facts_is_tested_without_them(packs: Definitions) -> None:
    untested = [
        c.id
        for c in packs.checks.values()
        if c.spec.requires and "unknown" not in {t.expect.value for t in c.spec.tests}
    ]
    assert untested == []


def test_ownership_checks_that_need_the_whole_catalog_require_catalog_facts(
    packs: Definitions,
) -> None:
    for check_id in ("owner-exists", "deprecated-without-dependents"):
        assert packs.checks[check_id].spec.requires == ["catalog"]


def test_the_security_scorecard_weighs_each_check_by_its_severity(packs: Definitions) -> None:
    scorecard = packs.scorecards["security"]
    assert len(scorecard.weights) >= 15
    for check_id, weight in scorecard.weights:
        assert weight == SEVERITY_WEIGHTS[packs.checks[check_id].spec.severity], check_id


def test_the_security_score_also_reads_out_of_10(packs: Definitions) -> None:
    assert packs.scorecards["security"].spec.scale == 10


def test_maturity_scorecards_rank_bronze_silver_gold(packs: Definitions) -> None:
    for scorecard_id in MATURITY:
        names = [level.name for level in packs.scorecards[scorecard_id].levels]
        assert names == ["Bronze", "Silver", "Gold"], scorecard_id


def test_the_adoption_campaign_tracks_every_adoption_check(packs: Definitions) -> None:
    campaign = packs.campaigns["platform-annotations"]
    assert set(campaign.spec.checks) == {c.id for c in checks_of(packs, "adoption.yaml")}


def test_the_examples_reach_every_maturity_level_and_miss_them_too(
    examples: list[EntityEvaluation],
) -> None:
    seen: Counter[str | None] = Counter()
    for scorecard_id in MATURITY:
        seen.update(levels(examples, scorecard_id))
    assert {"Bronze", "Silver", "Gold", None} <= set(seen)
    assert seen["Gold"] < sum(seen.values()) / 2, "most entities should have room to improve"


@pytest.mark.parametrize(
    "scorecard_id", ["service-maturity", "website-maturity", "library-maturity", "security"]
)
def test_no_scorecard_gives_every_example_the_same_level(
    examples: list[EntityEvaluation], scorecard_id: str
) -> None:
    assert len(levels(examples, scorecard_id)) >= 3


def test_the_examples_exercise_every_outcome_of_the_catalog_checks(
    examples: list[EntityEvaluation],
) -> None:
    statuses = {
        (result.check_id, result.status.value)
        for evaluation in examples
        for result in evaluation.checks
    }
    assert ("owner-exists", "pass") in statuses
    assert ("owner-exists", "fail") in statuses  # chargeback-service's team was merged away
