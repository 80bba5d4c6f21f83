"""After a run: derive its events, route them, send what is new, record every outcome.

`notify_run` is called once a run's results are stored (scorecards/runs/orchestrator.py
in this process; a Celery task on workers). It reads the store like the reports do,
derives the events (events.py) as of the run's time, and for each rule that wants
one, each destination and the team's address:

- already recorded sent or pending: suppressed, recorded once as a duplicate;
- a digest rule: recorded pending, for the digest;
- otherwise sent now, and recorded sent or failed.

Then each digest rule whose cron has fired since its pending events were recorded
sends them, one message per team and destination. With `dry_run` nothing is sent or
recorded: the messages are returned to be shown. `notify_after_run` is the guarded
call a finishing run makes: whatever fails is logged, and the run stays as it ended.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from scorecards.cel import make_activation, run_predicate
from scorecards.definitions.compiled import Definitions, Notification
from scorecards.definitions.specs import DestinationSpec
from scorecards.notifications.delivery import DEFAULT_POLICY, Delivered, deliver
from scorecards.notifications.events import Event
from scorecards.notifications.inputs import EventInputs, derive_events, read_event_inputs
from scorecards.notifications.issues import IssueAction, apply_issues, plan_issues
from scorecards.notifications.routing import (
    Outgoing,
    address_of,
    group_digests,
    is_wanted,
    last_fire,
    record_key,
)
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.runs import Run, RunState
from scorecards.retry import Clock, RetryPolicy
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

MAX_PENDING = 10_000  # pending digest events read at once


@dataclass
class NotifyReport:
    """What `notify_run` did: counts per outcome, and the messages (sent or, dry, not)."""

    sent: int = 0
    failed: int = 0
    duplicates: int = 0
    pending: int = 0
    messages: list[Outgoing] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issues: list[IssueAction] = field(default_factory=list)  # remediation issues (issues.py)
    issues_failed: int = 0

    def summary(self) -> str:
        text = (
            f"{self.sent} sent, {self.failed} failed, {self.pending} pending for a digest, "
            f"{self.duplicates} duplicate{'s' * (self.duplicates != 1)} suppressed"
        )
        if self.issues:
            done = len(self.issues) - self.issues_failed
            text += (
                f"; GitHub issues: {done} opened, updated or closed, {self.issues_failed} failed"
            )
        return text


def notify_after_run(store: Store, definitions: Definitions, run: Run) -> NotifyReport | None:
    """`notify_run` for a run that just finished; never raises (the run is already stored)."""
    if run.state not in (RunState.SUCCEEDED, RunState.PARTIAL):
        return None
    return notify_guarded(store, definitions, run.evaluated_at, f"run {run.id}")


def notify_guarded(
    store: Store, definitions: Definitions, now: datetime, what: str
) -> NotifyReport | None:
    """`notify_run` that logs what fails instead of raising (`what` names the occasion)."""
    if not definitions.notifications:
        return None
    try:
        report = notify_run(store, definitions, now)
    except Exception as exc:
        log.error("%s: notifications not sent: %s: %s", what, type(exc).__name__, exc)
        return None
    log.info("%s: notifications: %s", what, report.summary())
    return report


def notify_run(
    store: Store,
    definitions: Definitions,
    now: datetime,
    *,
    environ: Mapping[str, str] | None = None,
    dry_run: bool = False,
    policy: RetryPolicy = DEFAULT_POLICY,
    clock: Clock | None = None,
) -> NotifyReport:
    """Notify what the results stored as of `now` (a run's time) call for; see the module."""
    report = NotifyReport()
    if not definitions.notifications:
        return report
    inputs = read_event_inputs(store, definitions, now)
    events = list(derive_events(definitions, inputs))
    report.issues = plan_issues(definitions, inputs, store)
    planned = list(_plan(definitions, inputs, events, now, report))
    existing = store.get_notifications([entry.key for entry in planned])
    records: list[NotificationRecord] = []
    immediate: list[Outgoing] = []
    for entry in planned:
        known = existing.get(entry.key)
        if known is not None and known.outcome in (Outcome.SENT, Outcome.PENDING):
            report.duplicates += 1
            records.append(entry.record(Outcome.DUPLICATE, now, key=f"{entry.key}|duplicate"))
        elif entry.address is None:
            report.failed += 1
            records.append(entry.record(Outcome.FAILED, now, error=entry.no_route()))
        elif entry.rule.spec.digest is not None:
            report.pending += 1
            records.append(entry.record(Outcome.PENDING, now, keep_event=True))
        else:
            immediate.append(entry.outgoing())
    digests = list(_due_digests(definitions, store, now, records))
    report.messages = [*immediate, *digests]
    if dry_run:
        return report
    store.record_notifications(records)
    environ = os.environ if environ is None else environ
    outcomes = deliver(report.messages, environ, policy, clock)
    store.record_notifications(
        list(_settled(report, report.messages, outcomes, planned, store, now))
    )
    report.issues_failed = apply_issues(report.issues, store, environ, now, policy, clock).failed
    return report


@dataclass(frozen=True)
class _Planned:
    """One event for one rule's destination and the team's address there (None: no route)."""

    rule: Notification
    destination: DestinationSpec
    address: str | None
    event: Event

    @property
    def key(self) -> str:
        return record_key(self.rule.id, self.destination, self.address or "-", self.event.key)

    def no_route(self) -> str:
        team = self.event.team or "an entity without an owner"
        if self.destination.type == "email":
            return f"{team} has no spec.profile.email and the destination has no default address"
        return (
            f"{team} has no {self.destination.channel_annotation} annotation listed in the "
            "destination's channels, and the destination has no default"
        )

    def outgoing(self) -> Outgoing:
        assert self.address is not None
        return Outgoing(
            self.rule.id,
            self.destination,
            self.address,
            self.event.team,
            (self.event,),
            (self.key,),
        )

    def record(
        self,
        outcome: Outcome,
        at: datetime,
        *,
        key: str | None = None,
        error: str | None = None,
        attempts: int = 0,
        keep_event: bool = False,
    ) -> NotificationRecord:
        return NotificationRecord(
            key=key or self.key,
            rule=self.rule.id,
            event=self.event.kind,
            title=self.event.title,
            team=self.event.team,
            destination=self.destination.type,
            address=self.address or "-",
            outcome=outcome,
            at=at,
            entity=self.event.entity,
            attempts=attempts,
            error=error,
            event_data=self.event.to_dict() if keep_event else None,
        )


def _plan(
    definitions: Definitions,
    inputs: EventInputs,
    events: Sequence[Event],
    now: datetime,
    report: NotifyReport,
) -> Iterator[_Planned]:
    for rule in definitions.notifications.values():
        for event in events:
            if not is_wanted(rule, event) or not _applies(rule, event, inputs, now, report):
                continue
            group = inputs.groups.get(event.team) if event.team else None
            for destination in rule.spec.destinations:
                if destination.type == "github-issue":
                    continue  # issues follow the results, not events: issues.py
                yield _Planned(rule, destination, address_of(destination, group), event)


def _applies(
    rule: Notification, event: Event, inputs: EventInputs, now: datetime, report: NotifyReport
) -> bool:
    if rule.applies is None or event.entity is None or event.entity not in inputs.entities:
        return True
    activation = make_activation(inputs.entities[event.entity], inputs.facts_of(event.entity), now)
    answer = run_predicate(rule.applies, activation, "applies")
    if isinstance(answer, str):
        report.errors.append(f"notification '{rule.id}', {event.entity}: {answer}")
        return False
    return answer


def _due_digests(
    definitions: Definitions, store: Store, now: datetime, recorded: Sequence[NotificationRecord]
) -> Iterator[Outgoing]:
    """Each digest rule's messages whose time has come: events pending since before its
    cron last fired, grouped per destination and address."""
    rules = [rule for rule in definitions.notifications.values() if rule.spec.digest]
    if not rules:
        return
    pending = [r for r in store.list_notifications(MAX_PENDING, Outcome.PENDING)]
    pending += [r for r in recorded if r.outcome == Outcome.PENDING]
    for rule in rules:
        assert rule.spec.digest is not None
        fired = last_fire(rule.spec.digest, now)
        destinations = [(d.type, d) for d in rule.spec.destinations]
        due = []
        for record in pending:
            if record.rule != rule.id or record.at >= fired or record.event_data is None:
                continue
            destination = next((d for kind, d in destinations if kind == record.destination), None)
            if destination is not None:
                event = Event.from_dict(record.event_data)
                due.append((record.key, destination, record.address, record.team, event))
        yield from group_digests(rule, due)


def _settled(
    report: NotifyReport,
    messages: Sequence[Outgoing],
    outcomes: Sequence[Delivered],
    planned: Sequence[_Planned],
    store: Store,
    now: datetime,
) -> Iterator[NotificationRecord]:
    """The log records of the messages as delivered: each event's record takes its message's outcome."""
    by_key = {entry.key: entry for entry in planned}
    earlier = store.get_notifications(
        [key for message in messages if message.is_digest for key in message.record_keys]
    )
    for message, delivered in zip(messages, outcomes, strict=True):
        if delivered.outcome == Outcome.SENT:
            report.sent += len(message.events)
        else:
            report.failed += len(message.events)
        for key in message.record_keys:
            base = by_key[key].record(Outcome.SENT, now) if key in by_key else earlier.get(key)
            if base is None:
                continue
            yield replace(
                base,
                outcome=delivered.outcome,
                at=now,
                attempts=delivered.attempts,
                error=delivered.error,
                event_data=None,
            )
