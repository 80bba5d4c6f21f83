"""Properties of the scorer over arbitrary scorecards (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from scorecards.definitions.compiled import LevelRule
from scorecards.engine.scoring import compute_level, compute_score
from scorecards.records.results import Status

# Quarter steps keep every sum exact in binary floating point, so reordering
# checks cannot move a score across a rounding boundary by one ulp.
weights = st.integers(min_value=1, max_value=4000).map(lambda quarters: quarters / 4)
statuses = st.sampled_from(list(Status))


@dataclass(frozen=True)
class Card:
    checks: list[tuple[str, Status, float]]
    levels: tuple[LevelRule, ...]

    @property
    def weighted(self) -> list[tuple[Status, float]]:
        return [(status, weight) for _, status, weight in self.checks]

    @property
    def statuses(self) -> dict[str, Status]:
        return {check_id: status for check_id, status, _ in self.checks}

    def score(self) -> float | None:
        return compute_score(self.weighted)

    def level_rank(self) -> int:
        """0 for no level, else 1 + the index of the level reached."""
        level = compute_level(self.levels, self.statuses, self.score())
        names = [rule.name for rule in self.levels]
        return 0 if level is None else names.index(level) + 1


@st.composite
def cards(draw: st.DrawFn) -> Card:
    count = draw(st.integers(min_value=0, max_value=12))
    checks = [(f"check-{i}", draw(statuses), draw(weights)) for i in range(count)]
    ids = [check_id for check_id, _, _ in checks]
    level_count = draw(st.integers(min_value=0, max_value=4))
    min_scores = sorted(
        draw(st.lists(st.integers(0, 100), min_size=level_count, max_size=level_count))
    )
    levels = []
    for index in range(level_count):
        required = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)) if ids else []
        min_score = float(min_scores[index]) if draw(st.booleans()) else None
        levels.append(LevelRule(f"level-{index}", tuple(required), min_score))
    return Card(checks, tuple(levels))


@given(cards())
def test_a_score_is_none_or_between_0_and_100(card: Card) -> None:
    score = card.score()
    assert score is None or 0.0 <= score <= 100.0


@given(cards())
def test_a_score_is_none_exactly_when_every_check_skips(card: Card) -> None:
    all_skip = all(status is Status.SKIP for status, _ in card.weighted)
    assert (card.score() is None) == all_skip


@given(st.lists(weights, min_size=1, max_size=20))
def test_all_passing_checks_score_100(check_weights: list[float]) -> None:
    assert compute_score([(Status.PASS, weight) for weight in check_weights]) == 100.0


@given(st.lists(weights, min_size=1, max_size=20))
def test_all_failing_checks_score_0(check_weights: list[float]) -> None:
    assert compute_score([(Status.FAIL, weight) for weight in check_weights]) == 0.0


@given(cards(), st.data())
def test_the_order_of_checks_does_not_change_the_score(card: Card, data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(card.weighted))
    assert compute_score(shuffled) == card.score()


@given(cards(), st.data())
def test_turning_a_fail_into_a_pass_never_lowers_the_score_or_level(
    card: Card, data: st.DataObject
) -> None:
    failing = [index for index, (_, status, _) in enumerate(card.checks) if status is Status.FAIL]
    if not failing:
        return
    index = data.draw(st.sampled_from(failing))
    check_id, _, weight = card.checks[index]
    fixed = Card(
        [*card.checks[:index], (check_id, Status.PASS, weight), *card.checks[index + 1 :]],
        card.levels,
    )
    before, after = card.score(), fixed.score()
    assert before is not None and after is not None
    assert after >= before
    assert fixed.level_rank() >= card.level_rank()


@given(cards())
def test_a_level_reached_means_every_lower_level_holds_on_its_own(card: Card) -> None:
    rank = card.level_rank()
    score = card.score()
    for rule in card.levels[:rank]:
        assert compute_level((rule,), card.statuses, score) == rule.name


@given(cards())
def test_all_passing_checks_reach_every_level(card: Card) -> None:
    passing = Card([(c, Status.PASS, w) for c, _, w in card.checks], card.levels)
    if passing.score() is None and any(r.min_score is not None for r in card.levels):
        return  # no checks, so no score to reach a minScore with
    assert passing.level_rank() == len(card.levels)
