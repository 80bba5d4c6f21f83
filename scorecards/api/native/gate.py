"""`POST /api/v1/gate`: the release gate over the server's stored results.

The same decision as `scorecards gate` (scorecards.gate.decide_gate): 200 with
`decision` pass, fail or undecidable and the reasons whenever the question is
well-formed — an unknown entity or scorecard, or stale results, is an
`undecidable` answer, not an HTTP error — and 422 when the question is not.
Only reads, so it needs a token only where reads do.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.routing import api_router
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import utcnow
from scorecards.gate import GatePolicy, Threshold, catalog_location, decide_gate, parse_max_age
from scorecards.records.refs import normalize_ref

router = api_router(prefix="/api/v1", tags=["gate"], dependencies=[Depends(require_read)])


class GateRequest(BaseModel):
    """The question: does this entity reach this threshold on this scorecard?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "entity": "component:default/payments-api",
                    "scorecard": "service-maturity",
                    "min_level": "Silver",
                    "require_checks": ["no-critical-dependabot-alerts"],
                    "max_age": "1d",
                }
            ]
        },
    )

    entity: str = Field(min_length=1, max_length=800, description="Entity ref, kind:namespace/name")
    scorecard: str = Field(min_length=1, max_length=100, description="Scorecard id")
    min_level: str | None = Field(default=None, min_length=1, max_length=50)
    min_score: float | None = Field(default=None, ge=0, le=100)
    require_checks: list[str] = Field(
        default=[], max_length=100, description="Checks that must pass or be exempt"
    )
    max_age: str | None = Field(
        default=None,
        max_length=20,
        description="Results or facts older than this (30m, 12h, 1d, 2w) make it undecidable",
    )

    @field_validator("max_age")
    @classmethod
    def _max_age_is_a_duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_max_age(value)
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> GateRequest:
        if (self.min_level is None) == (self.min_score is None):
            raise ValueError("give exactly one of min_level (e.g. Silver) or min_score (0-100)")
        return self


@router.post(
    "/gate",
    summary="Pass, fail or undecidable for an entity against a scorecard threshold, with reasons",
)
def gate(request: GateRequest, context: ApiContext = Depends(get_context)) -> dict[str, Any]:
    try:
        ref = normalize_ref(request.entity)
    except CatalogError as exc:
        raise ApiError(
            422,
            str(exc),
            details=[{"field": "body.entity", "message": str(exc), "type": "value_error"}],
        ) from None
    policy = GatePolicy(
        ref,
        request.scorecard,
        Threshold(request.min_level, request.min_score),
        tuple(dict.fromkeys(request.require_checks)),
        None if request.max_age is None else parse_max_age(request.max_age),
    )
    store = context.store
    evaluation = store.latest_evaluations([ref]).get(ref)
    location = catalog_location(store.get_entity(ref))
    collected = store.facts_last_collected(evaluation) if evaluation else None
    definitions = context.definitions.current
    decision = decide_gate(evaluation, definitions, policy, utcnow(), location, collected)
    return decision.to_dict()
