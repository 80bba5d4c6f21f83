"""Score trends: daily points per entity, per team and per scorecard, from stored history.

An entity has a point for each day its results changed (its last score that day)
and for the day of the last run that confirmed them: stored history holds changes.
A team's (or the whole catalog's) point for a day is the average over its entities
of the score each had at the end of that day, carried forward from its last change;
days are those on which any of them has a point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scorecards.definitions.compiled import Definitions, Scorecard
from scorecards.records.results import EntityEvaluation
from scorecards.reports.inputs import ReportError, ReportInputs
from scorecards.reports.ownership import Ownership
from scorecards.reports.teams import scorecards_of
from scorecards.reports.timeline import last_each_day_until, last_point_each_day


class Subject(StrEnum):
    ENTITY = "entity"
    TEAM = "team"
    CATALOG = "catalog"


@dataclass(frozen=True)
class TrendPoint:
    day: date
    average: float | None  # one entity's score, or the average over a team's entities
    entities: int  # entities with a score that day


@dataclass(frozen=True)
class TrendSeries:
    subject: Subject
    key: str  # entity ref, team ref, or "catalog"
    scorecard_id: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class TrendReport:
    generated_at: datetime
    since: datetime | None
    series: tuple[TrendSeries, ...]


def trend_report(
    inputs: ReportInputs,
    definitions: Definitions,
    now: datetime,
    *,
    entity: str | None = None,
    team: str | None = None,
    scorecard_id: str | None = None,
    since: datetime | None = None,
) -> TrendReport:
    """Daily score series up to `now`: of one entity, of one team (its sub-teams
    included), or of the whole catalog; per scorecard (or only `scorecard_id`)."""
    if entity is not None and team is not None:
        raise ReportError("ask for the trend of an entity or of a team, not both")
    scorecards = scorecards_of(definitions, scorecard_id)
    if entity is not None:
        if entity not in inputs.entities:
            raise ReportError(f"no entity {entity} in the store — check the ref")
        series = _entity_series(inputs, entity, scorecards, since, now)
    else:
        refs = sorted(inputs.entities)
        subject, key = Subject.CATALOG, "catalog"
        if team is not None:
            ownership = Ownership.of(inputs.entities.values())
            refs = [ref for ref in refs if team in ownership.teams_of(ref)]
            if not refs:
                raise ReportError(f"team {team} owns no entity in the store — check the ref")
            subject, key = Subject.TEAM, team
        series = _group_series(inputs, refs, subject, key, scorecards, since, now)
    return TrendReport(now, since, tuple(series))


def _entity_series(
    inputs: ReportInputs,
    ref: str,
    scorecards: Sequence[Scorecard],
    since: datetime | None,
    now: datetime,
) -> list[TrendSeries]:
    daily = last_point_each_day(inputs.history.get(ref, ()), since, now)
    series = []
    for scorecard in scorecards:
        points = []
        for day, evaluation in daily.items():
            card = evaluation.scorecard(scorecard.id)
            if card is not None:
                score = card.score
                points.append(TrendPoint(day, score, 0 if score is None else 1))
        if points:
            series.append(TrendSeries(Subject.ENTITY, ref, scorecard.id, tuple(points)))
    return series


def _group_series(
    inputs: ReportInputs,
    refs: Sequence[str],
    subject: Subject,
    key: str,
    scorecards: Sequence[Scorecard],
    since: datetime | None,
    now: datetime,
) -> list[TrendSeries]:
    days = sorted(
        {
            day
            for ref in refs
            for day in last_point_each_day(inputs.history.get(ref, ()), since, now)
        }
    )
    by_entity = {ref: last_each_day_until(inputs.history.get(ref, ()), days, now) for ref in refs}
    return [
        TrendSeries(subject, key, scorecard.id, _averages(by_entity, days, scorecard.id))
        for scorecard in scorecards
    ]


def _averages(
    by_entity: Mapping[str, Mapping[date, EntityEvaluation]],
    days: Sequence[date],
    scorecard_id: str,
) -> tuple[TrendPoint, ...]:
    scores: dict[date, list[float]] = defaultdict(list)
    for points in by_entity.values():
        for day, evaluation in points.items():
            card = evaluation.scorecard(scorecard_id)
            if card is not None and card.score is not None:
                scores[day].append(card.score)
    return tuple(
        TrendPoint(
            day,
            round(sum(scores[day]) / len(scores[day]), 1) if scores[day] else None,
            len(scores[day]),
        )
        for day in days
    )
