"""Entities, scores and definitions as the native API shows them. Pure functions.

An explanation says, for each scorecard, the score, the level and what blocks
the next level; for each check, its status, why, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scorecards.definitions.compiled import Check, Definitions, Scorecard
from scorecards.formats.timeutil import format_duration, format_timestamp
from scorecards.records.entities import Entity, owner_ref
from scorecards.records.refs import parse_ref
from scorecards.records.results import SATISFIES_LEVEL, EntityEvaluation, ScorecardResult, Status


def entity_summary(
    ref: str, entity: Entity | None, evaluation: EntityEvaluation | None, definitions: Definitions
) -> dict[str, Any]:
    kind, namespace, name = parse_ref(ref)
    metadata = (entity or {}).get("metadata") or {}
    spec = (entity or {}).get("spec") or {}
    return {
        "ref": ref,
        "kind": (entity or {}).get("kind", kind),
        "namespace": namespace,
        "name": metadata.get("name", name),
        "title": metadata.get("title"),
        "owner": owner_ref(entity) if entity else None,
        "type": spec.get("type") if isinstance(spec.get("type"), str) else None,
        "lifecycle": spec.get("lifecycle") if isinstance(spec.get("lifecycle"), str) else None,
        "evaluated_at": format_timestamp(evaluation.evaluated_at) if evaluation else None,
        "scorecards": [
            {
                "id": card.scorecard_id,
                "name": _scorecard_name(definitions, card.scorecard_id),
                "score": card.score,
                "level": card.level,
            }
            for card in (evaluation.scorecards if evaluation else [])
        ],
    }


def entity_explanation(
    ref: str, entity: Entity | None, evaluation: EntityEvaluation, definitions: Definitions
) -> dict[str, Any]:
    summary = entity_summary(ref, entity, evaluation, definitions)
    summary["definitions_version"] = evaluation.definitions_version
    summary["definitions_changed"] = evaluation.definitions_version != definitions.version
    statuses = {result.check_id: result.status for result in evaluation.checks}
    summary["scorecards"] = [
        scorecard_explanation(card, definitions.scorecards.get(card.scorecard_id), statuses)
        for card in evaluation.scorecards
    ]
    summary["checks"] = [
        {
            "id": result.check_id,
            "status": result.status.value,
            "message": result.message,
            "facts": result.fact_timestamps,
            "exemption": (
                exemption_description(definitions, result.check_id, ref)
                if result.status == Status.EXEMPT
                else None
            ),
            **check_description(definitions.checks.get(result.check_id)),
        }
        for result in evaluation.checks
    ]
    return summary


def exemption_description(
    definitions: Definitions, check_id: str, ref: str
) -> dict[str, str] | None:
    """Why an exempt check is waived and until when; None once the exemption is no longer defined."""
    exemption = definitions.exemptions.get((check_id, ref))
    if exemption is None:
        return None
    return {"reason": exemption.spec.reason, "expires": exemption.spec.expires.isoformat()}


def scorecard_explanation(
    card: ScorecardResult, scorecard: Scorecard | None, statuses: Mapping[str, Status]
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": card.scorecard_id,
        "name": scorecard.spec.name if scorecard else card.scorecard_id,
        "score": card.score,
        "level": card.level,
        "counts": card.counts,
        "error": card.error,
        "levels": [level.name for level in scorecard.levels] if scorecard else [],
        "next_level": None,
    }
    if scorecard is None:
        return view
    names = [level.name for level in scorecard.levels]
    following = names.index(card.level) + 1 if card.level in names else 0
    if following < len(scorecard.levels):
        level = scorecard.levels[following]
        view["next_level"] = {
            "name": level.name,
            "checks_missing": [c for c in level.checks if statuses.get(c) not in SATISFIES_LEVEL],
            "min_score": level.min_score,
            "score_missing": (
                max(0.0, round(level.min_score - (card.score or 0.0), 2))
                if level.min_score is not None
                else None
            ),
        }
    return view


def check_description(check: Check | None) -> dict[str, Any]:
    """What a check is, and how to fix it; a check no longer defined keeps only its id."""
    if check is None:
        return {"name": None, "remediation": None, "links": []}
    spec = check.spec
    return {
        "name": spec.name,
        "description": spec.description,
        "category": spec.category,
        "severity": spec.severity,
        "weight": check.weight,
        "remediation": spec.remediation,
        "links": [{"title": link.title, "url": link.url} for link in spec.links],
    }


def check_definition(check: Check) -> dict[str, Any]:
    spec = check.spec
    return {
        "id": check.id,
        **check_description(check),
        "requires": list(spec.requires),
        "reads": sorted(check.fact_sources),
        "max_age": format_duration(spec.max_age) if spec.max_age else None,
        "applies": spec.applies,
        "rule": spec.rule,
        "location": str(check.location),
    }


def scorecard_definition(scorecard: Scorecard) -> dict[str, Any]:
    spec = scorecard.spec
    return {
        "id": scorecard.id,
        "name": spec.name,
        "description": spec.description,
        "applies": spec.applies,
        "checks": [{"id": check_id, "weight": weight} for check_id, weight in scorecard.weights],
        "levels": [
            {"name": level.name, "checks": list(level.checks), "min_score": level.min_score}
            for level in scorecard.levels
        ],
        "location": str(scorecard.location),
    }


def history_point(evaluation: EntityEvaluation, scorecard_id: str | None) -> dict[str, Any]:
    return {
        "evaluated_at": format_timestamp(evaluation.evaluated_at),
        "definitions_version": evaluation.definitions_version,
        "scorecards": [
            {"id": card.scorecard_id, "score": card.score, "level": card.level}
            for card in evaluation.scorecards
            if scorecard_id is None or card.scorecard_id == scorecard_id
        ],
    }


def _scorecard_name(definitions: Definitions, scorecard_id: str) -> str:
    scorecard = definitions.scorecards.get(scorecard_id)
    return scorecard.spec.name if scorecard else scorecard_id
