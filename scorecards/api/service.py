"""Service routes: /healthz for probes, /metrics for Prometheus, /docs for people.
None needs a token.

/docs is Swagger UI with its script and stylesheet served by this server from the
`swagger-ui-bundle-v2` package: FastAPI's own /docs loads them from a CDN, so behind
a firewall or offline it is a blank page. This is FastAPI's "self-hosting static
assets" recipe, fed from a package instead of files copied into the repository.
"""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST

# Ships no py.typed; `swagger_ui_path` is the folder of Swagger UI's dist files.
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from scorecards.api.context import ApiContext, get_context
from scorecards.api.responses import SafeJSONResponse
from scorecards.api.routing import api_router
from scorecards.errors import StoreError

router = api_router(tags=["service"])


@router.get("/healthz", summary="200 when the store answers, 503 otherwise")
def healthz(context: ApiContext = Depends(get_context)) -> SafeJSONResponse:
    version = context.definitions.current.version
    try:
        context.store.ping()
    except StoreError as exc:
        body = {"status": "unavailable", "store": str(exc), "definitions_version": version}
        return SafeJSONResponse(body, status_code=503)
    return SafeJSONResponse({"status": "ok", "store": "ok", "definitions_version": version})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(context: ApiContext = Depends(get_context)) -> Response:
    return Response(context.metrics.render(), media_type=CONTENT_TYPE_LATEST)


DOCS_PATH = "/docs"
DOCS_ASSETS_PATH = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs over `app`'s OpenAPI schema, needing no network.
    `app` is made with `docs_url=None` (no CDN page of its own)."""
    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title}: API",
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon-32x32.png",
        )
