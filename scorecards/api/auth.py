"""Bearer tokens: write routes always need one, read routes when configured.

A route declares who may call it with a dependency from this module:
`require_read`, or `require(Action.X)` for a write action. `ApiRoute`
(scorecards.api.routing) also runs that check before it reads the request body,
so an unauthenticated request never costs the server its body. Tokens are
compared in constant time and never appear in a log line or an answer.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.token_scopes import ANONYMOUS, Action, Principal

bearer = HTTPBearer(
    auto_error=False,
    description="A token from SCORECARDS_API_TOKENS, or one configured in api_token_scopes",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="scorecards"'}


class Access:
    """Who may call a route: any caller of a read route (unless reads need a token), or
    a token allowed `action`. FastAPI runs it as a dependency, giving the route the
    caller's `Principal`."""

    def __init__(self, action: Action | None) -> None:
        self.action = action

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Principal:
        return await self.admit_reader(get_context(request), credentials)

    async def admit_request(self, request: Request) -> Principal:
        """The same check from the request's headers alone, before anything else is read."""
        return await self.admit_reader(get_context(request), await bearer(request))

    async def admit_reader(
        self, context: ApiContext, credentials: HTTPAuthorizationCredentials | None
    ) -> Principal:
        """`admit`, where a read that needs a token may also bring a Backstage user's
        token (scorecards.api.backstage_tokens), checked off the event loop since
        checking it may fetch the auth backend's keys."""
        users = context.backstage_users
        if (
            self.action is None
            and users is not None
            and context.settings.api_read_requires_token
            and credentials is not None
            and context.tokens.identify(credentials.credentials) is None
        ):
            principal = await run_in_threadpool(users.identify, credentials.credentials)
            if principal is None:
                raise ApiError(
                    401,
                    "the bearer token is neither one of the server's tokens nor a valid "
                    f"Backstage user token issued by {users.issuer} — sign in to Backstage again",
                    headers=_CHALLENGE,
                )
            return principal
        return self.admit(context, credentials)

    def admit(
        self, context: ApiContext, credentials: HTTPAuthorizationCredentials | None
    ) -> Principal:
        if self.action is None and not context.settings.api_read_requires_token:
            # Backstage's frontend sends the signed-in user's Backstage token with every
            # request, so when reads are open any Authorization header is ignored.
            return ANONYMOUS
        principal = authenticate(credentials, context)
        if self.action is not None and not principal.may(self.action):
            raise ApiError(
                403,
                f"the token '{principal.name}' is not allowed to {self.action.value} — "
                "its api_token_scopes entry lists the actions it may take",
            )
        return principal


def authenticate(
    credentials: HTTPAuthorizationCredentials | None, context: ApiContext
) -> Principal:
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
    principal = context.tokens.identify(credentials.credentials)
    if principal is None:
        raise ApiError(
            401,
            "the bearer token is not accepted — use one of the server's SCORECARDS_API_TOKENS",
            headers=_CHALLENGE,
        )
    return principal


def require(action: Action) -> Access:
    """The guard of a write route: a token allowed `action`."""
    return _WRITE_GUARDS[action]


_WRITE_GUARDS = {action: Access(action) for action in Action}
require_read = Access(None)
