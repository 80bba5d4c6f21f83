"""A gate decision as CI reads it: text, JSON, JUnit, SARIF or GitHub workflow commands.

Every renderer is a pure function of the decision, so the same decision always
renders to the same bytes (the golden files in tests/data/gate/ rely on it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum

from scorecards.gate.decision import Decision, GateCheck, GateDecision
from scorecards.gate.junit import render_junit
from scorecards.gate.sarif import render_sarif
from scorecards.records.results import Status


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    GITHUB = "github"


HEADLINES = {Decision.PASS: "PASS", Decision.FAIL: "FAIL", Decision.UNDECIDABLE: "UNDECIDED"}


def render(decision: GateDecision, report_format: ReportFormat) -> str:
    """The report in one format, ending with a newline."""
    renderers: dict[ReportFormat, Callable[[GateDecision], str]] = {
        ReportFormat.TEXT: render_text,
        ReportFormat.JSON: render_json,
        ReportFormat.JUNIT: render_junit,
        ReportFormat.SARIF: render_sarif,
        ReportFormat.GITHUB: render_github_commands,
    }
    return renderers[report_format](decision)


def render_json(decision: GateDecision) -> str:
    return json.dumps(decision.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_text(decision: GateDecision) -> str:
    """A few lines for a CI log: verdict, threshold, result, why, and what to fix."""
    scorecard = decision.scorecard_name or decision.scorecard_id
    lines = [
        f"{HEADLINES[decision.decision]} {decision.entity_ref} — {scorecard} "
        f"({decision.scorecard_id})",
        f"  threshold: {decision.describe_threshold()}",
        f"  result:    {decision.describe_result()}" + _provenance(decision),
    ]
    lines += [f"  why:       {reason}" for reason in decision.reasons]
    for check in decision.findings:
        lines.append(f"  {check.status.value:<8} {check.id} ({check.name}){_message(check)}")
        if check.remediation:
            lines.append(f"           fix: {check.remediation}")
    return "\n".join(lines) + "\n"


def _provenance(decision: GateDecision) -> str:
    parts = []
    if decision.evaluated_at is not None:
        parts.append(f"evaluated {decision.evaluated_at:%Y-%m-%dT%H:%M:%SZ}")
    if decision.definitions_version:
        parts.append(f"definitions {decision.definitions_version}")
    return f" ({', '.join(parts)})" if parts else ""


def _message(check: GateCheck) -> str:
    return f": {check.message}" if check.message else ""


# GitHub Actions workflow commands: https://docs.github.com/actions/reference/workflow-commands
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, title: str, message: str, file: str | None) -> str:
    properties = [f"title={_escape_property(title)}"]
    if file is not None:
        properties.insert(0, f"file={_escape_property(file)}")
    return f"::{name} {','.join(properties)}::{_escape_data(message)}"


def workflow_file(decision: GateDecision) -> str | None:
    """The catalog file as GitHub annotates it: a path in the repository, never a URL."""
    location = decision.entity_location
    if not location or "://" in location or location.startswith("/"):
        return None
    return location


def render_github_commands(decision: GateDecision) -> str:
    """`::error`/`::warning` per failing or unknown check, then one for the verdict."""
    file = workflow_file(decision)
    lines = []
    for check in decision.findings:
        name = "warning" if check.status is Status.UNKNOWN else "error"
        message = f"{check.status.value}: {check.message or check.name}"
        if check.remediation:
            message += f"\nfix: {check.remediation}"
        lines.append(_command(name, f"{check.id}: {check.name}", message, file))
    verdict = {
        Decision.PASS: ("notice", "passed"),
        Decision.FAIL: ("error", "failed"),
        Decision.UNDECIDABLE: ("error", "could not decide"),
    }[decision.decision]
    title = f"scorecards gate {verdict[1]}: {decision.entity_ref}"
    message = f"{decision.describe_threshold()} — {decision.describe_result()}\n" + "\n".join(
        decision.reasons
    )
    lines.append(_command(verdict[0], title, message, file))
    return "\n".join(lines) + "\n"


MARKS = {
    Status.PASS: "✅ pass",
    Status.FAIL: "❌ fail",
    Status.ERROR: "❗ error",
    Status.UNKNOWN: "❔ unknown",
    Status.EXEMPT: "🛡️ exempt",
    Status.SKIP: "⏭️ skip",
}
VERDICT_MARKS = {
    Decision.PASS: "✅ passed",
    Decision.FAIL: "❌ failed",
    Decision.UNDECIDABLE: "⚠️ could not decide",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def render_job_summary(decision: GateDecision) -> str:
    """The job summary (GITHUB_STEP_SUMMARY): verdict, reasons, and a table of findings."""
    scorecard = decision.scorecard_name or decision.scorecard_id
    lines = [
        f"### Scorecards gate {VERDICT_MARKS[decision.decision]}: `{decision.entity_ref}`",
        "",
        f"**{_cell(scorecard)}** (`{decision.scorecard_id}`) — threshold: "
        f"{_cell(decision.describe_threshold())} — {decision.describe_result()}",
        "",
    ]
    lines += [f"- {_cell(reason)}" for reason in decision.reasons]
    if decision.findings:
        lines += ["", "| status | check | why | how to fix |", "|---|---|---|---|"]
        for check in decision.findings:
            lines.append(
                f"| {MARKS[check.status]} | {_cell(check.name)} (`{check.id}`) | "
                f"{_cell(check.message or '')} | {_cell(check.remediation)} |"
            )
    provenance = _provenance(decision).strip(" ()")
    if provenance:
        lines += ["", f"<sub>{provenance}</sub>"]
    return "\n".join(lines) + "\n"
