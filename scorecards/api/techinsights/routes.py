"""Tech Insights-compatible routes under /api/tech-insights.

A Backstage app pointing its `tech-insights` plugin here (app-config
`discovery.endpoints`) shows our checks on entity pages with the stock frontend.
Results are read from the stored latest evaluations; nothing is evaluated here.
The run routes are POST, as in Tech Insights, but only read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.responses import SafeJSONResponse
from scorecards.api.routing import api_router
from scorecards.api.techinsights.shapes import (
    UnknownCheckError,
    build_check_index,
    entity_results,
    fact_row,
    fact_schema_response,
)
from scorecards.definitions.fact_schemas import declared_schemas, evaluation_fact_values
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import format_timestamp, parse_timestamp
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.refs import normalize_ref
from scorecards.records.results import EntityEvaluation
from scorecards.stores.base import Store, fact_evaluation

router = api_router(
    prefix="/api/tech-insights", tags=["tech-insights"], dependencies=[Depends(require_read)]
)
MAX_BULK_ENTITIES = 1000


class RunChecksRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    checks: list[str] | None = Field(default=None, max_length=1000)


class EntityName(BaseModel):
    model_config = ConfigDict(extra="ignore")
    namespace: str = Field(default="default", min_length=1, max_length=253)
    kind: str = Field(min_length=1, max_length=253)
    name: str = Field(min_length=1, max_length=253)


class BulkRunChecksRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    entities: list[EntityName | str] = Field(default_factory=list, max_length=MAX_BULK_ENTITIES)
    checks: list[str] | None = Field(default=None, max_length=1000)


@router.get("/checks", summary="Every check, Tech Insights `Check[]`")
def list_checks(context: ApiContext = Depends(get_context)) -> SafeJSONResponse:
    index = build_check_index(context.definitions.current)
    return SafeJSONResponse(list(index.responses.values()))


@router.get("/fact-schemas", summary="Fact schemas, one per source (`FactSchema[]`)")
def list_fact_schemas(
    request: Request, context: ApiContext = Depends(get_context)
) -> SafeJSONResponse:
    definitions = context.definitions.current
    wanted = query_ids(request)
    schemas = [
        fact_schema_response(source, schema, definitions.version)
        for source, schema in declared_schemas(definitions).items()
        if wanted is None or source in wanted
    ]
    return SafeJSONResponse(schemas)


@router.post(
    "/checks/run/{namespace}/{kind}/{name}",
    summary="Stored results of one entity (`CheckResult[]`); all checks unless `checks` names some",
)
def run_checks(
    namespace: str,
    kind: str,
    name: str,
    body: RunChecksRequest | None = Body(default=None),
    context: ApiContext = Depends(get_context),
) -> SafeJSONResponse:
    ref = _ref_of(f"{kind}:{namespace}/{name}")
    index = build_check_index(context.definitions.current)
    try:
        ids = index.select(body.checks if body is not None else None)
    except UnknownCheckError as exc:
        raise ApiError(404, str(exc)) from None
    evaluation = context.store.latest_evaluations([ref]).get(ref)
    if evaluation is None:
        raise ApiError(404, _not_scored_message(context.store, ref))
    latest = context.store.latest_facts([ref]).get(ref, {})
    used = facts_used(context.store, evaluation, latest)
    return SafeJSONResponse(entity_results(index, evaluation, used, ids))


@router.post(
    "/checks/run",
    summary="Stored results of many entities (`BulkCheckResponse`); every scored entity when none given",
)
def run_bulk_checks(
    body: BulkRunChecksRequest, context: ApiContext = Depends(get_context)
) -> SafeJSONResponse:
    store = context.store
    index = build_check_index(context.definitions.current)
    if body.entities:
        refs = [_bulk_ref(entity) for entity in body.entities]
        evaluations = store.latest_evaluations(refs)
    else:
        evaluations = store.latest_evaluations()
        refs = sorted(evaluations)
    try:
        ids: list[str] | None = index.select(body.checks)
        failure = None
    except UnknownCheckError as exc:
        ids, failure = None, {"name": "NotFoundError", "message": str(exc)}
    latest = store.latest_facts(list(evaluations)) if ids is not None else {}
    answer: list[dict[str, Any]] = []
    for ref in refs:
        evaluation = evaluations.get(ref)
        if ids is None or evaluation is None:
            error = failure or {"name": "NotFoundError", "message": _not_scored_message(store, ref)}
            answer.append({"entity": ref, "error": error, "results": []})
            continue
        used = facts_used(store, evaluation, latest.get(ref, {}))
        answer.append({"entity": ref, "results": entity_results(index, evaluation, used, ids)})
    return SafeJSONResponse(answer)


@router.get(
    "/facts/latest",
    summary="Latest facts of an entity by source (`InsightFacts`); ids are source ids",
)
def latest_facts(
    request: Request,
    entity: str = Query(description="Entity ref, kind:namespace/name", max_length=800),
    context: ApiContext = Depends(get_context),
) -> SafeJSONResponse:
    ref = _ref_of(entity)
    ids = _required_ids(request)
    store = context.store
    latest = store.latest_facts([ref], ids).get(ref, {})
    if not latest:
        _require_known(store, ref)
    version = context.definitions.current.version
    answer = {
        source: _fact_row(ref, fact, version) for source, fact in latest.items() if source in ids
    }
    return SafeJSONResponse(answer)


@router.get(
    "/facts/range",
    summary="Facts of an entity between two times, by source (ids are source ids)",
)
def facts_range(
    request: Request,
    entity: str = Query(description="Entity ref, kind:namespace/name", max_length=800),
    start_datetime: str = Query(alias="startDatetime", max_length=64),
    end_datetime: str = Query(alias="endDatetime", max_length=64),
    context: ApiContext = Depends(get_context),
) -> SafeJSONResponse:
    ref = _ref_of(entity)
    ids = _required_ids(request)
    since = _datetime_param("startDatetime", start_datetime)
    until = _datetime_param("endDatetime", end_datetime)
    store = context.store
    _require_known(store, ref)
    version = context.definitions.current.version
    latest = store.latest_facts([ref], ids).get(ref, {})
    answer: dict[str, list[dict[str, Any]]] = {}
    for source in ids:
        history = store.fact_history(ref, source, since, until)
        confirmed = latest.get(source)
        # History holds changes; values collected again unchanged only moved the latest
        # fact, which is the last row when it was collected within the range.
        if (
            confirmed is not None
            and since <= confirmed.timestamp <= until
            and (not history or history[-1].timestamp < confirmed.timestamp)
        ):
            history.append(confirmed)
        if history:
            answer[source] = [_fact_row(ref, fact, version) for fact in history]
    return SafeJSONResponse(answer)


def facts_used(
    store: Store, evaluation: EntityEvaluation, latest: Mapping[str, Fact]
) -> dict[str, tuple[datetime, Mapping[str, Any]]]:
    """The facts an evaluation read, per source: the latest ones unless newer ones came
    since, else the values in force then (the last history point at or before)."""
    stamps: dict[str, str] = {}
    for result in evaluation.checks:
        stamps.update(result.fact_timestamps)
    used: dict[str, tuple[datetime, Mapping[str, Any]]] = {}
    for source, stamp in stamps.items():
        fact = latest.get(source)
        if fact is not None and format_timestamp(fact.timestamp) == stamp:
            used[source] = (fact.timestamp, fact.values)
            continue
        moment = parse_timestamp(stamp)
        history = store.fact_history(evaluation.entity_ref, source, until=moment)
        if history:
            used[source] = (moment, history[-1].values)
    return used


_INDEXED = re.compile(r"^ids\[(\d*)\]$")


def query_ids(request: Request) -> list[str] | None:
    """`ids` as qs encodes it (`ids[0]=a&ids[1]=b`), or `ids[]=a`, or repeated `ids=a`."""
    found: list[tuple[int, int, str]] = []
    for position, (key, value) in enumerate(request.query_params.multi_items()):
        match = _INDEXED.match(key)
        if key == "ids":
            found.extend((position, position, part) for part in value.split(",") if part)
        elif match:
            order = int(match.group(1)) if match.group(1) else position
            found.append((order, position, value))
    if not found:
        return None
    return list(dict.fromkeys(value for _, _, value in sorted(found)))


def _required_ids(request: Request) -> list[str]:
    ids = query_ids(request)
    if not ids:
        raise ApiError(
            422,
            "Failed to parse ids from request — name the fact sources (fact retriever ids), "
            "e.g. ?entity=component:default/payments-api&ids[0]=github&ids[1]=scorecards",
        )
    return ids


def _datetime_param(name: str, text: str) -> datetime:
    try:
        return parse_timestamp(text)
    except ValueError:
        raise ApiError(
            422,
            f"Failed to parse datetime from request: {name}={text!r} is not an ISO 8601 "
            "time, e.g. 2026-11-01T00:00:00Z",
            details=[{"field": f"query.{name}", "message": "not an ISO 8601 time", "value": text}],
        ) from None


def _fact_row(ref: str, fact: Fact, version: str) -> dict[str, Any]:
    if fact.source == RESULTS_SOURCE:
        evaluation = fact_evaluation(fact)
        values = evaluation_fact_values(evaluation)
        return fact_row(ref, fact.source, fact.timestamp, evaluation.definitions_version, values)
    return fact_row(ref, fact.source, fact.timestamp, version, fact.values)


def _ref_of(text: str) -> str:
    try:
        return normalize_ref(text)
    except CatalogError as exc:
        raise ApiError(400, str(exc)) from None


def _bulk_ref(entity: EntityName | str) -> str:
    if isinstance(entity, str):
        return _ref_of(entity)
    return _ref_of(f"{entity.kind}:{entity.namespace}/{entity.name}")


def _require_known(store: Store, ref: str) -> None:
    if store.get_entity(ref) is None and not store.latest_facts([ref]).get(ref):
        raise ApiError(
            404, f"no entity {ref} in the store — check the ref; refs are kind:namespace/name"
        )


def _not_scored_message(store: Store, ref: str) -> str:
    if store.get_entity(ref) is None:
        return (
            f"no entity {ref} in the store — check the ref (kind:namespace/name), "
            "or run `scorecards run` after adding it to the catalog"
        )
    return f"entity {ref} has not been scored yet — run `scorecards run` (or POST /api/v1/runs)"
