"""Fact schemas: the names, types and descriptions of a source's facts, and the built-in ones.

A schema entry is what a definitions file declares under a source's `schema:`, what
pushed facts are checked against, what the checker types `facts.SOURCE.name` by and
what the Tech Insights `fact-schemas` route serves. The built-in sources' schemas
(github, catalog) are their contracts, kept here so definitions can be checked
without loading the sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

CATALOG_SOURCE = "catalog"
GITHUB_SOURCE = "github"
SEVERITIES = ("critical", "high", "medium", "low")


class FactSchemaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    type: Literal["integer", "float", "string", "boolean", "datetime", "set", "object"]
    description: str = ""


FactSchema = Mapping[str, FactSchemaSpec]


def _schema(kind: Any, description: str) -> FactSchemaSpec:
    return FactSchemaSpec(type=kind, description=description)


def _alert_schema(kind: str, what: str) -> dict[str, FactSchemaSpec]:
    return {
        f"{kind}_{severity}": _schema(
            "integer",
            f"Open {what} alerts of {severity} severity (at most the first 1,000 open alerts "
            f"are counted). Absent when {what} alerts are off or not visible to the token.",
        )
        for severity in SEVERITIES
    }


GITHUB_FACT_SCHEMA: dict[str, FactSchemaSpec] = {
    "archived": _schema("boolean", "The repository is archived (read-only)."),
    "default_branch": _schema("string", "Name of the default branch."),
    "pushed_at": _schema("datetime", "Last push to any branch (RFC 3339); absent if never."),
    "branch_protection_enabled": _schema(
        "boolean",
        "The default branch has a branch protection rule. Absent when the token cannot "
        "read branch protection (it needs admin or 'Administration: read').",
    ),
    "required_reviews": _schema(
        "integer", "Approving reviews the default branch requires (0 when none)."
    ),
    "required_status_checks": _schema(
        "integer", "Status checks that must pass before merging to the default branch."
    ),
    "admins_enforced": _schema("boolean", "Branch protection also applies to administrators."),
    "has_codeowners": _schema("boolean", "A CODEOWNERS file exists in /, .github/ or docs/."),
    "has_readme": _schema("boolean", "A README exists in /, .github/ or docs/."),
    "has_license": _schema("boolean", "GitHub detects a license, or / has a LICENSE file."),
    "has_security_policy": _schema(
        "boolean", "A SECURITY.md security policy exists in /, .github/ or docs/."
    ),
    "dependency_update_tool": _schema(
        "string",
        "dependabot (.github/dependabot.yml), renovate (renovate.json, renovate.json5, "
        ".renovaterc, .github/renovate.json) or none.",
    ),
    **_alert_schema("dependabot_alerts", "Dependabot"),
    **_alert_schema("code_scanning_alerts", "code scanning"),
    "secret_scanning_alerts": _schema(
        "integer",
        "Open secret scanning alerts (at most 1,000 counted). Absent when secret "
        "scanning is off or not visible to the token.",
    ),
}


CATALOG_FACT_SCHEMA: Mapping[str, FactSchemaSpec] = {
    "owner_exists": FactSchemaSpec(
        type="boolean",
        description=(
            "spec.owner names a Group or User entity that exists in the catalog "
            "(false when spec.owner is missing or malformed)."
        ),
    ),
    "owner_ref": FactSchemaSpec(
        type="string",
        description="spec.owner as a full lower-cased entity ref, e.g. group:default/payments-team.",
    ),
    "owner_kind": FactSchemaSpec(
        type="string",
        description="The kind spec.owner names (group unless it says otherwise), lower-cased.",
    ),
    "dependents": FactSchemaSpec(
        type="integer",
        description=(
            "Components, APIs and Resources: how many catalog entities name this one in "
            "spec.dependsOn or spec.consumesApis."
        ),
    ),
    "parent": FactSchemaSpec(
        type="string",
        description="Groups: the ref of the parent group (spec.parent, or a group listing it in spec.children).",
    ),
    "ancestors": FactSchemaSpec(
        type="set",
        description="Groups: refs of the existing groups above this one, nearest first, up to the root.",
    ),
    "members": FactSchemaSpec(
        type="integer",
        description="Groups: how many existing User entities are direct members (spec.members or the user's spec.memberOf).",
    ),
    "member_of": FactSchemaSpec(
        type="set",
        description="Users: refs of the existing groups the user is a direct member of, sorted.",
    ),
}


BUILTIN_FACT_SCHEMAS: Mapping[str, FactSchema] = {
    GITHUB_SOURCE: GITHUB_FACT_SCHEMA,
    CATALOG_SOURCE: CATALOG_FACT_SCHEMA,
}
