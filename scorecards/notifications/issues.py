"""Remediation issues: a GitHub issue per failing opted-in check, kept in step with the results.

A rule with a `github-issue` destination names its `checks`. For an entity with a
repository (`github.com/project-slug`) whose result for one of them the run changed:

- it started failing: an issue is opened in that repository, with the check's
  remediation and links, the rule's labels and a hidden marker naming the entity and
  the check; if one is already open, it is updated instead;
- it still fails with another message: the open issue's body is updated;
- it passes, is exempt or no longer applies: the open issue gets a comment saying so
  and is closed.

Which issue is open for (rule, repository, check, entity) is kept in the store's
notification log (its number), so a later run updates and closes that one and never
opens a second. With `dry_run`, the actions are described and nothing is done.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from scorecards.cel import make_activation, run_predicate
from scorecards.definitions.compiled import Check, Definitions, Notification
from scorecards.definitions.specs import DestinationSpec
from scorecards.formats.timeutil import format_timestamp
from scorecards.notifications.delivery import Answered, request
from scorecards.notifications.inputs import EventInputs
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.results import CheckResult, EntityEvaluation, Status
from scorecards.retry import Clock, RetryPolicy
from scorecards.stores.base import Store

SLUG_ANNOTATION = "github.com/project-slug"
EVENT = "remediation-issue"


@dataclass(frozen=True)
class IssueAction:
    verb: str  # open, update, close
    rule: Notification
    destination: DestinationSpec
    repository: str
    entity: str
    check: Check
    result: CheckResult
    key: str  # the log record of this (rule, repository, check, entity)
    number: int | None = None  # the open issue, to update or close

    def describe(self) -> str:
        where = f"{self.repository}#{self.number}" if self.number else self.repository
        return f"{self.verb} issue {where}: {self.check.spec.name} on {self.entity}"


@dataclass
class IssueReport:
    actions: list[IssueAction] = field(default_factory=list)
    done: int = 0
    failed: int = 0


def issue_key(rule_id: str, repository: str, check_id: str, ref: str) -> str:
    return f"{rule_id}|github-issue|{repository}|{check_id}|{ref}"


def plan_issues(definitions: Definitions, inputs: EventInputs, store: Store) -> list[IssueAction]:
    """What the run's changes call for, for every rule with a github-issue destination."""
    candidates = list(_candidates(definitions, inputs))
    known = store.get_notifications([key for *_, key in candidates])
    actions = []
    for rule, destination, repository, previous, current, check, key in candidates:
        record = known.get(key)
        number = _open_issue(record)
        before = previous.check(check.id)
        now = current.check(check.id)
        assert now is not None
        was_failing = before is not None and before.status == Status.FAIL
        if now.status == Status.FAIL:
            if number is not None:
                if was_failing and before is not None and before.message == now.message:
                    continue
                verb = "update"
            else:
                verb = "open"
        elif number is not None and now.status in (Status.PASS, Status.EXEMPT, Status.SKIP):
            verb = "close"
        else:
            continue
        actions.append(
            IssueAction(
                verb, rule, destination, repository, current.entity_ref, check, now, key, number
            )
        )
    return actions


def _candidates(
    definitions: Definitions, inputs: EventInputs
) -> Iterator[
    tuple[
        Notification,
        DestinationSpec,
        str,
        EntityEvaluation,
        EntityEvaluation,
        Check,
        str,
    ]
]:
    for rule in definitions.notifications.values():
        for destination in rule.spec.destinations:
            if destination.type != "github-issue":
                continue
            for previous, current in inputs.changes:
                entity = inputs.entities.get(current.entity_ref) or {}
                if rule.applies is not None and not _applies(rule, inputs, current.entity_ref):
                    continue
                annotations = entity.get("metadata", {}).get("annotations") or {}
                repository = annotations.get(SLUG_ANNOTATION)
                if not isinstance(repository, str) or repository.count("/") != 1:
                    continue
                for check_id in rule.spec.checks:
                    check = definitions.checks.get(check_id)
                    if check is None or current.check(check_id) is None:
                        continue
                    key = issue_key(rule.id, repository, check_id, current.entity_ref)
                    yield rule, destination, repository, previous, current, check, key


def _applies(rule: Notification, inputs: EventInputs, ref: str) -> bool:
    assert rule.applies is not None
    entity = inputs.entities.get(ref)
    if entity is None:
        return False
    activation = make_activation(entity, inputs.facts_of(ref), inputs.now)
    return run_predicate(rule.applies, activation, "applies") is True


def _open_issue(record: NotificationRecord | None) -> int | None:
    if record is None or record.event_data is None:
        return None
    data = record.event_data
    return int(data["number"]) if data.get("state") == "open" else None


def issue_body(action: IssueAction) -> str:
    """The issue's Markdown: what fails, why, how to fix it, and the hidden marker."""
    spec = action.check.spec
    lines = [
        f"The scorecards check **{spec.name}** (`{spec.id}`, {spec.severity}) fails for "
        f"`{action.entity}`.",
        "",
    ]
    if action.result.message:
        lines += [f"> {action.result.message}", ""]
    if spec.remediation:
        lines += ["**How to fix it**", "", spec.remediation.strip(), ""]
    lines += [f"- [{link.title}]({link.url})" for link in spec.links]
    lines += [
        "",
        "This issue is kept up to date by scorecards and closed when the check passes.",
        f"<!-- scorecards: entity={action.entity} check={spec.id} rule={action.rule.id} -->",
    ]
    return "\n".join(lines)


def apply_issues(
    actions: Sequence[IssueAction],
    store: Store,
    environ: Mapping[str, str],
    now: datetime,
    policy: RetryPolicy,
    clock: Clock | None = None,
) -> IssueReport:
    """Carry out the actions against GitHub and record each issue's state."""
    report = IssueReport(list(actions))
    if not actions:
        return report
    answers = asyncio.run(_apply(actions, environ, now, policy, clock or Clock()))
    records = []
    for action, (answered, number, state) in zip(actions, answers, strict=True):
        ok = answered.outcome == Outcome.SENT
        report.done += ok
        report.failed += not ok
        if not ok and action.verb != "open":
            number, state = action.number, "open"  # still open: the next run tries again
        records.append(
            NotificationRecord(
                key=action.key,
                rule=action.rule.id,
                event=EVENT,
                title=action.describe(),
                team=None,
                destination="github-issue",
                address=action.repository,
                outcome=answered.outcome,
                at=now,
                entity=action.entity,
                attempts=answered.attempts,
                error=answered.error,
                event_data={"number": number, "state": state} if number is not None else None,
            )
        )
    store.record_notifications(records)
    return report


async def _apply(
    actions: Sequence[IssueAction],
    environ: Mapping[str, str],
    now: datetime,
    policy: RetryPolicy,
    clock: Clock,
) -> list[tuple[Answered, int | None, str]]:
    results = []
    async with httpx.AsyncClient(timeout=15.0, follow_redirects=False) as client:
        for action in actions:
            results.append(await _act(client, action, environ, now, policy, clock))
    return results


async def _act(
    client: httpx.AsyncClient,
    action: IssueAction,
    environ: Mapping[str, str],
    now: datetime,
    policy: RetryPolicy,
    clock: Clock,
) -> tuple[Answered, int | None, str]:
    destination = action.destination
    assert destination.token is not None
    token = environ.get(destination.token)
    if not token:
        error = f"environment variable {destination.token} (the GitHub token) is not set"
        return Answered(Outcome.FAILED, 0, error), None, "none"
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "Content-Type": "application/json",
    }
    issues = f"{destination.api.rstrip('/')}/repos/{action.repository}/issues"

    async def call(method: str, url: str, payload: dict[str, Any]) -> Answered:
        body = json.dumps(payload).encode()
        return await request(client, method, url, body, headers, policy, clock)

    if action.verb == "open":
        title = f"{action.check.spec.name} fails for {action.entity.rsplit('/', 1)[-1]}"
        payload = {"title": title, "body": issue_body(action), "labels": destination.labels}
        answered = await call("POST", issues, payload)
        number = _number(answered)
        return answered, number, "open"
    if action.verb == "update":
        answered = await call("PATCH", f"{issues}/{action.number}", {"body": issue_body(action)})
        return answered, action.number, "open"
    why = {Status.PASS: "passes", Status.EXEMPT: "is exempt", Status.SKIP: "no longer applies"}
    comment = (
        f"`{action.check.spec.id}` {why.get(action.result.status, 'passes')} for "
        f"`{action.entity}` as of {format_timestamp(now)}: closing."
    )
    answered = await call("POST", f"{issues}/{action.number}/comments", {"body": comment})
    if answered.outcome == Outcome.SENT:
        answered = await call("PATCH", f"{issues}/{action.number}", {"state": "closed"})
    return answered, action.number, "closed"


def _number(answered: Answered) -> int | None:
    if answered.response is None:
        return None
    try:
        number = answered.response.json().get("number")
    except (ValueError, AttributeError):
        return None
    return number if isinstance(number, int) else None
