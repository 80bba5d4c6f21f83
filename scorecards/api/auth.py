"""Bearer tokens: write routes always need one, read routes when configured.

A route declares who may call it with a dependency from this module:
`require_read`, or `require(Action.X)` for a write action. `ApiRoute`
(scorecards.api.routing) also runs that check before it reads the request body,
so an unauthenticated request never costs the server its body. Tokens are
compared in constant time and never appear in a log line or an answer.

Backstage user tokens (docs/architecture.md §6): with `api_backstage_auth_url` set to
the Backstage auth backend's base URL (also the `iss` of the user tokens it signs,
e.g. https://backstage.example.com/api/auth), read routes that need a token also
accept the signed-in user's Backstage token, which the stock frontend sends with
every call. A token counts when its signature checks out against the auth backend's
published keys (`<url>/.well-known/jwks.json`, cached and fetched again for a key id
not seen yet), it is a full user token (header `typ` vnd.backstage.user), its issuer
is that URL, its audience `backstage`, and it has not expired. Such a caller may read
and nothing else: writes need our own tokens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.token_scopes import ANONYMOUS, Action, Principal, TokenScope
from scorecards.errors import ConfigurationError

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
        token (see the module docstring), checked off the event loop since
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


USER_TOKEN_TYPE = "vnd.backstage.user"
AUDIENCE = "backstage"
# What Backstage's auth backend may sign with (its openid-configuration lists these);
# never "none" or an HMAC, so a key from the JWKS cannot be used as a shared secret.
ALGORITHMS = [
    "ES256",
    "ES384",
    "ES512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
]
JWKS_SECONDS = 300.0
# A scope no token can match: Backstage users read, and may take no write action.
READ_ONLY = TokenScope(token_sha256="0" * 64, actions=frozenset())


class BackstageUserTokens:
    """Verifies Backstage user tokens issued by one auth backend."""

    def __init__(self, auth_url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(auth_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(
                f"SCORECARDS_API_BACKSTAGE_AUTH_URL '{auth_url[:200]}' is not an http(s) URL — "
                "give the auth backend's base URL, e.g. http://127.0.0.1:7007/api/auth"
            )
        self.issuer = auth_url.rstrip("/")
        self.jwks_url = f"{self.issuer}/.well-known/jwks.json"
        self._keys = jwt.PyJWKClient(
            self.jwks_url, cache_keys=True, lifespan=JWKS_SECONDS, timeout=timeout
        )

    def identify(self, token: str) -> Principal | None:
        """The Backstage user `token` stands for (read-only), or None when it is not a
        valid user token of this issuer. Blocking: it may fetch the keys."""
        try:
            if jwt.get_unverified_header(token).get("typ") != USER_TOKEN_TYPE:
                return None
            key = self._keys.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise ApiError(
                503,
                f"cannot read Backstage's signing keys from {self.jwks_url} to check the token — "
                "is api_backstage_auth_url the auth backend's URL, and is it up?",
                headers={"Retry-After": "30"},
            ) from None
        except jwt.PyJWTError:  # malformed, or signed with a key the issuer does not publish
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        return Principal(is_authenticated=True, name=f"backstage {claims['sub']}", scope=READ_ONLY)
