"""POST /api/v1/facts: CI jobs push facts for entities, one source per request.

The body has the shape of a fact file (examples/facts/*.yaml). Everything is
checked before anything is stored: the source must be known, each value must fit
the source's fact schema, each entity must be in the store (unless
SCORECARDS_API_PUSH_UNKNOWN_ENTITIES allows new ones). Then all facts are
written at once; they count from the next run on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from scorecards.api.auth import require_write
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.errors import CatalogError
from scorecards.fact_schemas import known_sources, schema_problems, source_fact_schema
from scorecards.refs import normalize_ref
from scorecards.sources.catalog_facts import CATALOG_SOURCE
from scorecards.stores.base import RESULTS_SOURCE, Fact
from scorecards.timeutil import format_timestamp, parse_timestamp, utcnow

router = APIRouter(prefix="/api/v1", tags=["facts"])
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
    dependencies=[Depends(require_write)],
    summary="Push facts of one source for entities (needs a bearer token)",
)
def push_facts(push: FactsPush, context: ApiContext = Depends(get_context)) -> FactsPushed:
    definitions = context.definitions.current
    metrics = context.metrics
    known = known_sources(definitions)
    # Only known sources become metric labels, so junk cannot grow the label set.
    label = push.source if push.source in known else "unknown"
    try:
        _check_source(push.source, known)
        schema = source_fact_schema(definitions, push.source)
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
        _check_entities(context, [fact.entity_ref for fact in facts])
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


def _check_entities(context: ApiContext, refs: list[str]) -> None:
    if context.settings.api_push_unknown_entities:
        return
    unique = list(dict.fromkeys(refs))
    known = context.store.get_entities(unique)
    missing = [ref for ref in unique if ref not in known]
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
