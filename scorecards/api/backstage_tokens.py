"""Backstage user tokens as read credentials (docs/architecture.md §6).

With `api_backstage_auth_url` set to the Backstage auth backend's base URL (also the
`iss` of the user tokens it signs, e.g. https://backstage.example.com/api/auth), read
routes that need a token also accept the signed-in user's Backstage token, which the
stock frontend sends with every call. A token counts when its signature checks out
against the auth backend's published keys (`<url>/.well-known/jwks.json`, cached and
fetched again for a key id not seen yet), it is a full user token (header `typ`
vnd.backstage.user), its issuer is that URL, its audience `backstage`, and it has not
expired. Such a caller may read and nothing else: writes need our own tokens.
"""

from __future__ import annotations

from typing import Any

import jwt

from scorecards.api.errors import ApiError
from scorecards.api.token_scopes import Principal, TokenScope

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
