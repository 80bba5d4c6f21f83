"""A synthetic catalog with facts, uneven like a real one, and a small check pack for it.

The same seed gives the same catalog, so an embedded and a distributed run can
be compared entity by entity.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from scorecards.records.entities import Entity, normalize_entity
from scorecards.records.refs import entity_ref
from scorecards.stores import Fact

CHECKS = """\
  - id: has-owner{suffix}
    name: Has an owner
    severity: critical
    rule: '"owner" in entity.spec && entity.spec.owner != ""'
  - id: has-description{suffix}
    name: Has a description
    rule: '"description" in entity.metadata && size(entity.metadata.description) >= 20'
  - id: production-has-pagerduty{suffix}
    name: Production services are on call
    severity: high
    applies: '"lifecycle" in entity.spec && entity.spec.lifecycle == "production"'
    rule: '"pagerduty.com/service-id" in entity.metadata.annotations'
  - id: branch-protection{suffix}
    name: Default branch is protected
    severity: high
    requires: [github]
    maxAge: 7d
    rule: facts.github.branch_protection_enabled
  - id: no-critical-alerts{suffix}
    name: No critical Dependabot alerts
    severity: critical
    requires: [github]
    rule: >-
      !("dependabot_alerts_critical" in facts.github)
      || facts.github.dependabot_alerts_critical == 0
  - id: coverage{suffix}
    name: Coverage of at least 70%
    severity: low
    requires: [ci]
    rule: facts.ci.coverage >= 70.0
"""
CHECK_IDS = [
    "has-owner",
    "has-description",
    "production-has-pagerduty",
    "branch-protection",
    "no-critical-alerts",
    "coverage",
]


def definitions_text(copies: int = 1) -> str:
    """Six checks, a scorecard with levels and the pushed `ci` source the checks read;
    `copies` > 1 repeats the checks to make batches slower."""
    suffixes = [""] + [f"-{n}" for n in range(2, copies + 1)]
    checks = "".join(CHECKS.format(suffix=suffix) for suffix in suffixes)
    ids = "".join(f"      - {check}{suffix}\n" for suffix in suffixes for check in CHECK_IDS)
    return f"""\
checks:
{checks}scorecards:
  - id: readiness
    name: Readiness
    applies: entity.kind == "Component"
    checks:
{ids}    levels:
      - {{name: Bronze, checks: [has-owner]}}
      - {{name: Silver, checks: [branch-protection], minScore: 60}}
      - {{name: Gold, minScore: 90}}
sources:
  - id: ci
    type: push
"""


DEFINITIONS = definitions_text()

TEAMS = ["payments", "ledger", "identity", "platform", "growth", "risk", "data", "web"]
LIFECYCLES = ["production", "production", "experimental", "deprecated"]


def synthetic_catalog(count: int, seed: int = 7) -> list[Entity]:
    rng = random.Random(seed)
    entities = []
    for index in range(count):
        annotations: dict[str, str] = {"github.com/project-slug": f"acme/service-{index:05d}"}
        if rng.random() < 0.6:
            annotations["pagerduty.com/service-id"] = f"P{index:06d}"
        metadata: dict[str, Any] = {"name": f"service-{index:05d}", "annotations": annotations}
        if rng.random() < 0.7:
            metadata["description"] = f"Service number {index} of the synthetic catalog."
        spec: dict[str, Any] = {"type": "service", "lifecycle": rng.choice(LIFECYCLES)}
        if rng.random() < 0.9:
            spec["owner"] = f"group:default/{rng.choice(TEAMS)}"
        entities.append(
            normalize_entity(
                {
                    "apiVersion": "backstage.io/v1alpha1",
                    "kind": "Component",
                    "metadata": metadata,
                    "spec": spec,
                }
            )
        )
    return entities


def synthetic_facts(entities: list[Entity], now: datetime, seed: int = 7) -> list[Fact]:
    """GitHub facts for most entities (some stale), CI facts for about half."""
    rng = random.Random(seed)
    facts = []
    for entity in entities:
        ref = entity_ref(entity)
        if rng.random() < 0.85:
            age = timedelta(days=rng.choice([0, 1, 3, 10]))
            values: dict[str, Any] = {
                "archived": False,
                "branch_protection_enabled": rng.random() < 0.7,
            }
            if rng.random() < 0.8:
                values["dependabot_alerts_critical"] = rng.choice([0, 0, 0, 1, 4])
            facts.append(Fact(ref, "github", now - age, values))
        if rng.random() < 0.5:
            facts.append(Fact(ref, "ci", now, {"coverage": round(rng.uniform(20, 99), 1)}))
    return facts
