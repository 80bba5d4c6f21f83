"""The release gate: pass, fail or undecidable for one entity against a scorecard threshold.

`decide_gate` is pure (results, definitions and `now` passed in) and fails closed;
`scorecards.gate.reports` renders a decision as text, JSON, JUnit, SARIF or GitHub
workflow commands. The CLI (`scorecards gate`) and the API (`POST /api/v1/gate`)
are the edges that gather the inputs.
"""

from scorecards.gate.decision import (
    Decision,
    GateCheck,
    GateDecision,
    GatePolicy,
    Threshold,
    catalog_location,
    parse_max_age,
    undecidable,
)
from scorecards.gate.judge import decide_gate, decide_gate_for_entity

__all__ = [
    "Decision",
    "GateCheck",
    "GateDecision",
    "GatePolicy",
    "Threshold",
    "catalog_location",
    "decide_gate",
    "decide_gate_for_entity",
    "parse_max_age",
    "undecidable",
]
