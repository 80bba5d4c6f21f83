"""What the events of a run are derived from, read from the store: no more than they need.

A finished run is followed by this read on every run, so it reads by need rather
than the whole history as reports do: which entities the run changed (a history
point at the run's time) and the point before it, the documents of those entities,
their owners' Groups (for routing), and only when a campaign is within a rule's
reach (due within its `days`, or overdue), every entity's latest results (and facts,
when that campaign's `applies` may read them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scorecards.cel import make_activation, run_predicate
from scorecards.definitions.compiled import Campaign, Definitions
from scorecards.notifications.events import (
    Event,
    campaign_events,
    entity_events,
    exemption_events,
)
from scorecards.notifications.routing import campaigns_in_window
from scorecards.records.entities import Entity, owner_ref
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import EntityEvaluation
from scorecards.reports.campaigns import Progress, entity_progress
from scorecards.stores.base import Store

CAMPAIGN_EVENTS = frozenset({"campaign-due", "campaign-overdue"})


@dataclass
class EventInputs:
    now: datetime
    changes: list[tuple[EntityEvaluation, EntityEvaluation]]  # (previous, the run's) per entity
    entities: dict[str, Entity]  # those read: changed, exempted, and all for campaigns
    groups: dict[str, Entity]  # the owners' documents, by ref
    campaigns: list[Campaign] = field(default_factory=list)  # those a rule may tell about now
    latest: dict[str, EntityEvaluation] = field(default_factory=dict)  # for campaigns
    facts: dict[str, dict[str, FactSnapshot]] = field(default_factory=dict)  # for `applies`

    def team(self, ref: str) -> str | None:
        entity = self.entities.get(ref)
        return owner_ref(entity) if entity is not None else None

    def facts_of(self, ref: str) -> dict[str, Mapping[str, Any]]:
        return {source: fact.values for source, fact in self.facts.get(ref, {}).items()}


def read_event_inputs(store: Store, definitions: Definitions, now: datetime) -> EventInputs:
    """What `derive_events` needs for the results stored as of `now`."""
    kinds = {kind for rule in definitions.notifications.values() for kind in rule.spec.events}
    refs = store.list_entity_refs()
    changes = list(_changes(store, refs, now))
    campaigns = campaigns_in_window(definitions, now.date())
    wants_campaigns = bool(campaigns)
    needed = {current.entity_ref for _, current in changes}
    if "exemption-expiring" in kinds:
        needed |= {exemption.entity_ref for exemption in definitions.exemptions.values()}
    entities = store.get_entities(refs if wants_campaigns else sorted(needed))
    inputs = EventInputs(now, changes, entities, {}, campaigns)
    owners = {team for ref in entities if (team := inputs.team(ref)) is not None}
    inputs.groups = store.get_entities(sorted(owners))
    if wants_campaigns:
        inputs.latest = store.latest_evaluations(refs)
    has_applies = any(rule.applies is not None for rule in definitions.notifications.values())
    campaign_applies = any(c.applies is not None for c in campaigns)
    if campaign_applies:
        inputs.facts = store.input_facts(refs)
    elif has_applies:
        inputs.facts = store.input_facts(sorted(needed))
    return inputs


def _changes(
    store: Store, refs: list[str], now: datetime
) -> Iterator[tuple[EntityEvaluation, EntityEvaluation]]:
    """(previous, new) results of each entity whose results the run at `now` changed."""
    before = now - timedelta(microseconds=1)
    for ref in refs:
        changed = store.evaluation_history(ref, since=now, until=now)
        if not changed:
            continue
        previous = store.evaluation_history(ref, until=before)
        if previous:  # an entity scored for the first time has nothing to compare with
            yield previous[-1], changed[-1]


def derive_events(definitions: Definitions, inputs: EventInputs) -> Iterator[Event]:
    """Every event the inputs show as of their time."""
    kinds = {kind for rule in definitions.notifications.values() for kind in rule.spec.events}
    for previous, current in inputs.changes:
        team = inputs.team(current.entity_ref)
        yield from entity_events(definitions, previous, current, team)
    if kinds & CAMPAIGN_EVENTS:
        for campaign in inputs.campaigns:
            yield from campaign_events(
                campaign, _remaining_by_team(definitions, campaign, inputs), inputs.now.date()
            )
    if "exemption-expiring" in kinds:
        exemptions = [e for e in definitions.exemptions.values() if e.entity_ref in inputs.entities]
        owners = {e.entity_ref: inputs.team(e.entity_ref) for e in exemptions}
        yield from exemption_events(exemptions, owners, inputs.now.date())


def _remaining_by_team(
    definitions: Definitions, campaign: Campaign, inputs: EventInputs
) -> Mapping[str, list[str]]:
    """The campaign's remaining entities per owning team (as its report counts them)."""
    remaining: dict[str, list[str]] = {}
    today = inputs.now.date()
    for ref, entity in sorted(inputs.entities.items()):
        if campaign.applies is not None:
            activation = make_activation(entity, inputs.facts_of(ref), inputs.now)
            if run_predicate(campaign.applies, activation, "applies") is not True:
                continue
        progress, _ = entity_progress(
            definitions, campaign.spec.checks, ref, inputs.latest.get(ref), today
        )
        team = inputs.team(ref)
        if progress == Progress.REMAINING and team is not None:
            remaining.setdefault(team, []).append(ref)
    return remaining
