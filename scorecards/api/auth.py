"""Bearer tokens: write routes always need one, read routes when configured.

Tokens come from SCORECARDS_API_TOKENS; they are compared in constant time and
never appear in a log line or an answer.
"""

from __future__ import annotations

import secrets

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="A token from SCORECARDS_API_TOKENS")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="scorecards"'}


def is_accepted(candidate: str, tokens: tuple[str, ...]) -> bool:
    """True when `candidate` is one of `tokens`; every token is compared, in constant time."""
    given = candidate.encode()
    matched = False
    for token in tokens:
        matched |= secrets.compare_digest(given, token.encode())
    return matched


def check_token(credentials: HTTPAuthorizationCredentials | None, context: ApiContext) -> None:
    if not context.tokens:
        raise ApiError(
            403,
            "this server accepts no API tokens, so this route is refused — "
            "start it with SCORECARDS_API_TOKENS set (comma-separated tokens)",
        )
    if credentials is None:
        raise ApiError(
            401,
            "this route needs a token: send the header 'Authorization: Bearer <token>' "
            "with a token from the server's SCORECARDS_API_TOKENS",
            headers=_CHALLENGE,
        )
    if not is_accepted(credentials.credentials, context.tokens):
        raise ApiError(
            401,
            "the bearer token is not accepted — use one of the server's SCORECARDS_API_TOKENS",
            headers=_CHALLENGE,
        )


def require_write(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    context: ApiContext = Depends(get_context),
) -> None:
    """For routes that change stored state."""
    check_token(credentials, context)


def require_read(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    context: ApiContext = Depends(get_context),
) -> None:
    """For routes that only read; a token is needed only with SCORECARDS_API_READ_REQUIRES_TOKEN.

    Backstage's frontend sends the signed-in user's Backstage token with every
    request, so when reads are open any Authorization header is ignored.
    """
    if context.settings.api_read_requires_token:
        check_token(credentials, context)
