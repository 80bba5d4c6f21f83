"""What happened, worth telling a team: events derived from stored results and definitions.

Pure: every function takes the results, the definitions and the day, and reads no
store and no clock, so the same inputs give the same events and the same keys.

- An entity's two consecutive result states (its previous history point and the
  run's result) give `level-dropped` / `level-rose` per scorecard (a level is
  higher when it comes later in the scorecard's `levels`; no level is below all)
  and `check-failing` / `check-recovered` per check (failing: status fail;
  recovered: fail before, pass or exempt now). An entity scored for the first time
  has no previous state, so a new catalog floods nobody.
- A campaign with a team's entities remaining gives `campaign-due` (deadline today
  or later) or `campaign-overdue` (past it), one per team.
- An exemption whose `expires` day is today or later gives `exemption-expiring`.

Each event's `key` names what happened, not when it was seen: deriving the same
event again gives the same key, which is how a re-run is kept from sending it twice.
A level or check change is keyed with the time of the run that made it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from scorecards.definitions.compiled import Campaign, Definitions, Exemption
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.results import EntityEvaluation, Status

RECOVERED = frozenset({Status.PASS, Status.EXEMPT})


@dataclass(frozen=True)
class Item:
    """One line of an event's detail: a failing check and what to do about it."""

    check: str
    name: str
    message: str | None = None
    remediation: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (title, url)


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    title: str  # one line, e.g. "payments-api dropped from Gold to Silver in Production readiness"
    team: str | None  # the owning group's ref; None when the entity has no owner
    entity: str | None = None
    scorecard: str | None = None
    check: str | None = None
    campaign: str | None = None
    severity: str | None = None
    days_left: int | None = None  # campaign and exemption events
    items: tuple[Item, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        values = dict(data)
        values["items"] = tuple(
            Item(**{**item, "links": tuple(tuple(link) for link in item.get("links", ()))})
            for item in values.get("items", ())
        )
        return cls(**values)


def entity_events(
    definitions: Definitions,
    previous: EntityEvaluation,
    current: EntityEvaluation,
    team: str | None,
) -> list[Event]:
    """What changed for one entity between two consecutive result states."""
    return [
        *_level_events(definitions, previous, current, team),
        *_check_events(definitions, previous, current, team),
    ]


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _level_events(
    definitions: Definitions,
    previous: EntityEvaluation,
    current: EntityEvaluation,
    team: str | None,
) -> Iterator[Event]:
    ref = current.entity_ref
    when = format_timestamp(current.evaluated_at)
    for result in current.scorecards:
        scorecard = definitions.scorecards.get(result.scorecard_id)
        before = previous.scorecard(result.scorecard_id)
        if scorecard is None or before is None or before.level == result.level:
            continue
        order = [level.name for level in scorecard.levels]
        rank_before = order.index(before.level) if before.level in order else -1
        rank_now = order.index(result.level) if result.level in order else -1
        if rank_before == rank_now:
            continue
        kind, verb = (
            ("level-dropped", "dropped") if rank_now < rank_before else ("level-rose", "rose")
        )
        levels = f"{before.level or 'no level'} to {result.level or 'no level'}"
        yield Event(
            kind=kind,
            key=f"{kind}:{ref}:{scorecard.id}:{before.level}>{result.level}@{when}",
            title=f"{_name(ref)} {verb} from {levels} in {scorecard.spec.name}",
            team=team,
            entity=ref,
            scorecard=scorecard.id,
            items=_failing_items(definitions, current, [c for c, _ in scorecard.weights]),
        )


def _check_events(
    definitions: Definitions,
    previous: EntityEvaluation,
    current: EntityEvaluation,
    team: str | None,
) -> Iterator[Event]:
    ref = current.entity_ref
    when = format_timestamp(current.evaluated_at)
    for result in current.checks:
        check = definitions.checks.get(result.check_id)
        before = previous.check(result.check_id)
        if check is None or before is None:
            continue
        if result.status == Status.FAIL and before.status != Status.FAIL:
            kind, verb = "check-failing", "now fails"
        elif before.status == Status.FAIL and result.status in RECOVERED:
            kind, verb = (
                "check-recovered",
                "passes again" if result.status == Status.PASS else "is exempt",
            )
        else:
            continue
        yield Event(
            kind=kind,
            key=f"{kind}:{ref}:{check.id}@{when}",
            title=f"{_name(ref)} {verb}: {check.spec.name} ({check.spec.severity})",
            team=team,
            entity=ref,
            check=check.id,
            severity=check.spec.severity,
            items=_failing_items(definitions, current, [check.id])
            if kind == "check-failing"
            else (),
        )


def _failing_items(
    definitions: Definitions, evaluation: EntityEvaluation, check_ids: Sequence[str]
) -> tuple[Item, ...]:
    """The checks among `check_ids` that fail, worst severity first, with their remediation."""
    items = []
    for check_id in check_ids:
        result = evaluation.check(check_id)
        check = definitions.checks.get(check_id)
        if result is None or check is None or result.status != Status.FAIL:
            continue
        links = tuple((link.title, link.url) for link in check.spec.links)
        items.append(
            (
                -check.weight,
                Item(check_id, check.spec.name, result.message, check.spec.remediation, links),
            )
        )
    return tuple(item for _, item in sorted(items, key=lambda pair: (pair[0], pair[1].check)))


def campaign_events(
    campaign: Campaign, remaining_by_team: Mapping[str, Sequence[str]], today: date
) -> list[Event]:
    """Per team with entities remaining: the campaign is due (deadline today or later)
    or overdue (past it)."""
    spec = campaign.spec
    days_left = (spec.deadline - today).days
    kind = "campaign-due" if days_left >= 0 else "campaign-overdue"
    events = []
    for team, refs in sorted(remaining_by_team.items()):
        if not refs:
            continue
        count = f"{len(refs)} entit{'y' if len(refs) == 1 else 'ies'}"
        if kind == "campaign-due":
            when = "today" if days_left == 0 else f"in {days_left} day{'s' * (days_left != 1)}"
            title = (
                f"{spec.name}: {count} of {_name(team)} still to do, due {when} ({spec.deadline})"
            )
        else:
            title = (
                f"{spec.name} is overdue since {spec.deadline}: {count} of {_name(team)} remaining"
            )
        events.append(
            Event(
                kind=kind,
                key=f"{kind}:{campaign.id}:{team}:{spec.deadline}",
                title=title,
                team=team,
                campaign=campaign.id,
                days_left=days_left,
                items=tuple(Item(ref, _name(ref)) for ref in sorted(refs)),
            )
        )
    return events


def exemption_events(
    exemptions: Sequence[Exemption], owners: Mapping[str, str | None], today: date
) -> list[Event]:
    """Exemptions that still hold, each with its days left (the rule decides how near)."""
    events = []
    for exemption in exemptions:
        spec = exemption.spec
        days_left = (spec.expires - today).days
        if days_left < 0:
            continue
        ref = exemption.entity_ref
        events.append(
            Event(
                kind="exemption-expiring",
                key=f"exemption-expiring:{spec.check}:{ref}:{spec.expires}",
                title=f"{_name(ref)}: the exemption from {spec.check} expires on {spec.expires}",
                team=owners.get(ref),
                entity=ref,
                check=spec.check,
                days_left=days_left,
            )
        )
    return events
