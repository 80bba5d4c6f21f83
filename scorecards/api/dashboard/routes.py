"""The dashboard's pages: the only part of the dashboard that reads the store.

Each route reads what its page needs, hands it to pure functions for the
page's data, and renders a template. An unknown entity, campaign or filter
value gets an HTML page saying so, with a 404 (or 422) status.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from scorecards.api.auth import require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.dashboard.entity_pages import EntityFilter, build_entity_page, select_entities
from scorecards.api.dashboard.overview import build_overview
from scorecards.api.dashboard.rendering import list_path, render
from scorecards.api.dashboard.report_views import (
    burndown_chart,
    completeness_chart,
    has_trend,
    team_sections,
    trend_chart,
)
from scorecards.api.responses import replace_surrogates
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import utcnow
from scorecards.records.refs import normalize_ref
from scorecards.reports.campaigns import campaign_report, campaign_reports
from scorecards.reports.completeness import NoListingsError, report_from_store
from scorecards.reports.inputs import ReportError
from scorecards.reports.teams import team_report
from scorecards.reports.trends import trend_report

router = APIRouter(
    tags=["dashboard"], include_in_schema=False, dependencies=[Depends(require_read)]
)
IMPROVERS_SINCE = timedelta(days=30)  # the teams page's default "change since"
TREND_DAYS = timedelta(days=90)  # how far back the overview's trend line reaches


def page(
    template: str,
    context: ApiContext,
    section: str,
    now: datetime,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    common = {
        "section": section,
        "linked": True,
        "generated_at": now,
        "definitions_version": context.definitions.current.version,
    }
    # Older versions stored lone surrogates as they came; a page must still encode.
    html = replace_surrogates(render(template, common | values))
    return HTMLResponse(html, status_code=status)


def problem_page(
    context: ApiContext, message: str, back: tuple[str, str], status: int = 404
) -> HTMLResponse:
    href, label = back
    return page(
        "not_found.html",
        context,
        href,
        utcnow(),
        status,
        message=message,
        back_href=href,
        back_label=label,
    )


@router.get("/", response_class=HTMLResponse)
def overview_page(context: ApiContext = Depends(get_context)) -> HTMLResponse:
    now = utcnow()
    definitions = context.definitions.current
    inputs = context.report_inputs.get(context.store)
    overview = build_overview(definitions, list(inputs.latest.values()))
    trend = trend_report(inputs, definitions, now, since=now - TREND_DAYS)
    names = {s.id: s.spec.name for s in definitions.scorecards.values()}
    return page(
        "overview.html",
        context,
        "/",
        now,
        overview=overview,
        level_chart=overview.level_chart(),
        histograms={card.id: card.histogram() for card in overview.scorecards},
        trend_chart=trend_chart(trend, names) if has_trend(trend) else None,
    )


@router.get("/teams", response_class=HTMLResponse)
def teams_page(
    scorecard: str | None = Query(default=None, max_length=100),
    since_text: str | None = Query(
        default=None, alias="since", max_length=40, description="change since this day"
    ),
    context: ApiContext = Depends(get_context),
) -> HTMLResponse:
    now = utcnow()
    definitions = context.definitions.current
    try:
        # Parsed here, not by FastAPI, so a mistyped day gets a page, not a JSON error.
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        message = f"since '{since_text}' is not a day: write it as YYYY-MM-DD, e.g. 2026-11-01."
        return problem_page(context, message, ("/teams", "Teams"), status=422)
    if not definitions.scorecards:
        return problem_page(context, "The definitions have no scorecard.", ("/", "Overview"))
    selected = scorecard or next(iter(definitions.scorecards))
    if selected not in definitions.scorecards:
        return problem_page(context, f"There is no scorecard '{selected}'.", ("/teams", "Teams"))
    start = datetime.combine(since, time(), now.tzinfo) if since else now - IMPROVERS_SINCE
    if start > now:
        return problem_page(
            context, f"since {since} is in the future.", ("/teams", "Teams"), status=422
        )
    inputs = context.report_inputs.get(context.store)
    report = team_report(inputs, definitions, now, since=start, scorecard_id=selected)
    section = team_sections(report, href_of=lambda team: list_path(team=team))[0]
    return page(
        "teams.html",
        context,
        "/teams",
        now,
        scorecards=[(s.id, s.spec.name) for s in definitions.scorecards.values()],
        selected=selected,
        since=start,
        team_section=section,
    )


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(context: ApiContext = Depends(get_context)) -> HTMLResponse:
    now = utcnow()
    inputs = context.report_inputs.get(context.store)
    reports = campaign_reports(inputs, context.definitions.current, now)
    return page("campaigns.html", context, "/campaigns", now, campaigns=reports)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(campaign_id: str, context: ApiContext = Depends(get_context)) -> HTMLResponse:
    now = utcnow()
    inputs = context.report_inputs.get(context.store)
    try:
        report = campaign_report(inputs, context.definitions.current, campaign_id, now)
    except ReportError as exc:
        return problem_page(context, str(exc), ("/campaigns", "All campaigns"))
    return page(
        "campaign.html",
        context,
        "/campaigns",
        now,
        campaign=report,
        burndown=burndown_chart(report),
    )


@router.get("/completeness", response_class=HTMLResponse)
def completeness_page(context: ApiContext = Depends(get_context)) -> HTMLResponse:
    now = utcnow()
    entities = context.report_inputs.get(context.store).entities.values()
    try:
        report = report_from_store(context.store, context.settings, entities=entities)
    except NoListingsError as exc:
        return page("completeness.html", context, "/completeness", now, problem=str(exc))
    chart = completeness_chart(report, href_of=lambda team: list_path(team=team))
    return page(
        "completeness.html",
        context,
        "/completeness",
        now,
        problem=None,
        report=report,
        chart=chart,
    )


@router.get("/entities", response_class=HTMLResponse)
def entities_page(
    kind: str | None = Query(default=None, max_length=100),
    owner: str | None = Query(default=None, max_length=500),
    team: str | None = Query(default=None, max_length=500),
    scorecard: str | None = Query(default=None, max_length=100),
    level: str | None = Query(default=None, max_length=100),
    failing: str | None = Query(default=None, max_length=100),
    min_score: float | None = Query(default=None, ge=0, le=100),
    below: float | None = Query(default=None, ge=0, le=100),
    context: ApiContext = Depends(get_context),
) -> HTMLResponse:
    definitions = context.definitions.current
    back = ("/entities", "All entities")
    if scorecard is not None and scorecard not in definitions.scorecards:
        return problem_page(context, f"There is no scorecard '{scorecard}'.", back)
    if failing is not None and failing not in definitions.checks:
        return problem_page(context, f"There is no check '{failing}'.", back)
    try:
        owner_ref = normalize_ref(owner, default_kind="group") if owner else None
        team_ref = normalize_ref(team, default_kind="group") if team else None
    except CatalogError as exc:
        return problem_page(context, str(exc), back, status=422)
    wanted = EntityFilter(
        kind=kind,
        owner=owner_ref,
        team=team_ref,
        scorecard=scorecard,
        level=level,
        failing=failing,
        min_score=min_score,
        below=below,
    )
    inputs = context.report_inputs.get(context.store)
    rows = select_entities(inputs.entities, inputs.latest, wanted)
    return page(
        "entities.html",
        context,
        "/entities",
        utcnow(),
        rows=rows,
        filters=wanted.describe(),
        scorecard_names={s.id: s.spec.name for s in definitions.scorecards.values()},
    )


@router.get("/entities/{kind}/{namespace}/{name}", response_class=HTMLResponse)
def entity_page(
    kind: str, namespace: str, name: str, context: ApiContext = Depends(get_context)
) -> HTMLResponse:
    back = ("/entities", "All entities")
    try:
        ref = normalize_ref(f"{kind}:{namespace}/{name}")
    except CatalogError as exc:
        return problem_page(context, str(exc), back)
    inputs = context.report_inputs.get(context.store)
    evaluation = inputs.latest.get(ref)
    entity = inputs.entities.get(ref)
    if evaluation is None:
        if entity is not None:
            return problem_page(
                context, f"{ref} has not been scored yet: run `scorecards run`.", back
            )
        return problem_page(context, f"There is no entity {ref} in the store.", back)
    history = inputs.history.get(ref, ())
    view = build_entity_page(ref, entity, evaluation, history, context.definitions.current)
    return page(
        "entity.html",
        context,
        "/entities",
        utcnow(),
        page=view,
        history_chart=view.history_chart(),
    )
