"""Campaign progress: per campaign and owning team, what is done, what remains, by when.

An entity is in a campaign's scope when the campaign's `applies` holds for it. It is
done when each campaign check is pass, skip (not applicable) or exempt; counted as
exempt (a part of done) when at least one of them is exempt. A stored `exempt` counts
only while the exemption is valid: past its `expires` day it is remaining, even if no
run has re-scored the entity since. Remaining entities are overdue after the deadline.

The burn-down gives, for each day from the campaign's start (or the first stored
result, if later) to the report's day, how many in-scope entities remained, reading
each entity's last stored result at the end of that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from scorecards.cel import make_activation, run_predicate
from scorecards.definitions.compiled import Campaign, Definitions
from scorecards.records.results import EntityEvaluation, Status
from scorecards.reports.inputs import ReportError, ReportInputs
from scorecards.reports.ownership import Ownership
from scorecards.reports.timeline import days_between, last_each_day_until


class Progress(StrEnum):
    DONE = "done"  # every campaign check passes or does not apply
    EXEMPT = "exempt"  # done, with at least one check waived by a valid exemption
    REMAINING = "remaining"


@dataclass(frozen=True)
class CampaignCounts:
    in_scope: int = 0
    done: int = 0  # exempt entities included
    exempt: int = 0
    remaining: int = 0
    overdue: int = 0  # remaining, and the deadline has passed


@dataclass(frozen=True)
class BurndownPoint:
    day: date
    in_scope: int  # in-scope entities with a stored result by the end of the day
    remaining: int


@dataclass(frozen=True)
class CampaignEntity:
    ref: str
    team: str
    progress: Progress
    outstanding: tuple[str, ...]  # campaign checks not yet pass/skip/exempt


@dataclass(frozen=True)
class CampaignTeam:
    team: str
    counts: CampaignCounts
    burndown: tuple[BurndownPoint, ...]


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: str
    name: str
    description: str
    checks: tuple[str, ...]
    starts: date | None
    deadline: date
    generated_at: datetime
    counts: CampaignCounts
    teams: tuple[CampaignTeam, ...]  # most remaining first
    entities: tuple[CampaignEntity, ...]  # remaining first, then by ref
    burndown: tuple[BurndownPoint, ...]
    errors: tuple[tuple[str, str], ...] = ()  # (entity ref, why `applies` failed)

    @property
    def is_past_deadline(self) -> bool:
        return self.generated_at.date() > self.deadline

    @property
    def days_left(self) -> int:
        """Days until the deadline (inclusive of it); negative once past it."""
        return (self.deadline - self.generated_at.date()).days


def campaign_report(
    inputs: ReportInputs, definitions: Definitions, campaign_id: str, now: datetime
) -> CampaignReport:
    """Progress of one campaign as of `now`; ReportError when there is no such campaign."""
    campaign = definitions.campaigns.get(campaign_id)
    if campaign is None:
        known = ", ".join(definitions.campaigns) or "none"
        raise ReportError(f"no campaign '{campaign_id}' — the definitions have: {known}")
    return _report(inputs, definitions, campaign, now, Ownership.of(inputs.entities.values()))


def campaign_reports(
    inputs: ReportInputs, definitions: Definitions, now: datetime
) -> list[CampaignReport]:
    """Every campaign's progress, nearest deadline first."""
    ownership = Ownership.of(inputs.entities.values())
    reports = [
        _report(inputs, definitions, c, now, ownership) for c in definitions.campaigns.values()
    ]
    return sorted(reports, key=lambda r: (r.deadline, r.campaign_id))


def _report(
    inputs: ReportInputs,
    definitions: Definitions,
    campaign: Campaign,
    now: datetime,
    ownership: Ownership,
) -> CampaignReport:
    scope, errors = _scope(inputs, campaign, now)
    spec = campaign.spec
    today = now.date()
    is_overdue = today > spec.deadline
    entities: list[CampaignEntity] = []
    for ref in scope:
        evaluation = inputs.evaluation_at(ref, now)
        progress, outstanding = entity_progress(definitions, spec.checks, ref, evaluation, today)
        entities.append(CampaignEntity(ref, ownership.owner(ref), progress, outstanding))
    entities.sort(key=lambda e: (e.progress != Progress.REMAINING, e.ref))
    by_team: dict[str, list[CampaignEntity]] = defaultdict(list)
    for entity in entities:
        by_team[entity.team].append(entity)
    daily = _daily_progress(inputs, definitions, campaign, scope, now)
    teams = [
        CampaignTeam(
            team,
            _counts(members, is_overdue),
            _burndown(daily, {m.ref for m in members}),
        )
        for team, members in by_team.items()
    ]
    teams.sort(key=lambda t: (-t.counts.remaining, t.team))
    return CampaignReport(
        campaign_id=campaign.id,
        name=spec.name,
        description=spec.description,
        checks=tuple(spec.checks),
        starts=spec.starts,
        deadline=spec.deadline,
        generated_at=now,
        counts=_counts(entities, is_overdue),
        teams=tuple(teams),
        entities=tuple(entities),
        burndown=_burndown(daily, set(scope)),
        errors=tuple(errors),
    )


def entity_progress(
    definitions: Definitions,
    checks: Sequence[str],
    ref: str,
    evaluation: EntityEvaluation | None,
    day: date,
) -> tuple[Progress, tuple[str, ...]]:
    """Where one entity stands in a campaign on `day`, and the checks it still owes."""
    outstanding: list[str] = []
    is_exempt = False
    for check_id in checks:
        result = evaluation.check(check_id) if evaluation is not None else None
        status = result.status if result is not None else None
        if status in (Status.PASS, Status.SKIP):
            continue
        if status == Status.EXEMPT and _is_exemption_valid(definitions, check_id, ref, day):
            is_exempt = True
            continue
        outstanding.append(check_id)
    if outstanding:
        return Progress.REMAINING, tuple(outstanding)
    return (Progress.EXEMPT if is_exempt else Progress.DONE), ()


def _is_exemption_valid(definitions: Definitions, check_id: str, ref: str, day: date) -> bool:
    # An exemption no longer in the definitions cannot be dated: trust the stored status.
    exemption = definitions.exemptions.get((check_id, ref))
    return exemption is None or exemption.is_active(day)


def _scope(
    inputs: ReportInputs, campaign: Campaign, now: datetime
) -> tuple[list[str], list[tuple[str, str]]]:
    if campaign.applies is None:
        return sorted(inputs.entities), []
    scope: list[str] = []
    errors: list[tuple[str, str]] = []
    for ref in sorted(inputs.entities):
        facts = {s: f.values for s, f in inputs.facts.get(ref, {}).items()}
        activation = make_activation(inputs.entities[ref], facts, now)
        applies = run_predicate(campaign.applies, activation, "applies")
        if isinstance(applies, str):
            errors.append((ref, applies))
        elif applies:
            scope.append(ref)
    return scope, errors


def _counts(entities: Iterable[CampaignEntity], is_overdue: bool) -> CampaignCounts:
    progress = [e.progress for e in entities]
    remaining = progress.count(Progress.REMAINING)
    exempt = progress.count(Progress.EXEMPT)
    return CampaignCounts(
        in_scope=len(progress),
        done=len(progress) - remaining,
        exempt=exempt,
        remaining=remaining,
        overdue=remaining if is_overdue else 0,
    )


# day -> entity ref -> whether it remained at the end of that day
DailyProgress = dict[date, dict[str, bool]]


def _daily_progress(
    inputs: ReportInputs,
    definitions: Definitions,
    campaign: Campaign,
    scope: Sequence[str],
    now: datetime,
) -> DailyProgress:
    firsts = [h[0].evaluated_at.date() for ref in scope if (h := inputs.history.get(ref))]
    if not firsts:
        return {}
    first = min(firsts)
    if campaign.spec.starts is not None:
        first = max(first, campaign.spec.starts)
    days = days_between(first, now.date())
    daily: DailyProgress = {day: {} for day in days}
    checks = campaign.spec.checks
    for ref in scope:
        points = last_each_day_until(inputs.history.get(ref, ()), days, now)
        for day, evaluation in points.items():
            progress, _ = entity_progress(definitions, checks, ref, evaluation, day)
            daily[day][ref] = progress == Progress.REMAINING
    return daily


def _burndown(
    daily: Mapping[date, Mapping[str, bool]], refs: set[str]
) -> tuple[BurndownPoint, ...]:
    points = []
    for day, remaining in daily.items():
        known = [is_left for ref, is_left in remaining.items() if ref in refs]
        points.append(BurndownPoint(day, len(known), sum(known)))
    return tuple(points)
