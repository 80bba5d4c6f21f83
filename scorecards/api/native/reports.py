"""Report routes under /api/v1: team rollups, campaigns, trends and catalog completeness
(JSON, or CSV on request).

CSV is chosen by `?format=csv`, or by an `Accept: text/csv` header when no format is given.
`at` computes a report as of an earlier time, from the stored history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError, query_time
from scorecards.api.responses import SafeJSONResponse, SafeTextResponse
from scorecards.api.routing import api_router
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import utcnow
from scorecards.records.refs import normalize_ref
from scorecards.reports.campaigns import campaign_report, campaign_reports
from scorecards.reports.completeness import NoListingsError, report_from_store
from scorecards.reports.exports import Report, campaign_summary_json, report_csv, report_json
from scorecards.reports.inputs import ReportError
from scorecards.reports.teams import team_report
from scorecards.reports.timeline import parse_since
from scorecards.reports.trends import trend_report

router = api_router(prefix="/api/v1", tags=["reports"], dependencies=[Depends(require_read)])
Format = Literal["json", "csv"] | None
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}

FORMAT_QUERY = Query(default=None, alias="format", description="json (default) or csv")
AT_QUERY = Query(default=None, max_length=64, description="RFC 3339 time (default: now)")
SINCE_QUERY = Query(
    default=None, max_length=64, description="A day (2026-11-01), an RFC 3339 time, or 30d"
)
SCORECARD_QUERY = Query(default=None, max_length=100, description="Only this scorecard")


@router.get(
    "/reports/teams",
    summary="Per owning team (and every group above it) and scorecard: entities, average, "
    "levels, most-failed checks, change since a time",
    responses=CSV,
)
def get_team_report(
    request: Request,
    scorecard: str | None = SCORECARD_QUERY,
    since: str | None = SINCE_QUERY,
    at: str | None = AT_QUERY,
    output_format: Format = FORMAT_QUERY,
    context: ApiContext = Depends(get_context),
) -> Any:
    now = _at(at)
    inputs = context.report_inputs.get(context.store)
    report = _answer_404(
        lambda: team_report(inputs, context.definitions.current, now, _since(since, now), scorecard)
    )
    return _respond(request, report, output_format, "teams")


@router.get("/campaigns", summary="Every campaign's progress, nearest deadline first")
def list_campaigns(
    at: str | None = AT_QUERY, context: ApiContext = Depends(get_context)
) -> list[dict[str, Any]]:
    inputs = context.report_inputs.get(context.store)
    reports = campaign_reports(inputs, context.definitions.current, _at(at))
    return [campaign_summary_json(report) for report in reports]


@router.get(
    "/campaigns/{campaign_id}",
    summary="One campaign: in scope, done, exempt, remaining, overdue per team; "
    "remaining entities; burn-down by day",
    responses=CSV,
)
def get_campaign(
    campaign_id: str,
    request: Request,
    at: str | None = AT_QUERY,
    output_format: Format = FORMAT_QUERY,
    context: ApiContext = Depends(get_context),
) -> Any:
    definitions = context.definitions.current
    if campaign_id not in definitions.campaigns:
        known = ", ".join(definitions.campaigns) or "none"
        raise ApiError(404, f"no campaign '{campaign_id}' — the campaigns are: {known}")
    inputs = context.report_inputs.get(context.store)
    report = campaign_report(inputs, definitions, campaign_id, _at(at))
    return _respond(request, report, output_format, f"campaign-{campaign_id}")


@router.get(
    "/reports/trends",
    summary="Daily score points per scorecard: of one entity, one team (sub-teams included) "
    "or the whole catalog",
    responses=CSV,
)
def get_trends(
    request: Request,
    entity: str | None = Query(default=None, max_length=500, description="Entity ref"),
    team: str | None = Query(
        default=None, max_length=500, description="Team ref; a bare name is a group"
    ),
    scorecard: str | None = SCORECARD_QUERY,
    since: str | None = SINCE_QUERY,
    at: str | None = AT_QUERY,
    output_format: Format = FORMAT_QUERY,
    context: ApiContext = Depends(get_context),
) -> Any:
    now = _at(at)
    entity_ref = _ref("entity", entity, "component")
    team_ref = _ref("team", team, "group")
    if entity_ref is not None and team_ref is not None:
        raise ApiError(422, "give entity or team, not both")
    inputs = context.report_inputs.get(context.store)
    report = _answer_404(
        lambda: trend_report(
            inputs,
            context.definitions.current,
            now,
            entity=entity_ref,
            team=team_ref,
            scorecard_id=scorecard,
            since=_since(since, now),
        )
    )
    return _respond(request, report, output_format, "trends")


@router.get(
    "/reports/completeness",
    summary="Repositories of the GitHub organisations (SCORECARDS_GITHUB_ORGS) with and "
    "without a catalog entity, per team; the uncatalogued ones; entities naming a missing one",
    responses=CSV,
)
def get_completeness(
    request: Request,
    at: str | None = Query(
        default=None, max_length=64, description="RFC 3339 time: the listing stored as of then"
    ),
    include_archived: bool | None = Query(
        default=None, description="Count archived repositories (default: the setting, false)"
    ),
    include_forks: bool | None = Query(
        default=None, description="Count forks (default: the setting, false)"
    ),
    output_format: Format = FORMAT_QUERY,
    context: ApiContext = Depends(get_context),
) -> Any:
    changes: dict[str, bool] = {}
    if include_archived is not None:
        changes["completeness_include_archived"] = include_archived
    if include_forks is not None:
        changes["completeness_include_forks"] = include_forks
    settings = context.settings.model_copy(update=changes)
    moment = query_time("at", at)
    entities = context.report_inputs.get(context.store).entities.values()
    try:
        report = report_from_store(context.store, settings, moment, entities)
    except NoListingsError as exc:
        raise ApiError(404, str(exc)) from None
    return _respond(request, report, output_format, "completeness")


def _answer_404(build: Callable[[], Report]) -> Report:
    """Build a report; an unknown scorecard, entity or team is a 404 saying which."""
    try:
        report: Report = build()
    except ReportError as exc:
        raise ApiError(404, str(exc)) from None
    return report


def _respond(request: Request, report: Report, output_format: Format, name: str) -> Response:
    accept = request.headers.get("accept", "")
    if output_format == "csv" or (output_format is None and "text/csv" in accept):
        return SafeTextResponse(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return SafeJSONResponse(report_json(report))


def _at(text: str | None) -> datetime:
    return query_time("at", text) or utcnow()


def _since(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    try:
        since = parse_since(text, now)
    except ReportError as exc:
        raise ApiError(
            422, str(exc), details=[{"field": "query.since", "message": str(exc)}]
        ) from None
    if since > now:
        raise ApiError(422, f"since={text!r} is after the report's time")
    return since


def _ref(name: str, text: str | None, default_kind: str) -> str | None:
    if text is None:
        return None
    try:
        return normalize_ref(text, default_kind=default_kind)
    except CatalogError as exc:
        raise ApiError(422, f"{name}: {exc}") from None
