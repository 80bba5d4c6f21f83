"""A real Backstage backend that signs users in and proxies them to scorecards.

The catalog backend of backend.py plus `@backstage/plugin-auth-backend` with the guest
provider (`dangerouslyAllowOutsideDevelopment`, as NODE_ENV is production here) and
`@backstage/plugin-proxy-backend` with the README's `proxy.endpoints['/scorecards']`
entry: user or service credentials required, our read token added from the
environment, so the browser never holds it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx

from tests.backstage.backend import BackstageBackend

PROXY_ENTRY = textwrap.dedent(
    """\
    const { createBackend } = require('@backstage/backend-defaults');
    const backend = createBackend();
    backend.add(require('@backstage/plugin-catalog-backend'));
    backend.add(require('@backstage/plugin-auth-backend'));
    backend.add(require('@backstage/plugin-auth-backend-module-guest-provider'));
    backend.add(require('@backstage/plugin-proxy-backend'));
    backend.start();
    """
)
# The variable the proxy entry reads, as the README's recipe has it.
TOKEN_VARIABLE = "SCORECARDS_API_TOKEN"


class ProxyBackend(BackstageBackend):
    """Backstage with auth (guest sign-in) and a proxy route `/scorecards` to `target`."""

    def __init__(
        self,
        modules: Path,
        folder: Path,
        catalog_files: list[Path],
        port: int,
        token: str,
        target: str,
        read_token: str,
    ) -> None:
        super().__init__(modules, folder, catalog_files, port, token)
        self.target = target
        self.read_token = read_token

    def write_files(self) -> Path:
        config = super().write_files()
        (self.folder / "entry.cjs").write_text(PROXY_ENTRY)
        with config.open("a") as out:
            out.write(
                textwrap.dedent(
                    f"""\
                    auth:
                      providers:
                        guest:
                          dangerouslyAllowOutsideDevelopment: true
                    proxy:
                      endpoints:
                        /scorecards:
                          target: {self.target}
                          credentials: require
                          allowedMethods: [GET, POST]
                          headers:
                            Authorization: Bearer ${{{TOKEN_VARIABLE}}}
                    """
                )
            )
        return config

    def environment(self) -> dict[str, str]:
        # Production, so the guest provider works only because the config allows it.
        return {"NODE_ENV": "production", TOKEN_VARIABLE: self.read_token}

    def sign_in_as_guest(self) -> str:
        """A Backstage user token, as the app's sign-in page gets it (the refresh call)."""
        response = httpx.get(
            f"{self.url}/api/auth/guest/refresh",
            headers={"X-Requested-With": "XMLHttpRequest"},
            timeout=30,
        )
        response.raise_for_status()
        token: str = response.json()["backstageIdentity"]["token"]
        return token
