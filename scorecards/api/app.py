"""The FastAPI application: `create_app(settings)` wires the store, definitions and routers.

A router module exposes `router` (made by scorecards.api.routing.api_router, with
its own prefix) and is added to ROUTERS; routes get what they need through
`Depends(get_context)` and guard themselves with `require_read` or
`require(Action.X)` from scorecards.api.auth.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from scorecards.api import service
from scorecards.api.auth import BackstageUserTokens
from scorecards.api.body_limit import BodyLimitMiddleware
from scorecards.api.context import ApiContext, DefinitionsHolder
from scorecards.api.dashboard import routes as dashboard
from scorecards.api.errors import install_error_handlers
from scorecards.api.expensive_requests import ExpensiveRequests
from scorecards.api.metrics import Metrics
from scorecards.api.native import definitions as definitions_routes
from scorecards.api.native import entities, facts, gate, reports, runs, what_if
from scorecards.api.native.runs import EmbeddedRuns
from scorecards.api.techinsights import routes as tech_insights
from scorecards.api.token_scopes import accepted_tokens
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.settings import Settings
from scorecards.stores import Store, open_store

ROUTERS: list[APIRouter] = [
    service.router,
    tech_insights.router,
    entities.router,
    runs.router,
    facts.router,
    definitions_routes.router,
    gate.router,
    what_if.router,
    reports.router,
    dashboard.router,
]
# How long shutdown waits for an embedded run's batches before leaving it `running`.
SHUTDOWN_WAIT_SECONDS = 30.0


def create_app(
    settings: Settings, store: Store | None = None, definitions: Definitions | None = None
) -> FastAPI:
    """An app serving `store` (default: the configured one, closed on shutdown) and
    `definitions` (default: loaded now from the configured folder; DefinitionsError
    when invalid, so a server never starts on bad definitions; ConfigurationError for
    malformed token scopes)."""
    owns_store = store is None
    tokens = accepted_tokens(settings)
    loaded = definitions if definitions is not None else load_definitions(settings.definitions)
    served = store if store is not None else open_store(settings.store_url)
    metrics = Metrics(served)
    context = ApiContext(
        settings=settings,
        store=served,
        definitions=DefinitionsHolder(loaded, settings.definitions),
        metrics=metrics,
        embedded_runs=EmbeddedRuns(),
        expensive=ExpensiveRequests(settings.api_expensive_requests, metrics.registry),
        tokens=tokens,
        backstage_users=(
            BackstageUserTokens(settings.api_backstage_auth_url)
            if settings.api_backstage_auth_url
            else None
        ),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.embedded_runs.wait(SHUTDOWN_WAIT_SECONDS)
        if owns_store:
            served.close()

    app = FastAPI(
        title="scorecards",
        summary="Scorecards for Backstage: Tech Insights-compatible and native API",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,  # service.install_docs serves /docs with no CDN
        redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    context.metrics.install(app)  # outside the body limit, so refused bodies are counted
    origins = [o.strip() for o in (settings.api_cors_origins or "").split(",") if o.strip()]
    if origins:
        # The Backstage frontend calls a `discovery.endpoints` target from the browser.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            max_age=600,
        )
    for router in ROUTERS:
        app.include_router(router)
    service.install_docs(app)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scorecards")
    except PackageNotFoundError:
        return "0+unknown"
