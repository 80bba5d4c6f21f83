"""The Backstage catalog source: entities read through the catalog REST API.

Pages through `GET {base}/api/catalog/entities/by-query` with cursors until the
server stops returning `pageInfo.nextCursor`, authenticating with a bearer token
(a Backstage external-access static token, `SCORECARDS_BACKSTAGE_TOKEN`).
Requests go through the sources' `Fetcher`, so timeouts, connection failures,
429 and 5xx are retried as retry.py decides for every source (`CATALOG_POLICY`:
a bounded number of attempts and a time budget); 401 and 403 fail at once with
a hint about the token, and no redirect is followed. The page loop is bounded
too, so a server that keeps handing out cursors cannot keep a run busy forever.

The token is sent only in the Authorization header: it is never part of a URL,
a log line or an error message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from scorecards.errors import CatalogError
from scorecards.records.entities import Entity, normalize_entity, shape_problem
from scorecards.records.refs import entity_ref
from scorecards.retry import Clock
from scorecards.sources.fetch import (
    Fetcher,
    FetchError,
    FetchPolicy,
    GaveUpError,
    NotJSONError,
    Reply,
    TokenRejectedError,
)
from scorecards.sources.redaction import Redactor

log = logging.getLogger(__name__)

QUERY_PATH = "/api/catalog/entities/by-query"
DEFAULT_PAGE_SIZE = 500
DEFAULT_MAX_PAGES = 2_000
# A run cannot go on without the catalog, and reads it once: more patient than a
# source, whose failures cost one entity's facts. The budget caps every wait.
CATALOG_POLICY = FetchPolicy(
    retries=4, max_backoff=30.0, max_wait=120.0, budget=120.0, timeout=30.0
)
# Without these an item is not an entity (it has no ref), so a `fields` selection keeps them.
SHAPE_FIELDS = ("apiVersion", "kind", "metadata.name", "metadata.namespace")
TOKEN_VARIABLE = "SCORECARDS_BACKSTAGE_TOKEN"


class BackstageError(CatalogError):
    """The Backstage catalog could not be read completely; nothing from it was used."""


class BackstageAuthError(BackstageError):
    """The catalog refused the request (401/403): the token is missing, wrong or not allowed."""


@dataclass(frozen=True)
class ReadReport:
    """What one read of the catalog cost and found."""

    requests: int
    retries: int
    pages: int
    entities: int
    duplicates: int


class BackstageCatalog:
    """A client of one Backstage catalog; use it as a context manager.

    Requests go through the sources' `Fetcher` (fetch.py), one read at a time,
    with no redirect followed. `clock` is the time retries are measured and
    spent in; pass another to run retries without real waiting.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        policy: FetchPolicy = CATALOG_POLICY,
        clock: Clock | None = None,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1")
        self.base_url = backend_base_url(base_url)
        self._where = f"Backstage catalog at {self.base_url}"
        self._secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._redactor = Redactor([self._secret] if self._secret else [])
        self._page_size = page_size
        self._max_pages = max_pages
        self._policy = policy
        self._clock = clock or Clock()
        self.requests = 0
        self.retries = 0

    def __enter__(self) -> BackstageCatalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Nothing to release: each read opens and closes its own connections."""

    def read_entities(
        self, filters: Sequence[str] = (), fields: Sequence[str] = ()
    ) -> tuple[list[Entity], ReadReport]:
        """Every entity matching any of `filters` (all when none), normalised, one per ref.

        A filter is Backstage's `filter` syntax, e.g. `kind=component,spec.type=service`;
        several filters are alternatives. `fields` trims the payload (apiVersion,
        kind and metadata name and namespace are always kept). An entity served twice while paging counts once, in its last shape.
        """
        return asyncio.run(self._read(filters, _with_ref_fields(fields)))

    async def _read(
        self, filters: Sequence[str], fields: Sequence[str]
    ) -> tuple[list[Entity], ReadReport]:
        headers = {"Accept": "application/json"}
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        async with Fetcher.open(
            base_url=self.base_url,
            headers=headers,
            concurrency=1,
            policy=self._policy,
            redactor=self._redactor,
        ) as fetcher:
            fetcher.clock = self._clock
            try:
                entities, pages, served = await self._pages(fetcher, filters, fields)
            finally:
                self.requests += fetcher.requests
                self.retries += fetcher.retries
        report = ReadReport(
            requests=fetcher.requests,
            retries=fetcher.retries,
            pages=pages,
            entities=len(entities),
            duplicates=served - len(entities),
        )
        log.info("read %d entities from %s (%s)", len(entities), self.base_url, report)
        return entities, report

    async def _pages(
        self, fetcher: Fetcher, filters: Sequence[str], fields: Sequence[str]
    ) -> tuple[list[Entity], int, int]:
        """The entities of every page, one per ref; the pages read; the items served."""
        entities: dict[str, Entity] = {}
        served = 0
        params = [*(("filter", f) for f in filters), *self._page_params(fields)]
        seen_cursors: set[str] = set()
        for page in range(1, self._max_pages + 1):
            body = await self._page(fetcher, params)
            for index, item in enumerate(body["items"]):
                entity = self._entity(item, page, index)
                entities[entity_ref(entity)] = entity
                served += 1
            cursor = _next_cursor(body)
            if cursor is None:
                return list(entities.values()), page, served
            if cursor in seen_cursors:
                raise BackstageError(
                    f"{self._where} returned the same page cursor twice (page {page}) — "
                    "the server is paging in a loop; nothing was loaded"
                )
            seen_cursors.add(cursor)
            # Backstage rejects a cursor request that repeats the filter: the cursor carries it.
            params = [("cursor", cursor), *self._page_params(fields)]
        raise BackstageError(
            f"{self._where} still had more pages after {self._max_pages} pages of "
            f"{self._page_size} entities — nothing was loaded; raise max_pages or page_size "
            "if the catalog really is that large"
        )

    def _page_params(self, fields: Sequence[str]) -> list[tuple[str, str]]:
        params = [("limit", str(self._page_size))]
        if fields:
            params.append(("fields", ",".join(fields)))
        return params

    def _entity(self, item: Any, page: int, index: int) -> Entity:
        problem = shape_problem(item)
        if problem is not None:
            raise BackstageError(
                f"{self._where}: page {page}, item {index} is not an entity: {problem} — "
                "nothing was loaded"
            )
        entity: Entity = normalize_entity(item)
        return entity

    async def _page(self, fetcher: Fetcher, params: list[tuple[str, str]]) -> dict[str, Any]:
        """One page, retried within the policy; raises BackstageError when it cannot be had."""
        try:
            reply = await fetcher.get(
                QUERY_PATH, params=httpx.QueryParams(tuple(params)), follow_redirects=False
            )
        except TokenRejectedError as exc:
            raise self._auth_error(exc.reply) from exc
        except NotJSONError as exc:
            raise self._not_a_page(exc.reply) from exc
        except GaveUpError as exc:
            raise self._gave_up(exc) from exc
        except FetchError as exc:
            raise BackstageError(f"{self._where}: {exc} — nothing was loaded") from exc
        return self._page_body(reply)

    def _page_body(self, reply: Reply) -> dict[str, Any]:
        status = reply.status
        if status == 403:
            raise self._auth_error(reply)
        if status == 404:
            raise BackstageError(
                f"{self._where} has no {QUERY_PATH} (HTTP 404) — the URL must be the Backstage "
                "backend's base URL (the catalog answers under /api/catalog), and the catalog "
                "needs the by-query endpoint (Backstage 1.15 or later)"
            )
        if reply.location is not None:
            raise BackstageError(
                f"{self._where} redirected to '{reply.location[:300]}' (HTTP {status}) — "
                "redirects are not followed, so the token goes nowhere else; give the "
                "backend's own URL"
            )
        if not reply.ok:
            raise BackstageError(f"{self._where} answered HTTP {status}: {self._error_text(reply)}")
        body = reply.data
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("items"), list)
            or not isinstance(body.get("pageInfo", {}), dict)
        ):
            raise self._not_a_page(reply)
        return body

    def _not_a_page(self, reply: Reply) -> BackstageError:
        kind = reply.content_type or "no content type"
        return BackstageError(
            f"{self._where} answered HTTP {reply.status} with something that is not a "
            f"catalog page ({kind}) — is the URL the Backstage backend (not the frontend)?"
        )

    def _gave_up(self, error: GaveUpError) -> BackstageError:
        last = error.last
        if isinstance(last, Reply):
            problem = f"HTTP {last.status} {last.reason}".rstrip()
        else:
            problem = f"{type(last).__name__}: {self._redactor.text(str(last)) or 'no answer'}"
        stop = error.stop
        if stop.refused_wait is None:
            return BackstageError(
                f"{self._where} failed {stop.attempts} times in a row (last: {problem}) — "
                "nothing was loaded; check that the backend is up"
            )
        return BackstageError(
            f"{self._where} failed ({problem}) and {stop.reason} — nothing was loaded; "
            "try again later"
        )

    def _auth_error(self, reply: Reply) -> BackstageAuthError:
        if reply.status == 403:
            hint = (
                "the token was accepted but may not read the catalog — check the token's "
                "accessRestrictions in backend.auth.externalAccess and the permission policy"
            )
        elif self._secret:
            hint = (
                f"the token in {TOKEN_VARIABLE} was rejected — it must match a static token "
                "in the backend's app-config backend.auth.externalAccess"
            )
        else:
            hint = (
                f"no token was sent — set {TOKEN_VARIABLE} to a static token from the "
                "backend's app-config backend.auth.externalAccess"
            )
        return BackstageAuthError(
            f"{self._where} refused the request "
            f"(HTTP {reply.status}: {self._error_text(reply)}) — {hint}"
        )

    def _error_text(self, reply: Reply) -> str:
        """The message of a Backstage error body (`{error: {name, message}}`), shortened."""
        error = reply.data.get("error") if isinstance(reply.data, dict) else None
        if isinstance(error, Mapping) and error.get("message"):
            text = f"{error.get('name', 'Error')}: {error['message']}"
        else:
            text = reply.reason or "no detail"
        return self._redactor.text(text)[:300]


def backend_base_url(url: str) -> str:
    """The backend's base URL: scheme and host checked, trailing `/` and `/api/catalog` dropped."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BackstageError(
            f"'{url}' is not a Backstage URL — give the backend's base URL, "
            "e.g. https://backstage.example.com"
        )
    if parts.query or parts.fragment:
        raise BackstageError(
            f"Backstage URL '{url}' has a query or fragment — give only the backend's base URL"
        )
    path = parts.path.rstrip("/")
    if path.endswith("/api/catalog"):
        path = path[: -len("/api/catalog")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def read_backstage_entities(
    base_url: str,
    token: SecretStr | str | None,
    filters: Sequence[str] = (),
    **options: Any,
) -> list[Entity]:
    """Every entity of the catalog at `base_url` (see `BackstageCatalog.read_entities`)."""
    with BackstageCatalog(base_url, token, **options) as catalog:
        entities, _ = catalog.read_entities(filters)
    return entities


def _with_ref_fields(fields: Sequence[str]) -> tuple[str, ...]:
    if not fields:
        return ()
    return tuple(dict.fromkeys([*SHAPE_FIELDS, *fields]))


def _next_cursor(body: Mapping[str, Any]) -> str | None:
    cursor = (body.get("pageInfo") or {}).get("nextCursor")
    return cursor if isinstance(cursor, str) and cursor else None
