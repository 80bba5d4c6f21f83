"""Service routes: /healthz for probes, /metrics for Prometheus. Neither needs a token."""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

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
