"""GET /api/v1/reports/completeness: GitHub repositories versus the catalog (JSON or CSV)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.completeness_exports import completeness_csv, completeness_json
from scorecards.sources.github_org import NoListingsError, report_from_store
from scorecards.timeutil import parse_timestamp

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(require_read)])


@router.get(
    "/completeness",
    summary="Repositories of the GitHub organisations (SCORECARDS_GITHUB_ORGS) with and "
    "without a catalog entity, per team; the uncatalogued ones; entities naming a missing one",
    responses={200: {"content": {"text/csv": {}}}},
)
def get_completeness(
    output_format: Literal["json", "csv"] = Query(default="json", alias="format"),
    at: str | None = Query(
        default=None, max_length=64, description="RFC 3339 time: the listing stored as of then"
    ),
    include_archived: bool | None = Query(
        default=None, description="Count archived repositories (default: the setting, false)"
    ),
    include_forks: bool | None = Query(
        default=None, description="Count forks (default: the setting, false)"
    ),
    context: ApiContext = Depends(get_context),
) -> Any:
    changes: dict[str, bool] = {}
    if include_archived is not None:
        changes["completeness_include_archived"] = include_archived
    if include_forks is not None:
        changes["completeness_include_forks"] = include_forks
    settings = context.settings.model_copy(update=changes)
    try:
        moment = parse_timestamp(at) if at is not None else None
    except ValueError:
        raise ApiError(
            422,
            f"at={at!r} is not an RFC 3339 time, e.g. 2026-11-01T00:00:00Z",
            details=[{"field": "query.at", "message": "not an RFC 3339 time"}],
        ) from None
    try:
        report = report_from_store(context.store, settings, moment)
    except NoListingsError as exc:
        raise ApiError(404, str(exc)) from None
    if output_format == "csv":
        return Response(
            completeness_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="completeness.csv"'},
        )
    return JSONResponse(completeness_json(report))
