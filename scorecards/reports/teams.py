"""Team rollups: per owning team (and every group above it) and per scorecard.

For each (team, scorecard): how many entities it applies to, their average
score and level distribution, the checks failing most often, and how the
average moved since a chosen time (from stored history).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from scorecards.definitions.compiled import Definitions, Scorecard
from scorecards.records.results import EntityEvaluation, Status
from scorecards.reports.inputs import ReportError, ReportInputs
from scorecards.reports.ownership import Ownership
from scorecards.reports.summaries import NO_LEVEL

ALL_TEAMS = "(all)"
FAILING = (Status.FAIL, Status.ERROR, Status.UNKNOWN)


@dataclass(frozen=True)
class CheckFailures:
    """How many of a team's entities a check counts against, by status."""

    check_id: str
    fail: int
    error: int
    unknown: int

    @property
    def total(self) -> int:
        return self.fail + self.error + self.unknown


@dataclass(frozen=True)
class TeamScore:
    """One team's standing in one scorecard."""

    team: str  # owner ref, UNOWNED, or ALL_TEAMS for the whole catalog
    scorecard_id: str
    parent: str | None
    depth: int  # groups above the team
    entities: int  # entities the scorecard applies to, sub-teams' included
    direct_entities: int  # of those, owned by the team itself
    scored: int  # entities with a score (a scorecard whose `applies` raised has none)
    average: float | None
    levels: Mapping[str, int]  # every level name, lowest first, then NO_LEVEL
    failing_checks: tuple[CheckFailures, ...]  # most failures first
    average_then: float | None = None  # at `since`, over the same entities
    scored_then: int = 0
    change: float | None = None  # average - average_then


@dataclass(frozen=True)
class ScorecardInfo:
    id: str
    name: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class TeamReport:
    generated_at: datetime
    since: datetime | None
    scorecards: tuple[ScorecardInfo, ...]
    teams: tuple[TeamScore, ...]  # by scorecard, then in group-tree order
    totals: tuple[TeamScore, ...]  # the whole catalog, one per scorecard

    def for_scorecard(self, scorecard_id: str) -> list[TeamScore]:
        return [t for t in self.teams if t.scorecard_id == scorecard_id]


def scorecards_of(definitions: Definitions, scorecard_id: str | None) -> list[Scorecard]:
    """The scorecards a report covers: one, or all; ReportError for an unknown id."""
    if scorecard_id is None:
        return list(definitions.scorecards.values())
    scorecard = definitions.scorecards.get(scorecard_id)
    if scorecard is None:
        known = ", ".join(definitions.scorecards) or "none"
        raise ReportError(f"no scorecard '{scorecard_id}' — the definitions have: {known}")
    return [scorecard]


def team_report(
    inputs: ReportInputs,
    definitions: Definitions,
    now: datetime,
    since: datetime | None = None,
    scorecard_id: str | None = None,
) -> TeamReport:
    """Every team's standing in every scorecard (or only `scorecard_id`) as of `now`."""
    if since is not None and since > now:
        raise ReportError(f"since ({since:%Y-%m-%d %H:%M}) is after the report's time")
    ownership = Ownership.of(inputs.entities.values())
    moments = _Moments(
        _evaluations_at(inputs, now),
        _evaluations_at(inputs, since) if since is not None else {},
        since,
    )
    teams: list[TeamScore] = []
    totals: list[TeamScore] = []
    infos: list[ScorecardInfo] = []
    for scorecard in scorecards_of(definitions, scorecard_id):
        levels = tuple(level.name for level in scorecard.spec.levels)
        infos.append(ScorecardInfo(scorecard.id, scorecard.spec.name, levels))
        members: dict[str, list[str]] = defaultdict(list)
        direct: Counter[str] = Counter()
        applies = [r for r, e in moments.current.items() if e.scorecard(scorecard.id) is not None]
        for ref in applies:
            direct[ownership.owner(ref)] += 1
            for team in ownership.teams_of(ref):
                members[team].append(ref)
        for team in sorted(members, key=ownership.tree_key):
            place = _Place(team, ownership.parent(team), ownership.depth(team), direct[team])
            teams.append(_team_score(place, scorecard, levels, members[team], moments))
        whole = _Place(ALL_TEAMS, None, 0, len(applies))
        totals.append(_team_score(whole, scorecard, levels, applies, moments))
    return TeamReport(now, since, tuple(infos), tuple(teams), tuple(totals))


# The leaderboard ranks by an average blended with this many entities at the
# catalog's average, so one team's one lucky entity cannot top teams of many.
LEADERBOARD_PRIOR_ENTITIES = 3


def adjusted_average(
    team: TeamScore, catalog_average: float | None, prior: int = LEADERBOARD_PRIOR_ENTITIES
) -> float | None:
    """The team's average as the leaderboard ranks it (a Bayesian average): its
    scored entities plus `prior` entities at the catalog's average. A team of one
    entity at 100 in a catalog averaging 70 ranks at 77.5; a team of nine at 95, at 88.8."""
    if team.average is None or catalog_average is None or team.scored == 0:
        return team.average
    return (team.average * team.scored + catalog_average * prior) / (team.scored + prior)


def leaderboard(report: TeamReport, scorecard_id: str) -> list[TeamScore]:
    """Teams that own entities themselves, best adjusted average first (see
    `adjusted_average`; more entities, then the team ref, break ties)."""
    catalog = next((t.average for t in report.totals if t.scorecard_id == scorecard_id), None)
    rows = [t for t in report.for_scorecard(scorecard_id) if t.direct_entities and t.scored]
    return sorted(rows, key=lambda t: (-(adjusted_average(t, catalog) or 0.0), -t.entities, t.team))


def biggest_improvers(report: TeamReport, scorecard_id: str, top: int = 5) -> list[TeamScore]:
    """Teams whose average rose most since the report's `since`, largest rise first."""
    rows = [
        t
        for t in report.for_scorecard(scorecard_id)
        if t.direct_entities and t.change is not None and t.change > 0
    ]
    return sorted(rows, key=lambda t: (-(t.change or 0.0), t.team))[:top]


def _evaluations_at(inputs: ReportInputs, moment: datetime) -> dict[str, EntityEvaluation]:
    found = {ref: inputs.evaluation_at(ref, moment) for ref in inputs.entities}
    return {ref: e for ref, e in found.items() if e is not None}


@dataclass(frozen=True)
class _Place:
    """Where a team sits: its parent, depth and how many entities it owns itself."""

    team: str
    parent: str | None
    depth: int
    direct_entities: int


@dataclass(frozen=True)
class _Moments:
    """Each entity's results now and at `since`."""

    current: Mapping[str, EntityEvaluation]
    before: Mapping[str, EntityEvaluation]
    since: datetime | None


def _team_score(
    place: _Place,
    scorecard: Scorecard,
    levels: Sequence[str],
    refs: Sequence[str],
    moments: _Moments,
) -> TeamScore:
    counts = dict.fromkeys((*levels, NO_LEVEL), 0)
    scores: list[float] = []
    failures: dict[str, Counter[Status]] = defaultdict(Counter)
    check_ids = {check_id for check_id, _ in scorecard.weights}
    for ref in refs:
        evaluation = moments.current[ref]
        card = evaluation.scorecard(scorecard.id)
        assert card is not None
        level = card.level or NO_LEVEL
        counts[level] = counts.get(level, 0) + 1
        if card.score is not None:
            scores.append(card.score)
        for result in evaluation.checks:
            if result.check_id in check_ids and result.status in FAILING:
                failures[result.check_id][result.status] += 1
    failing = sorted(
        (
            CheckFailures(check_id, c[Status.FAIL], c[Status.ERROR], c[Status.UNKNOWN])
            for check_id, c in failures.items()
        ),
        key=lambda f: (-f.total, f.check_id),
    )
    average = _average(scores)
    then_scores = [
        card.score
        for ref in refs
        if (past := moments.before.get(ref)) is not None
        and (card := past.scorecard(scorecard.id)) is not None
        and card.score is not None
    ]
    average_then = _average(then_scores) if moments.since is not None else None
    change = None
    if average is not None and average_then is not None:
        change = round(sum(scores) / len(scores) - sum(then_scores) / len(then_scores), 1)
    return TeamScore(
        team=place.team,
        scorecard_id=scorecard.id,
        parent=place.parent,
        depth=place.depth,
        entities=len(refs),
        direct_entities=place.direct_entities,
        scored=len(scores),
        average=average,
        levels=counts,
        failing_checks=tuple(failing),
        average_then=average_then,
        scored_then=len(then_scores),
        change=change,
    )


def _average(scores: Sequence[float]) -> float | None:
    return round(sum(scores) / len(scores), 1) if scores else None
