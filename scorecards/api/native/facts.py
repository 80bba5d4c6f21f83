"""POST /api/v1/facts: CI jobs push facts for entities, one source per request.

The body has the shape of a fact file (examples/facts/*.yaml). Everything is
checked before anything is stored: the source must be known, each value must fit
the source's fact schema, each entity must be in the store (unless
SCORECARDS_API_PUSH_UNKNOWN_ENTITIES allows new ones), and a scoped token may
push only its sources, for the entities it is scoped to. Then all facts are
written at once; they count from the next run on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field

from scorecards.api.auth import require
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.routing import api_router
from scorecards.api.token_scopes import Action, Principal
from scorecards.definitions.compiled import Definitions
from scorecards.definitions.fact_schemas import known_sources, schema_problems, source_fact_schema
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import format_timestamp, parse_timestamp, utcnow
from scorecards.records.entities import owner_ref
from scorecards.records.fact_schemas import CATALOG_SOURCE, FactSchema
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.refs import normalize_ref

router = api_router(prefix="/api/v1", tags=["facts"])
MAX_FACTS = 1000
# A timestamp ahead of the clock would stay "latest" and shadow every later push.
MAX_CLOCK_SKEW = timedelta(minutes=5)


class PushedFact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(min_length=1, max_length=800, examples=["component:default/payments-api"])
    values: dict[str, Any] = Field(
        max_length=500, examples=[{"coverage": 87.4, "build_passing": True}]
    )
    timestamp: datetime | None = Field(
        default=None, description="When the facts were collected; default: now"
    )


class FactsPush(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(
        min_length=1, max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", examples=["ci"]
    )
    facts: list[PushedFact] = Field(min_length=1, max_length=MAX_FACTS)


class StoredFact(BaseModel):
    entity: str
    timestamp: str


class FactsPushed(BaseModel):
    source: str
    accepted: int
    facts: list[StoredFact]


@router.post(
    "/facts",
    status_code=201,
    summary="Push facts of one source for entities (needs a bearer token)",
)
def push_facts(
    push: FactsPush,
    principal: Principal = Depends(require(Action.PUSH_FACTS)),
    context: ApiContext = Depends(get_context),
) -> FactsPushed:
    definitions = context.definitions.current
    metrics = context.metrics
    known = known_sources(definitions)
    # Only known sources become metric labels, so junk cannot grow the label set.
    label = push.source if push.source in known else "unknown"
    try:
        _check_source(push.source, known)
        _check_source_scope(principal, push.source)
        facts = _valid_facts(push, _declared_schema(definitions, push.source))
        refs = list(dict.fromkeys(fact.entity_ref for fact in facts))
        documents = context.store.get_entities(refs)
        _check_entities(context, refs, documents)
        _check_entity_scope(principal, refs, documents)
    except ApiError:
        metrics.facts_pushed.labels(label, "rejected").inc(len(push.facts))
        raise
    context.store.write_facts(facts)
    metrics.facts_pushed.labels(push.source, "accepted").inc(len(facts))
    return FactsPushed(
        source=push.source,
        accepted=len(facts),
        facts=[
            StoredFact(entity=f.entity_ref, timestamp=format_timestamp(f.timestamp)) for f in facts
        ],
    )


def _declared_schema(definitions: Definitions, source: str) -> FactSchema:
    """The source's fact schema; a 422 saying how to declare one when it has none, since
    values no one checked would surface later as puzzling rule errors."""
    schema = source_fact_schema(definitions, source)
    if schema:
        return schema
    raise ApiError(
        422,
        f"source '{source}' declares no fact schema, so pushed values cannot be checked — "
        f"declare its facts in the definitions: sources: [{{id: {source}, type: push, "
        "schema: {coverage: {type: float}}}]",
        details=[{"field": "body.source", "message": "declares no fact schema"}],
    )


def _valid_facts(push: FactsPush, schema: FactSchema) -> list[Fact]:
    """The pushed facts, or a 422 naming every field that does not fit."""
    now = utcnow()
    details: list[dict[str, Any]] = []
    facts: list[Fact] = []
    for index, pushed in enumerate(push.facts):
        where = f"body.facts[{index}]"
        try:
            ref = normalize_ref(pushed.entity)
        except CatalogError as exc:
            details.append({"field": f"{where}.entity", "message": str(exc)})
            continue
        for name, problem in schema_problems(schema, pushed.values).items():
            details.append({"field": f"{where}.values.{name}", "message": problem})
        moment = parse_timestamp(pushed.timestamp) if pushed.timestamp else now
        if moment - now > MAX_CLOCK_SKEW:
            details.append(
                {
                    "field": f"{where}.timestamp",
                    "message": f"{format_timestamp(moment)} is in the future — "
                    "send the time the facts were collected",
                }
            )
        facts.append(Fact(ref, push.source, moment, pushed.values))
    if details:
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
        raise ApiError(
            422, f"facts for source '{push.source}' are not valid: {summary}", details=details
        )
    return facts


RESERVED_SOURCES = {
    RESULTS_SOURCE: "holds scoring results",
    CATALOG_SOURCE: "is computed from the catalog by every run",
}


def _check_source(source: str, known: set[str]) -> None:
    if source in RESERVED_SOURCES:
        raise ApiError(
            422,
            f"source '{source}' is reserved: it {RESERVED_SOURCES[source]}",
            details=[{"field": "body.source", "message": "reserved"}],
        )
    if source not in known:
        raise ApiError(
            422,
            f"unknown source '{source}' — known sources: {', '.join(sorted(known)) or 'none'}; "
            "declare a new one under `sources:` (type: push, with a `schema:`) in the definitions",
            details=[{"field": "body.source", "message": "not a known source"}],
        )


def _check_entities(
    context: ApiContext, refs: list[str], documents: Mapping[str, Mapping[str, Any]]
) -> None:
    if context.settings.api_push_unknown_entities:
        return
    missing = [ref for ref in refs if ref not in documents]
    if missing:
        raise ApiError(
            404,
            f"no entit{'y' if len(missing) == 1 else 'ies'} {', '.join(missing[:10])} in the store — "
            "facts are accepted for catalog entities only: check the refs, run `scorecards run` "
            "after adding them to the catalog, or set SCORECARDS_API_PUSH_UNKNOWN_ENTITIES=true",
            details=[
                {"field": "body.facts", "message": f"unknown entity {ref}"} for ref in missing
            ],
        )


def _check_source_scope(principal: Principal, source: str) -> None:
    scope = principal.scope
    if scope is None or scope.sources is None or source in scope.sources:
        return
    raise ApiError(
        403,
        f"the token '{principal.name}' may push facts of {_listed(scope.sources)} only, "
        f"not '{source}' — its api_token_scopes entry lists its sources",
        details=[{"field": "body.source", "message": "not a source this token may push"}],
    )


def _check_entity_scope(
    principal: Principal, refs: list[str], documents: Mapping[str, Mapping[str, Any]]
) -> None:
    """403 naming every entity the token may not push for (by its owner or its ref)."""
    scope = principal.scope
    if scope is None:
        return
    refused = [
        ref for ref in refs if not scope.allows_entity(ref, owner_ref(documents.get(ref) or {}))
    ]
    if refused:
        raise ApiError(
            403,
            f"the token '{principal.name}' may not push facts for "
            f"{', '.join(refused[:10])}{' …' if len(refused) > 10 else ''} — it may push for "
            f"entities owned by {_listed(scope.owners or ())} or {_listed(scope.entities or ())}",
            details=[
                {"field": "body.facts", "message": f"not an entity this token may push for: {ref}"}
                for ref in refused
            ],
        )


def _listed(values: Iterable[str]) -> str:
    names = sorted(values)
    return ", ".join(names) if names else "none"
