"""One (entity, check) status, precisely, in the order docs/architecture.md §4 gives.

The compiled program of a definitions (program.py) comes here for every case
off its happy path, so error messages are worded in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from scorecards.cel import ENTITY_SECONDS, Activation, run_predicate, to_python
from scorecards.definitions.compiled import Check, Definitions
from scorecards.errors import CelEvaluationError
from scorecards.formats.timeutil import describe_age, format_duration, format_timestamp
from scorecards.records.facts import FactSnapshot
from scorecards.records.results import CheckResult, Status, short_message

OUT_OF_TIME = (
    f"not evaluated: this entity's checks took longer than the evaluation budget "
    f"({ENTITY_SECONDS:g} s per entity); simplify the slowest rule"
)


def stamps_of(facts: Mapping[str, FactSnapshot]) -> dict[str, str]:
    """Each source's fact timestamp as results record it, formatted once per entity."""
    return {source: format_stamp(f.timestamp) for source, f in facts.items()}


# The facts of one collection share a timestamp: format_timestamp formats each once.
format_stamp = format_timestamp


def check_timestamps(check: Check, stamps: Mapping[str, str]) -> dict[str, str]:
    """The timestamps a result of `check` records: those of the sources it reads."""
    return {s: stamps[s] for s in check.fact_sources if s in stamps} if check.fact_sources else {}


def evaluate_check_precisely(
    definitions: Definitions,
    check: Check,
    ref: str,
    activation: Activation,
    facts: Mapping[str, FactSnapshot],
    stamps: Mapping[str, str],
    now: datetime,
) -> CheckResult:
    """The status of one check, each step evaluated on its own with its own error message."""
    check_id = check.spec.id
    if check.applies is not None:
        applies = run_predicate(check.applies, activation, "applies")
        if applies is False:
            return CheckResult(check_id, Status.SKIP)
        if applies is not True:
            return CheckResult(check_id, Status.ERROR, applies)
    timestamps = check_timestamps(check, stamps)
    exemption = definitions.exemptions.get((check_id, ref)) if definitions.exemptions else None
    if exemption is not None and exemption.is_active(now.date()):
        return CheckResult(
            check_id,
            Status.EXEMPT,
            f"exempt until {exemption.spec.expires.isoformat()}: {exemption.spec.reason}",
            timestamps,
        )
    if check.spec.requires:
        missing = missing_facts(definitions, check, facts, now)
        if missing is not None:
            return CheckResult(check_id, Status.UNKNOWN, missing, timestamps)
    outcome = run_predicate(check.rule, activation, "rule")
    if outcome is True:
        return CheckResult(check_id, Status.PASS, None, timestamps)
    if outcome is False:
        return CheckResult(check_id, Status.FAIL, failure_message(check, activation), timestamps)
    return CheckResult(check_id, Status.ERROR, outcome, timestamps)


def missing_facts(
    definitions: Definitions, check: Check, facts: Mapping[str, FactSnapshot], now: datetime
) -> str | None:
    """Why the facts `check` requires cannot be used, or None when they can."""
    for source in check.spec.requires:
        snapshot = facts.get(source)
        if snapshot is None:
            return f"no facts from source '{source}'"
        max_age = definitions.max_age(check, source)
        if max_age is not None and now - snapshot.timestamp > max_age:
            age = describe_age(now - snapshot.timestamp)
            return (
                f"facts from source '{source}' are stale: collected {age} ago, "
                f"maxAge is {format_duration(max_age)}"
            )
    return None


def failure_message(check: Check, activation: Activation) -> str | None:
    """The message of a failing check: its `message` expression's value, one short line."""
    if check.message is None:
        return None
    try:
        value = check.message.evaluate(activation)
    except CelEvaluationError as exc:
        return short_message(f"{check.spec.name} (message raised: {exc})")
    return short_message(value if type(value) is str else str(to_python(value)))
