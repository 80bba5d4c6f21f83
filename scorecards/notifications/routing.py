"""Which rule wants an event, where it goes, and when a digest is due. Pure.

- A rule wants an event of one of its `events`: check events of its `severities`,
  level events of its `scorecards` (all when empty), campaign events of its
  `campaigns` (all when empty), check events of its `checks` (all when empty),
  `campaign-due` and `exemption-expiring` within its `days`. Its CEL `applies` is asked by the caller for events about an entity;
  campaign events concern a team, not an entity, and are not filtered by it.
- A destination reaches the owning team through its catalog Group: chat and webhook
  destinations read the channel from a Group annotation (`slack.com/channel`,
  `microsoft.com/teams-channel`, or the destination's `annotation`) and look it up
  in `channels`, which names the environment variable holding that channel's URL;
  email goes to the Group's `spec.profile.email`. Otherwise to `default`, if set.
- A digest rule collects its events (recorded pending) and sends them at its cron's
  fire time, one message per team and destination, holding what was recorded
  before that time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cronsim import CronSim

from scorecards.definitions.compiled import Campaign, Definitions, Notification
from scorecards.definitions.specs import DestinationSpec
from scorecards.notifications.events import Event
from scorecards.records.entities import Entity

CHECK_EVENTS = frozenset({"check-failing", "check-recovered"})
LEVEL_EVENTS = frozenset({"level-dropped", "level-rose"})
DAYS_EVENTS = frozenset({"campaign-due", "exemption-expiring"})


def is_wanted(rule: Notification, event: Event) -> bool:
    """Whether `rule` sends `event` (its `applies` aside)."""
    spec = rule.spec
    if event.kind not in spec.events:
        return False
    if event.kind in CHECK_EVENTS and event.severity not in spec.severities:
        return False
    if event.kind in CHECK_EVENTS and spec.checks and event.check not in spec.checks:
        return False
    if event.kind in LEVEL_EVENTS and spec.scorecards and event.scorecard not in spec.scorecards:
        return False
    if event.campaign is not None and spec.campaigns and event.campaign not in spec.campaigns:
        return False
    return not (event.kind in DAYS_EVENTS and (event.days_left or 0) > spec.days)


def campaigns_in_window(definitions: Definitions, today: date) -> list[Campaign]:
    """The campaigns some rule may tell about today: due within a rule's `days`, or overdue.

    Only these are worth reading every entity's results for after a run."""
    found = []
    for campaign in definitions.campaigns.values():
        days_left = (campaign.spec.deadline - today).days
        kind = "campaign-due" if days_left >= 0 else "campaign-overdue"
        for rule in definitions.notifications.values():
            spec = rule.spec
            if kind not in spec.events or (spec.campaigns and campaign.id not in spec.campaigns):
                continue
            if kind == "campaign-overdue" or days_left <= spec.days:
                found.append(campaign)
                break
    return found


def address_of(destination: DestinationSpec, group: Entity | None) -> str | None:
    """Where `destination` reaches the team of `group` (None: no team): an environment
    variable's name (chat, webhook) or an email address; None when nowhere."""
    if destination.type == "email":
        profile = (group or {}).get("spec", {}).get("profile", {}) if group else {}
        email = profile.get("email") if isinstance(profile, Mapping) else None
        return str(email) if isinstance(email, str) and "@" in email else destination.default
    annotations = (group or {}).get("metadata", {}).get("annotations") or {}
    channel = annotations.get(destination.channel_annotation)
    if isinstance(channel, str) and channel in destination.channels:
        return destination.channels[channel]
    return destination.default


def record_key(rule_id: str, destination: DestinationSpec, address: str, event_key: str) -> str:
    """The notification log's key of one event sent one way: unique, and the same each time."""
    return f"{rule_id}|{destination.type}|{address}|{event_key}"


def last_fire(schedule: str, now: datetime) -> datetime:
    """The latest time at or before `now` when the cron `schedule` (UTC) fires."""
    return next(CronSim(schedule, now + timedelta(microseconds=1), reverse=True))


@dataclass(frozen=True)
class Outgoing:
    """One message to send: to one address of one destination, holding one event or a digest."""

    rule: str
    destination: DestinationSpec
    address: str
    team: str | None
    events: tuple[Event, ...]
    record_keys: tuple[str, ...]  # the log records its outcome settles, one per event
    is_digest: bool = False


def group_digests(
    rule: Notification,
    pending: Sequence[tuple[str, DestinationSpec, str, str | None, Event]],
) -> list[Outgoing]:
    """One Outgoing per (destination, address) of `pending` (record key, destination,
    address, team, event): a team's digest."""
    grouped: dict[tuple[str, str], list[tuple[str, DestinationSpec, str, str | None, Event]]] = {}
    for entry in pending:
        grouped.setdefault((entry[1].type, entry[2]), []).append(entry)
    digests = []
    for (_, address), entries in sorted(grouped.items()):
        entries.sort(key=lambda entry: (_ORDER.get(entry[4].kind, 99), entry[4].key))
        digests.append(
            Outgoing(
                rule=rule.id,
                destination=entries[0][1],
                address=address,
                team=entries[0][3],
                events=tuple(entry[4] for entry in entries),
                record_keys=tuple(entry[0] for entry in entries),
                is_digest=True,
            )
        )
    return digests


# A digest reads worst news first.
_ORDER = {
    "campaign-overdue": 0,
    "level-dropped": 1,
    "check-failing": 2,
    "campaign-due": 3,
    "exemption-expiring": 4,
    "level-rose": 5,
    "check-recovered": 6,
}
