"""Our routes: authenticated before the body is read, JSON bodies read strictly, answers
that always encode. Every router of the API is made with `api_router`.

FastAPI reads a request's body before it runs the route's dependencies, the token
check among them; `ApiRoute` runs the route's `Access` guards first, from the
headers alone, so a request without a valid token is refused before its body
costs anything (the size limit, scorecards.api.body_limit, bounds the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from scorecards.api.auth import Access
from scorecards.api.request_json import StrictJSONRequest
from scorecards.api.responses import SafeJSONResponse

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        guards = route_guards(self.dependant)
        has_body = self.body_field is not None

        async def guarded(request: Request) -> Response:
            for guard in guards:
                await guard.admit_request(request)
            if has_body and is_json(request.headers.get("content-type")):
                request = StrictJSONRequest(request.scope, request.receive)
                await request.json()  # a 4xx naming the field, before FastAPI reads it
            return await handler(request)

        return guarded


def api_router(**options: Any) -> APIRouter:
    """An APIRouter (same options) whose routes are `ApiRoute`s answering `SafeJSONResponse`."""
    return APIRouter(route_class=ApiRoute, default_response_class=SafeJSONResponse, **options)


def route_guards(dependant: Dependant) -> list[Access]:
    """The `Access` guards among a route's dependencies, however deep."""
    guards: list[Access] = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        if isinstance(current.call, Access) and current.call not in guards:
            guards.append(current.call)
        pending.extend(current.dependencies)
    return guards


def is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this content type as JSON."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    maintype, _, subtype = media.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))
