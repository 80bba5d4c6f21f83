"""A size limit on request bodies (SCORECARDS_API_MAX_BODY_BYTES), enforced before any of
the body is read.

A Content-Length over the limit is answered 413 at once, without calling the app.
A body without one (chunked) is counted as it is received and refused with 413
as soon as it passes the limit; the route never sees more than the limit.

Hand-written rather than FastAPI's `max_body_size`: for an over-limit
Content-Length that one lets the route run, then replaces whatever it answered
with a plain-text 413; ours answers the documented JSON error and runs nothing.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scorecards.api.errors import ApiError, error_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without Content-Length passes the limit; FastAPI
    lets HTTP exceptions raised while it reads a body through to our error handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_bytes:
            error = ApiError(413, too_large_message(self.max_bytes))
            await error_response(Request(scope), error)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        await self.app(scope, counted, send)


def too_large_message(limit: int) -> str:
    return (
        f"the request body is larger than this server's limit of {limit} bytes — "
        "send less (e.g. split a push of facts), or raise SCORECARDS_API_MAX_BODY_BYTES"
    )


def _content_length(scope: Scope) -> int | None:
    text = Headers(scope=scope).get("content-length")
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
