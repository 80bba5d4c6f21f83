"""How fast the evaluator runs the bundled checks, against hand-written Python.

    python -m bench.evaluate [--entities 2000] [--seed 7] [--repeat 3]

Builds a seeded synthetic catalog (components, APIs, resources, systems, groups
and users, with GitHub, CI and catalog facts), then measures in the same run:

1. our engine (`evaluate_entities`) over every bundled check in checks/, with scoring;
2. our engine over a subset of eight representative checks (no scorecards);
3. the same eight checks written by hand in plain Python (applies, required
   facts and maxAge, rule), over the same entities and facts.

It prints (entity, check) evaluations per second for each and the ratio of 3 to 2,
and verifies that the hand-written checks give exactly the engine's statuses, so
the comparison is between programs that do the same work.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scorecards.definitions.compiled import Definitions
from scorecards.engine.evaluation import evaluate_entities
from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.entities import Entity, normalize_entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation, Status

CHECKS = Path(__file__).resolve().parent.parent / "checks"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

Facts = Mapping[str, FactSnapshot]
FactsByRef = dict[str, dict[str, FactSnapshot]]

# --- the synthetic catalog ------------------------------------------------------------------

TEAMS = [f"team-{i}" for i in range(20)]
WORDS = ["payments", "search", "orders", "billing", "ledger", "auth", "catalog", "email", "maps"]
DESCRIPTIONS = [
    "Takes card payments for the web shop and the mobile apps.",
    "Indexes the product catalog and answers search queries.",
    "TODO: write a description",
    "Short one.",
    "Orders API: creates, updates and cancels customer orders.",
]
LINK_TITLES = ["Runbook", "On-call runbook", "Grafana dashboard", "Design doc", "Wiki"]


def _pick(rng: random.Random, share: float) -> bool:
    return rng.random() < share


def synthetic_component(rng: random.Random, index: int) -> Entity:
    name = f"{rng.choice(WORDS)}-{index}" if _pick(rng, 0.95) else f"Legacy_{index}"
    annotations: dict[str, str] = {}
    if _pick(rng, 0.8):
        annotations["github.com/project-slug"] = f"acme/{name.lower()}"
        annotations["backstage.io/source-location"] = f"url:https://github.com/acme/{name}"
    if _pick(rng, 0.5):
        annotations["backstage.io/techdocs-ref"] = "dir:."
    if _pick(rng, 0.4):
        annotations["pagerduty.com/service-id"] = f"P{rng.randrange(10**6, 10**7)}"
    if _pick(rng, 0.3):
        annotations["sonarqube.org/project-key"] = f"acme_{name}"
    metadata: dict[str, Any] = {"name": name, "annotations": annotations}
    if _pick(rng, 0.8):
        metadata["description"] = rng.choice(DESCRIPTIONS)
    if _pick(rng, 0.6):
        metadata["tags"] = rng.sample(["java", "python", "go", "payments", "pci"], 2)
    if _pick(rng, 0.6):
        titles = rng.sample(LINK_TITLES, rng.randint(1, 3))
        metadata["links"] = [
            {"title": t, "url": f"https://example.com/{i}"} for i, t in enumerate(titles)
        ]
    spec: dict[str, Any] = {
        "type": rng.choice(["service", "service", "website", "library"]),
        "lifecycle": rng.choice(["production", "production", "experimental", "deprecated"]),
        "system": rng.choice(WORDS),
    }
    if _pick(rng, 0.9):
        spec["owner"] = f"group:default/{rng.choice(TEAMS)}" if _pick(rng, 0.9) else "user:jane"
    if _pick(rng, 0.5):
        spec["providesApis"] = [f"{rng.choice(WORDS)}-api"]
    if _pick(rng, 0.5):
        spec["dependsOn"] = [f"resource:default/db-{rng.randrange(50)}"]
    document = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": metadata}
    return normalize_entity({**document, "spec": spec})


def synthetic_other(rng: random.Random, index: int) -> Entity:
    kind = rng.choice(["API", "API", "Resource", "System", "User"])
    spec: dict[str, Any] = {"owner": f"group:default/{rng.choice(TEAMS)}"}
    if kind == "API":
        spec |= {"type": "openapi", "lifecycle": "production", "definition": "openapi: 3.0.0"}
    if kind == "User":
        spec = {"memberOf": [rng.choice(TEAMS)]}
    metadata = {"name": f"{kind.lower()}-{index}", "description": rng.choice(DESCRIPTIONS)}
    return normalize_entity({"apiVersion": "v1", "kind": kind, "metadata": metadata, "spec": spec})


def synthetic_catalog(count: int, seed: int) -> list[Entity]:
    rng = random.Random(seed)
    groups = [
        normalize_entity(
            {
                "apiVersion": "v1",
                "kind": "Group",
                "metadata": {"name": team},
                "spec": {"type": "team"},
            }
        )
        for team in TEAMS
    ]
    entities = [
        synthetic_component(rng, i) if _pick(rng, 0.7) else synthetic_other(rng, i)
        for i in range(max(0, count - len(groups)))
    ]
    return groups + entities


def synthetic_facts(entities: Sequence[Entity], seed: int) -> FactsByRef:
    """GitHub facts for most repositories, CI facts for most services, catalog facts for all."""
    rng = random.Random(seed + 1)
    facts: FactsByRef = {}
    for entity in entities:
        ref = entity_ref(entity)
        own = facts.setdefault(ref, {})
        if "github.com/project-slug" in entity["metadata"]["annotations"] and _pick(rng, 0.85):
            age = timedelta(days=rng.choice([0, 1, 3, 10]))
            values: dict[str, Any] = {
                "branch_protection_enabled": _pick(rng, 0.7),
                "required_reviews": rng.randint(0, 2),
                "pushed_at": (NOW - timedelta(days=rng.randint(0, 500))).isoformat(),
                "archived": _pick(rng, 0.05),
            }
            if _pick(rng, 0.8):
                values["dependabot_alerts_critical"] = rng.choice([0, 0, 0, 1, 4])
                values["dependabot_alerts_high"] = rng.randint(0, 5)
            own["github"] = FactSnapshot(NOW - age, values)
        if entity["kind"] == "Component" and _pick(rng, 0.7):
            age = timedelta(days=rng.choice([0, 2, 40]))
            deploy = NOW - timedelta(days=rng.randint(0, 60))
            own["ci"] = FactSnapshot(
                NOW - age,
                {
                    "build_passing": _pick(rng, 0.8),
                    "coverage": round(rng.uniform(20, 95), 1),
                    "last_deploy": deploy.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            )
    for fact in catalog_facts(entities, NOW):
        facts.setdefault(fact.entity_ref, {})[fact.source] = fact.snapshot()
    return facts


# --- eight bundled checks, written by hand --------------------------------------------------

OWNED_KINDS = ("Component", "API", "Resource", "System", "Domain")
PLACEHOLDER = re.compile(r"(?i)^\s*(todo|tbd|tbc|fixme|wip|n/a|none|description)\b")
RUNBOOK = re.compile(r"(?i)runbook")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG = "github.com/project-slug"
PASS, FAIL, SKIP, UNKNOWN = Status.PASS, Status.FAIL, Status.SKIP, Status.UNKNOWN


def _verdict(holds: bool) -> Status:
    return PASS if holds else FAIL


def _fresh(
    facts: Facts, source: str, max_age: timedelta, now: datetime
) -> Mapping[str, Any] | None:
    snapshot = facts.get(source)
    if snapshot is None or now - snapshot.timestamp > max_age:
        return None
    return snapshot.values


def has_owner(entity: Entity, facts: Facts, now: datetime) -> Status:
    if entity["kind"] not in OWNED_KINDS:
        return SKIP
    spec = entity["spec"]
    return _verdict("owner" in spec and spec["owner"] != "")


def owner_is_team(entity: Entity, facts: Facts, now: datetime) -> Status:
    if not (entity["kind"] in OWNED_KINDS and "owner" in entity["spec"]):
        return SKIP
    return _verdict(not entity["spec"]["owner"].startswith("user:"))


def has_description(entity: Entity, facts: Facts, now: datetime) -> Status:
    if entity["kind"] not in OWNED_KINDS:
        return SKIP
    metadata = entity["metadata"]
    return _verdict(
        "description" in metadata
        and len(metadata["description"]) >= 20
        and PLACEHOLDER.search(metadata["description"]) is None
    )


def _production_service(entity: Entity) -> bool:
    spec = entity.get("spec", {})
    return bool(
        entity["kind"] == "Component"
        and spec["type"] == "service"
        and spec["lifecycle"] == "production"
    )


def has_runbook(entity: Entity, facts: Facts, now: datetime) -> Status:
    if not _production_service(entity):
        return SKIP
    metadata = entity["metadata"]
    return _verdict(
        "links" in metadata
        and any("title" in link and RUNBOOK.search(link["title"]) for link in metadata["links"])
    )


def has_pagerduty(entity: Entity, facts: Facts, now: datetime) -> Status:
    if not _production_service(entity):
        return SKIP
    metadata = entity["metadata"]
    return _verdict(
        "annotations" in metadata
        and (
            "pagerduty.com/service-id" in metadata["annotations"]
            or "pagerduty.com/integration-key" in metadata["annotations"]
        )
    )


def kebab_case_name(entity: Entity, facts: Facts, now: datetime) -> Status:
    if entity["kind"] not in OWNED_KINDS:
        return SKIP
    return _verdict(KEBAB.search(entity["metadata"]["name"]) is not None)


def no_critical_dependabot_alerts(entity: Entity, facts: Facts, now: datetime) -> Status:
    metadata = entity["metadata"]
    if not (
        entity["kind"] == "Component"
        and "annotations" in metadata
        and SLUG in metadata["annotations"]
    ):
        return SKIP
    github = _fresh(facts, "github", timedelta(days=7), now)
    if github is None:
        return UNKNOWN
    return _verdict(
        "dependabot_alerts_critical" in github and github["dependabot_alerts_critical"] == 0
    )


def deployed_recently(entity: Entity, facts: Facts, now: datetime) -> Status:
    spec = entity.get("spec", {})
    if not (
        entity["kind"] == "Component"
        and spec["type"] in ("service", "website")
        and spec["lifecycle"] == "production"
    ):
        return SKIP
    ci = _fresh(facts, "ci", timedelta(days=30), now)
    if ci is None:
        return UNKNOWN
    return _verdict(
        "last_deploy" in ci
        and now - datetime.fromisoformat(ci["last_deploy"]) < timedelta(hours=720)
    )


HAND_WRITTEN: dict[str, Callable[[Entity, Facts, datetime], Status]] = {
    "has-owner": has_owner,
    "owner-is-team": owner_is_team,
    "has-description": has_description,
    "has-runbook": has_runbook,
    "has-pagerduty": has_pagerduty,
    "kebab-case-name": kebab_case_name,
    "no-critical-dependabot-alerts": no_critical_dependabot_alerts,
    "deployed-recently": deployed_recently,
}


def evaluate_by_hand(
    entities: Sequence[Entity], facts: FactsByRef, now: datetime
) -> list[list[tuple[str, Status]]]:
    results = []
    for entity in entities:
        own = facts.get(entity_ref(entity), {})
        statuses = []
        for check_id, check in HAND_WRITTEN.items():
            try:
                status = check(entity, own, now)
            except (KeyError, TypeError, AttributeError):
                status = Status.ERROR
            statuses.append((check_id, status))
        results.append(statuses)
    return results


# --- measuring --------------------------------------------------------------------------------


def best_time(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The fastest of `repeat` runs (the least disturbed by the rest of the machine)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def subset_of(definitions: Definitions, check_ids: Sequence[str]) -> Definitions:
    missing = [c for c in check_ids if c not in definitions.checks]
    if missing:
        sys.exit(f"bench: the bundled checks no longer include {missing}; update HAND_WRITTEN")
    checks = {c: definitions.checks[c] for c in check_ids}
    return dataclasses.replace(definitions, checks=checks, scorecards={}, exemptions={})


def disagreements(
    engine: Sequence[EntityEvaluation], by_hand: Sequence[list[tuple[str, Status]]]
) -> list[str]:
    found = []
    for evaluation, statuses in zip(engine, by_hand, strict=True):
        ours = [(r.check_id, r.status) for r in evaluation.checks]
        if ours != statuses:
            found.append(f"{evaluation.entity_ref}: engine {ours} != by hand {statuses}")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    definitions = load_definitions(CHECKS, run_tests=False)
    subset = subset_of(definitions, list(HAND_WRITTEN))
    entities = synthetic_catalog(args.entities, args.seed)
    facts = synthetic_facts(entities, args.seed)
    count = len(entities)

    full_time, _ = best_time(
        lambda: evaluate_entities(definitions, entities, facts, NOW), args.repeat
    )
    engine_time, engine = best_time(
        lambda: evaluate_entities(subset, entities, facts, NOW), args.repeat
    )
    hand_time, by_hand = best_time(lambda: evaluate_by_hand(entities, facts, NOW), args.repeat)

    assert isinstance(engine, list) and isinstance(by_hand, list)
    wrong = disagreements(engine, by_hand)
    statuses: dict[str, int] = {}
    for evaluation in engine:
        for result in evaluation.checks:
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1

    full_rate = count * len(definitions.checks) / full_time
    engine_rate = count * len(subset.checks) / engine_time
    hand_rate = count * len(HAND_WRITTEN) / hand_time
    print(f"{count} synthetic entities (seed {args.seed}), best of {args.repeat} runs")
    everything = (
        f"engine, all {len(definitions.checks)} checks + {len(definitions.scorecards)} scorecards"
    )
    rows = [
        (everything, full_rate, f"  ({count / full_time:,.0f} entities/s)"),
        (f"engine, the {len(subset.checks)} checks below", engine_rate, ""),
        (f"hand-written Python, same {len(HAND_WRITTEN)}", hand_rate, ""),
    ]
    for label, rate, extra in rows:
        print(f"{label:<42} {rate:>12,.0f} evaluations/s{extra}")
    print(f"{'ratio hand-written / engine':<42} {hand_rate / engine_rate:>12.2f}x")
    print(f"the {len(HAND_WRITTEN)} checks: {', '.join(HAND_WRITTEN)}")
    print(f"statuses of the 8 checks: {statuses}")
    if wrong:
        print(f"DISAGREEMENT on {len(wrong)} entities, e.g. {wrong[0]}", file=sys.stderr)
        return 1
    print(f"the engine and the hand-written checks agree on all {count} entities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
