"""A gate decision as SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps).

One rule per check the gate looked at, plus `scorecards-gate` for the threshold;
one result per failing, erroring or unknown check, plus one for the threshold
when the gate did not pass. Results point at the entity's catalog-info.yaml when
it is known, and always name the entity as a logical location.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from scorecards.gate.decision import Decision, GateCheck, GateDecision
from scorecards.records.results import Status

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
THRESHOLD_RULE = "scorecards-gate"
# SARIF levels by check severity: what a code-scanning UI sorts and filters by.
SEVERITY_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def render_sarif(decision: GateDecision) -> str:
    checks = list(decision.checks)
    rules = [_threshold_rule(decision)] + [_rule(check) for check in checks]
    results = []
    if decision.decision is not Decision.PASS:
        results.append(_threshold_result(decision))
    for index, check in enumerate(checks, start=1):
        if check.is_finding:
            results.append(_check_result(decision, check, index))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "scorecards",
                "fullName": "scorecards release gate",
                "informationUri": "https://backstage.io/docs/features/software-catalog/",
                "rules": rules,
            }
        },
        "automationDetails": {
            "id": f"scorecards-gate/{decision.scorecard_id}/{decision.entity_ref}/"
        },
        "results": results,
        "properties": {
            "decision": decision.decision.value,
            "entity": decision.entity_ref,
            "scorecard": decision.scorecard_id,
            "threshold": decision.describe_threshold(),
            "score": decision.score,
            "level": decision.level,
            "definitionsVersion": decision.definitions_version,
            "evaluatedAt": None
            if decision.evaluated_at is None
            else f"{decision.evaluated_at:%Y-%m-%dT%H:%M:%SZ}",
            "reasons": list(decision.reasons),
        },
    }
    invocation: dict[str, Any] = {
        "executionSuccessful": decision.decision is not Decision.UNDECIDABLE
    }
    if decision.decision is Decision.UNDECIDABLE:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": reason}} for reason in decision.reasons
        ]
    run["invocations"] = [invocation]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _threshold_rule(decision: GateDecision) -> dict[str, Any]:
    return {
        "id": THRESHOLD_RULE,
        "name": "ScorecardThreshold",
        "shortDescription": {
            "text": "The entity meets the scorecard threshold of the release gate"
        },
        "fullDescription": {
            "text": f"{decision.entity_ref} must reach {decision.describe_threshold()} "
            f"on scorecard {decision.scorecard_name or decision.scorecard_id}."
        },
        "defaultConfiguration": {"level": "error"},
    }


def _rule(check: GateCheck) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": check.id,
        "name": _pascal(check.id),
        "shortDescription": {"text": check.name},
        "fullDescription": {"text": check.description or check.name},
        "defaultConfiguration": {"level": SEVERITY_LEVELS.get(check.severity, "warning")},
        "properties": {
            "category": check.category,
            "severity": check.severity,
            "required": check.required,
            "tags": [tag for tag in ("scorecards", check.category) if tag],
        },
    }
    if check.remediation:
        rule["help"] = {"text": check.remediation}
    if check.links:
        rule["helpUri"] = check.links[0][1]
    return rule


def _threshold_result(decision: GateDecision) -> dict[str, Any]:
    level = "error" if decision.decision is Decision.FAIL else "warning"
    text = "; ".join(decision.reasons) or decision.decision.value
    return {
        "ruleId": THRESHOLD_RULE,
        "ruleIndex": 0,
        "level": level,
        "message": {"text": f"{decision.entity_ref}: {text}"},
        "locations": _locations(decision),
    }


def _check_result(decision: GateDecision, check: GateCheck, rule_index: int) -> dict[str, Any]:
    text = f"{decision.entity_ref}: {check.status.value}: {check.message or check.name}"
    if check.remediation:
        text += f" — fix: {check.remediation}"
    level = "warning" if check.status is Status.UNKNOWN else "error"
    return {
        "ruleId": check.id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "locations": _locations(decision),
        "properties": {"status": check.status.value},
    }


def _locations(decision: GateDecision) -> list[dict[str, Any]]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": decision.entity_ref.split("/")[-1], "fullyQualifiedName": decision.entity_ref}
        ]
    }
    if decision.entity_location:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": _uri(decision.entity_location)},
            "region": {"startLine": 1},
        }
    return [location]


def _uri(location: str) -> str:
    """A URL as is, an absolute path as a file URI, a relative path in POSIX form."""
    if "://" in location:
        return location
    path = PurePosixPath(location.replace("\\", "/"))
    return path.as_uri() if path.is_absolute() else str(path)


def _pascal(check_id: str) -> str:
    return "".join(part.capitalize() for part in check_id.split("-"))
