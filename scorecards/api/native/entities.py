"""Native read routes under /api/v1: entities, their scores and history, scorecards, checks."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError, query_time
from scorecards.api.native.explanations import (
    check_definition,
    entity_explanation,
    entity_summary,
    history_point,
    scorecard_definition,
)
from scorecards.api.routing import api_router
from scorecards.definitions.compiled import Definitions
from scorecards.errors import CatalogError
from scorecards.records.entities import Entity, owner_ref
from scorecards.records.refs import normalize_ref
from scorecards.records.results import EntityEvaluation
from scorecards.reports.summaries import NO_LEVEL
from scorecards.stores.base import Store

router = api_router(prefix="/api/v1", tags=["native"], dependencies=[Depends(require_read)])


@router.get("/entities", summary="Entities with their scores, filtered and paged")
def list_entities(
    kind: str | None = Query(default=None, max_length=100, description="e.g. Component"),
    owner: str | None = Query(
        default=None, max_length=500, description="Owner ref; a bare name is a group"
    ),
    scorecard: str | None = Query(
        default=None, max_length=100, description="Only entities this scorecard applies to"
    ),
    level: str | None = Query(
        default=None,
        max_length=100,
        description="Level reached (in `scorecard` if given, else in any); `none` for no level",
    ),
    checks: bool = Query(
        default=False,
        description="Add each entity's check statuses (`checks: [{id, status}]`), so one "
        "page of requests reads every result in bulk",
    ),
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=10_000_000),
    context: ApiContext = Depends(get_context),
) -> dict[str, Any]:
    store = context.store
    definitions = context.definitions.current
    if scorecard is not None and scorecard not in definitions.scorecards:
        raise ApiError(404, f"no scorecard '{scorecard}' — GET /api/v1/scorecards lists them")
    refs = store.list_entity_refs()
    if kind is not None:
        prefix = f"{kind.lower()}:"
        refs = [ref for ref in refs if ref.startswith(prefix)]
    if owner is not None:
        wanted = _owner_filter(owner)
        documents = store.get_entities(refs)
        refs = [ref for ref in refs if owner_ref(documents.get(ref) or {}) == wanted]
    evaluations: dict[str, EntityEvaluation] | None = None
    if scorecard is not None or level is not None:
        evaluations = store.latest_evaluations(refs)
        refs = [
            ref
            for ref in refs
            if (found := evaluations.get(ref)) is not None
            and _matches_level(found, scorecard, level)
        ]
    page = refs[offset : offset + limit]
    documents = store.get_entities(page)
    page_evaluations = store.latest_evaluations(page) if evaluations is None else evaluations
    return {
        "total": len(refs),
        "limit": limit,
        "offset": offset,
        "items": [
            _listed(ref, documents.get(ref), page_evaluations.get(ref), definitions, checks)
            for ref in page
        ],
    }


@router.get(
    "/entities/{kind}/{namespace}/{name}",
    summary="One entity's scores, with every check's status, reason and remediation",
)
def get_entity(
    kind: str, namespace: str, name: str, context: ApiContext = Depends(get_context)
) -> dict[str, Any]:
    ref = _ref(kind, namespace, name)
    evaluation = context.store.latest_evaluations([ref]).get(ref)
    entity = context.store.get_entity(ref)
    if evaluation is None:
        raise ApiError(404, _missing(entity is not None, ref))
    return entity_explanation(ref, entity, evaluation, context.definitions.current)


@router.get(
    "/entities/{kind}/{namespace}/{name}/history",
    summary="Scores and levels of one entity over time, oldest first: one point per change, "
    "then the latest as of the last run that confirmed it",
)
def get_entity_history(
    kind: str,
    namespace: str,
    name: str,
    since: str | None = Query(default=None, max_length=64, description="RFC 3339 time"),
    until: str | None = Query(default=None, max_length=64, description="RFC 3339 time"),
    scorecard: str | None = Query(default=None, max_length=100),
    context: ApiContext = Depends(get_context),
) -> dict[str, Any]:
    ref = _ref(kind, namespace, name)
    store = context.store
    history = store.evaluation_timeline(ref, query_time("since", since), query_time("until", until))
    if not history and not _is_known(store, ref):
        raise ApiError(404, _missing(False, ref))
    return {"entity": ref, "points": [history_point(e, scorecard) for e in history]}


@router.get("/scorecards", summary="Every scorecard: checks, weights and levels")
def list_scorecards(context: ApiContext = Depends(get_context)) -> list[dict[str, Any]]:
    return [scorecard_definition(s) for s in context.definitions.current.scorecards.values()]


@router.get("/scorecards/{scorecard_id}", summary="One scorecard")
def get_scorecard(scorecard_id: str, context: ApiContext = Depends(get_context)) -> dict[str, Any]:
    scorecard = context.definitions.current.scorecards.get(scorecard_id)
    if scorecard is None:
        raise ApiError(404, f"no scorecard '{scorecard_id}' — GET /api/v1/scorecards lists them")
    return scorecard_definition(scorecard)


@router.get("/checks", summary="Every check: what it tests, its weight and how to fix it")
def list_checks(context: ApiContext = Depends(get_context)) -> list[dict[str, Any]]:
    return [check_definition(c) for c in context.definitions.current.checks.values()]


@router.get("/checks/{check_id}", summary="One check")
def get_check(check_id: str, context: ApiContext = Depends(get_context)) -> dict[str, Any]:
    check = context.definitions.current.checks.get(check_id)
    if check is None:
        raise ApiError(404, f"no check '{check_id}' — GET /api/v1/checks lists them")
    return check_definition(check)


def _listed(
    ref: str,
    entity: Entity | None,
    evaluation: EntityEvaluation | None,
    definitions: Definitions,
    with_checks: bool,
) -> dict[str, Any]:
    item = entity_summary(ref, entity, evaluation, definitions)
    if with_checks:
        results = evaluation.checks if evaluation else []
        item["checks"] = [{"id": r.check_id, "status": r.status.value} for r in results]
    return item


def _matches_level(evaluation: EntityEvaluation, scorecard: str | None, level: str | None) -> bool:
    cards = [c for c in evaluation.scorecards if scorecard is None or c.scorecard_id == scorecard]
    if not cards:
        return False
    if level is None:
        return True
    wanted = level.lower()
    return any((card.level or NO_LEVEL).lower() == wanted for card in cards)


def _owner_filter(owner: str) -> str:
    try:
        return normalize_ref(owner, default_kind="group")
    except CatalogError as exc:
        raise ApiError(422, f"owner: {exc}") from None


def _ref(kind: str, namespace: str, name: str) -> str:
    try:
        return normalize_ref(f"{kind}:{namespace}/{name}")
    except CatalogError as exc:
        raise ApiError(400, str(exc)) from None


def _is_known(store: Store, ref: str) -> bool:
    return store.get_entity(ref) is not None


def _missing(is_known: bool, ref: str) -> str:
    if is_known:
        return f"entity {ref} has not been scored yet — run `scorecards run` (or POST /api/v1/runs)"
    return f"no entity {ref} in the store — check the ref (kind/namespace/name in the path)"
