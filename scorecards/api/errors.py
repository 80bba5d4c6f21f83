"""Error answers: every 4xx and 5xx is JSON saying what is wrong.

The body has Backstage's error shape (`{error: {name, message}, request,
response: {statusCode}}`), so Backstage's own clients show our message instead
of a generic one; validation errors add `details`, one entry per bad field.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from scorecards.api.responses import SafeJSONResponse
from scorecards.errors import ScorecardsError, StoreError
from scorecards.formats.timeutil import parse_timestamp
from scorecards.runs.leases import RunInProgressError

log = logging.getLogger("scorecards.api")

ERROR_NAMES = {
    400: "InputError",
    401: "AuthenticationError",
    403: "NotAllowedError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    415: "InputError",
    422: "InputError",
    503: "ServiceUnavailableError",
}


class ApiError(Exception):
    """An answer other than success, with a message a person can act on."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        name: str | None = None,
        details: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.name = name or ERROR_NAMES.get(status, "Error")
        self.details = list(details)
        self.headers = headers


def query_time(name: str, text: str | None) -> datetime | None:
    """The RFC 3339 time of query parameter `name`; a 422 naming it when malformed."""
    if text is None:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        raise ApiError(
            422,
            f"{name}={text!r} is not an RFC 3339 time, e.g. 2026-11-01T00:00:00Z",
            details=[{"field": f"query.{name}", "message": "not an RFC 3339 time"}],
        ) from None


def error_body(
    request: Request, status: int, name: str, message: str, details: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": {"name": name, "message": message},
        "request": {"method": request.method, "url": request.url.path},
        "response": {"statusCode": status},
    }
    if details:
        body["details"] = list(details)
    return body


def error_response(request: Request, error: ApiError) -> JSONResponse:
    body = error_body(request, error.status, error.name, error.message, error.details)
    return SafeJSONResponse(body, status_code=error.status, headers=error.headers)


def field_path(location: Sequence[Any]) -> str:
    """`("body", "facts", 0, "values")` -> `body.facts[0].values`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_validation(exc: RequestValidationError) -> ApiError:
    details = []
    for error in exc.errors():
        location = [part for part in error.get("loc", ()) if part != "function-after"]
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "malformed JSON")
            return ApiError(
                400,
                f"the request body is not valid JSON ({reason}) — send a JSON document "
                "with content-type application/json",
            )
        details.append(
            {"field": field_path(location), "message": error.get("msg", ""), "type": error["type"]}
        )
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    more = f" (and {len(details) - 5} more)" if len(details) > 5 else ""
    return ApiError(422, f"the request is not valid: {summary}{more}", details=details)


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, describe_validation(exc))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path} — see /docs for the routes this server has"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} — see /docs"
        headers = dict(exc.headers) if exc.headers else None
        return error_response(request, ApiError(exc.status_code, message, headers=headers))

    async def on_store_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("store error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, ApiError(503, f"the store cannot be reached: {exc}"))

    async def on_our_error(request: Request, exc: Exception) -> JSONResponse:
        return error_response(request, ApiError(422, str(exc)))

    async def on_run_in_progress(request: Request, exc: Exception) -> JSONResponse:
        # Another run holds the store: a conflict with the current state, not bad input.
        return error_response(request, ApiError(409, str(exc)))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = error_body(
            request,
            500,
            "InternalServerError",
            f"internal error ({type(exc).__name__}); the server log has the details",
        )
        return SafeJSONResponse(body, status_code=500)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(StoreError, on_store_error)
    app.add_exception_handler(RunInProgressError, on_run_in_progress)
    app.add_exception_handler(ScorecardsError, on_our_error)
    app.add_exception_handler(Exception, on_unexpected)
