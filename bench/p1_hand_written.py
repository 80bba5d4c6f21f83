"""P1's fourteen checks written by hand as plain Python: the speed a rule engine aims at.

Each function takes an entity (a Backstage entity dict) and its facts (source ->
values) and returns "pass", "fail", "skip" or "unknown", as the bundled check of
the same id would; the P1 bench times them over the same entities and checks
they pass the same (entity, check) pairs as the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Entity = Mapping[str, Any]
Facts = Mapping[str, Mapping[str, Any]]

OWNED = frozenset({"Component", "API", "Resource", "System", "Domain"})
PART_OF_SYSTEM = frozenset({"Component", "API", "Resource"})
LIFECYCLES = frozenset({"production", "experimental", "deprecated"})
PLACEHOLDER = re.compile(r"(?i)^\s*(todo|tbd|tbc|fixme|wip|n/a|none|description)\b")
RUNBOOK = re.compile(r"(?i)runbook")
KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG = "github.com/project-slug"


def passes(holds: bool) -> str:
    return "pass" if holds else "fail"


def has_owner(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in OWNED:
        return "skip"
    return passes(entity["spec"].get("owner", "") != "")


def owner_is_team(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in OWNED or "owner" not in entity["spec"]:
        return "skip"
    return passes(not entity["spec"]["owner"].startswith("user:"))


def has_description(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in OWNED:
        return "skip"
    description = entity["metadata"].get("description")
    return passes(
        description is not None
        and len(description) >= 20
        and PLACEHOLDER.search(description) is None
    )


def has_techdocs(entity: Entity, facts: Facts) -> str:
    if entity["kind"] != "Component":
        return "skip"
    return passes(entity["metadata"]["annotations"].get("backstage.io/techdocs-ref", "") != "")


def has_links(entity: Entity, facts: Facts) -> str:
    if entity["kind"] != "Component":
        return "skip"
    return passes(len(entity["metadata"].get("links", ())) > 0)


def is_production_service(entity: Entity) -> bool:
    spec = entity["spec"]
    return bool(
        entity["kind"] == "Component"
        and spec["type"] == "service"
        and spec["lifecycle"] == "production"
    )


def has_runbook(entity: Entity, facts: Facts) -> str:
    if not is_production_service(entity):
        return "skip"
    links = entity["metadata"].get("links", ())
    return passes(any("title" in link and RUNBOOK.search(link["title"]) for link in links))


def has_pagerduty(entity: Entity, facts: Facts) -> str:
    if not is_production_service(entity):
        return "skip"
    annotations = entity["metadata"]["annotations"]
    return passes(
        "pagerduty.com/service-id" in annotations or "pagerduty.com/integration-key" in annotations
    )


def known_lifecycle(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in ("Component", "API"):
        return "skip"
    return passes(entity["spec"].get("lifecycle", "") in LIFECYCLES)


def has_system(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in PART_OF_SYSTEM:
        return "skip"
    return passes(entity["spec"].get("system", "") != "")


def has_tags(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in PART_OF_SYSTEM:
        return "skip"
    return passes(len(entity["metadata"].get("tags", ())) > 0)


def kebab_case_name(entity: Entity, facts: Facts) -> str:
    if entity["kind"] not in OWNED:
        return "skip"
    return passes(KEBAB.search(entity["metadata"]["name"]) is not None)


def github_check(rule: Callable[[Mapping[str, Any]], bool]) -> Callable[[Entity, Facts], str]:
    def check(entity: Entity, facts: Facts) -> str:
        if entity["kind"] != "Component" or SLUG not in entity["metadata"]["annotations"]:
            return "skip"
        github = facts.get("github")
        return "unknown" if github is None else passes(rule(github))

    return check


CHECKS: dict[str, Callable[[Entity, Facts], str]] = {
    "has-owner": has_owner,
    "owner-is-team": owner_is_team,
    "has-description": has_description,
    "has-techdocs": has_techdocs,
    "has-links": has_links,
    "has-runbook": has_runbook,
    "has-pagerduty": has_pagerduty,
    "known-lifecycle": known_lifecycle,
    "has-system": has_system,
    "has-tags": has_tags,
    "kebab-case-name": kebab_case_name,
    "no-critical-dependabot-alerts": github_check(
        lambda github: github.get("dependabot_alerts_critical") == 0
    ),
    "no-high-dependabot-alerts": github_check(
        lambda github: "dependabot_alerts_high" in github and github["dependabot_alerts_high"] <= 2
    ),
    "branch-protection": github_check(
        lambda github: github.get("branch_protection_enabled", False) is True
    ),
}
