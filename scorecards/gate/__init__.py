"""The release gate: pass, fail or undecidable for one entity against a scorecard threshold.

`decide_gate` is pure (results, definitions and `now` passed in) and fails closed;
`scorecards.gate.reports` renders a decision as text, JSON, JUnit, SARIF or GitHub
workflow commands. The CLI (`scorecards gate`) and the API (`POST /api/v1/gate`)
are the edges that gather the inputs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # PEP 562: the judge needs the definitions and CEL; a remote gate's client, which only
    # reads a decision (scorecards.gate.decision), starts without them.
    if name not in ("decide_gate", "decide_gate_for_entity"):
        raise AttributeError(f"module 'scorecards.gate' has no attribute {name!r}")
    value = getattr(importlib.import_module("scorecards.gate.judge"), name)
    globals()[name] = value
    return value
