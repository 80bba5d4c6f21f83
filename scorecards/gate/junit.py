"""A gate decision as JUnit XML: one testcase for the threshold, one per check.

The shape CI systems read (Jenkins, GitLab `artifacts:reports:junit`, GitHub test
reporters): `testsuites > testsuite > testcase` with `failure`, `error` or
`skipped` children. A failing or erroring check is a `failure`/`error`; an
unknown one an `error` (it could not be judged); a check that does not apply is
`skipped`; an exempt one passes, with the waiver in `system-out`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from scorecards.gate.decision import Decision, GateCheck, GateDecision
from scorecards.records.results import Status


def render_junit(decision: GateDecision) -> str:
    suite = ET.Element("testsuite", name=f"{decision.entity_ref}: {decision.scorecard_id}")
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(decision):
        ET.SubElement(properties, "property", name=name, value=value)
    classname = f"scorecards.gate.{decision.scorecard_id}"
    _threshold_case(ET.SubElement(suite, "testcase"), decision, classname)
    for check in decision.checks:
        _check_case(ET.SubElement(suite, "testcase"), check, classname)
    counts = _counts(suite)
    suite.attrib.update(counts | {"time": "0"})
    if decision.evaluated_at is not None:
        # xs:dateTime without a zone, as the JUnit XSD has it; the value is UTC.
        suite.set("timestamp", f"{decision.evaluated_at:%Y-%m-%dT%H:%M:%S}")
    root = ET.Element("testsuites", name="scorecards gate")
    root.attrib.update(counts | {"time": "0"})
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _properties(decision: GateDecision) -> list[tuple[str, str]]:
    values = [
        ("decision", decision.decision.value),
        ("entity", decision.entity_ref),
        ("scorecard", decision.scorecard_id),
        ("threshold", decision.describe_threshold()),
        ("score", "" if decision.score is None else f"{decision.score:g}"),
        ("level", decision.level or ""),
        ("definitions_version", decision.definitions_version or ""),
    ]
    if decision.entity_location:
        values.append(("entity_location", decision.entity_location))
    return values


def _threshold_case(case: ET.Element, decision: GateDecision, classname: str) -> None:
    case.attrib.update(
        classname=classname, name=f"threshold: {decision.describe_threshold()}", time="0"
    )
    text = "\n".join(decision.reasons)
    first = decision.reasons[0] if decision.reasons else decision.decision.value
    if decision.decision is Decision.FAIL:
        ET.SubElement(case, "failure", message=first, type="below-threshold").text = text
    elif decision.decision is Decision.UNDECIDABLE:
        ET.SubElement(case, "error", message=first, type="undecidable").text = text
    else:
        ET.SubElement(case, "system-out").text = text


def _check_case(case: ET.Element, check: GateCheck, classname: str) -> None:
    case.attrib.update(classname=classname, name=f"{check.id}: {check.name}", time="0")
    message = check.message or check.name
    detail = message + (f"\nfix: {check.remediation}" if check.remediation else "")
    if check.status is Status.FAIL:
        ET.SubElement(case, "failure", message=message, type="fail").text = detail
    elif check.status in (Status.ERROR, Status.UNKNOWN):
        ET.SubElement(case, "error", message=message, type=check.status.value).text = detail
    elif check.status is Status.SKIP:
        ET.SubElement(case, "skipped", message="does not apply to this entity")
    elif check.status is Status.EXEMPT:
        ET.SubElement(case, "system-out").text = message


def _counts(suite: ET.Element) -> dict[str, str]:
    cases = suite.findall("testcase")
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.find("failure") is not None)),
        "errors": str(sum(1 for c in cases if c.find("error") is not None)),
        "skipped": str(sum(1 for c in cases if c.find("skipped") is not None)),
    }
