"""The Backstage catalog source: entities read through the catalog REST API.

Pages through `GET {base}/api/catalog/entities/by-query` with cursors until the
server stops returning `pageInfo.nextCursor`, authenticating with a bearer token
(a Backstage external-access static token, `SCORECARDS_BACKSTAGE_TOKEN`).
Timeouts, connection failures, 429 and 5xx are retried with backoff and jitter,
honouring `Retry-After`, within a bounded number of attempts and a time budget;
401 and 403 fail at once with a hint about the token. The page loop is bounded
too, so a server that keeps handing out cursors cannot keep a run busy forever.

The token is sent only in the Authorization header: it is never part of a URL,
a log line or an error message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from scorecards.errors import CatalogError
from scorecards.records.entities import Entity, normalize_entity, shape_problem
from scorecards.records.refs import entity_ref
from scorecards.sources.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger(__name__)

QUERY_PATH = "/api/catalog/entities/by-query"
DEFAULT_PAGE_SIZE = 500
DEFAULT_MAX_PAGES = 2_000
DEFAULT_TIMEOUT = 30.0
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
    """A client of one Backstage catalog; use as a context manager or call `close()`.

    `sleep` and `clock` are the waiting and the monotonic time the retry budget is
    measured with; they are parameters so a caller can run retries without real waits.
    """

    def __init__(
        self,
        base_url: str,
        token: SecretStr | str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1")
        self.base_url = backend_base_url(base_url)
        self._secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._page_size = page_size
        self._max_pages = max_pages
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        headers = {"Accept": "application/json"}
        if self._secret:
            headers["Authorization"] = f"Bearer {self._secret}"
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, follow_redirects=False
        )
        self.requests = 0
        self.retries = 0

    def __enter__(self) -> BackstageCatalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def read_entities(
        self, filters: Sequence[str] = (), fields: Sequence[str] = ()
    ) -> tuple[list[Entity], ReadReport]:
        """Every entity matching any of `filters` (all when none), normalised, one per ref.

        A filter is Backstage's `filter` syntax, e.g. `kind=component,spec.type=service`;
        several filters are alternatives. `fields` trims the payload (apiVersion,
        kind and metadata name and namespace are always kept). An entity served twice while paging counts once, in its last shape.
        """
        requests_before, retries_before = self.requests, self.retries
        trimmed = _with_ref_fields(fields)
        entities: dict[str, Entity] = {}
        served = 0
        params: list[tuple[str, str]] = [("filter", f) for f in filters]
        params += self._page_params(trimmed)
        seen_cursors: set[str] = set()
        for page in range(1, self._max_pages + 1):
            body = self._get(params)
            for index, item in enumerate(body["items"]):
                entity = self._entity(item, page, index)
                entities[entity_ref(entity)] = entity
                served += 1
            cursor = _next_cursor(body)
            if cursor is None:
                report = ReadReport(
                    requests=self.requests - requests_before,
                    retries=self.retries - retries_before,
                    pages=page,
                    entities=len(entities),
                    duplicates=served - len(entities),
                )
                log.info("read %d entities from %s (%s)", len(entities), self.base_url, report)
                return list(entities.values()), report
            if cursor in seen_cursors:
                raise BackstageError(
                    f"Backstage catalog at {self.base_url} returned the same page cursor twice "
                    f"(page {page}) — the server is paging in a loop; nothing was loaded"
                )
            seen_cursors.add(cursor)
            # Backstage rejects a cursor request that repeats the filter: the cursor carries it.
            params = [("cursor", cursor), *self._page_params(trimmed)]
        raise BackstageError(
            f"Backstage catalog at {self.base_url} still had more pages after {self._max_pages} "
            f"pages of {self._page_size} entities — nothing was loaded; raise max_pages or "
            "page_size if the catalog really is that large"
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
                f"Backstage catalog at {self.base_url}: page {page}, item {index} is not an "
                f"entity: {problem} — nothing was loaded"
            )
        entity: Entity = normalize_entity(item)
        return entity

    def _get(self, params: list[tuple[str, str]]) -> dict[str, Any]:
        """One page, retried within the policy; raises BackstageError when it cannot be had."""
        started = self._clock()
        policy = self._retry
        for attempt in range(1, policy.attempts + 1):
            self.requests += 1
            retry_after: float | None = None
            try:
                response = self._client.get(QUERY_PATH, params=tuple(params))
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {self._redact(str(exc)) or 'no answer'}"
            else:
                if response.status_code in (401, 403):
                    raise self._auth_error(response)
                if response.status_code not in RETRYABLE_STATUSES:
                    return self._page_body(response)
                problem = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            if attempt == policy.attempts:
                raise BackstageError(
                    f"Backstage catalog at {self.base_url} failed {attempt} times in a row "
                    f"(last: {problem}) — nothing was loaded; check that the backend is up"
                )
            wait = policy.delay(attempt, retry_after, self._rng)
            if self._clock() - started + wait > policy.budget:
                raise BackstageError(
                    f"Backstage catalog at {self.base_url} failed ({problem}) and waiting "
                    f"{wait:.1f}s more would exceed the {policy.budget:.0f}s retry budget — "
                    "nothing was loaded; try again later"
                )
            log.warning(
                "Backstage catalog at %s: %s; retry %d in %.2fs",
                self.base_url,
                problem,
                attempt,
                wait,
            )
            self.retries += 1
            self._sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def _page_body(self, response: httpx.Response) -> dict[str, Any]:
        where = f"Backstage catalog at {self.base_url}"
        if response.status_code == 404:
            raise BackstageError(
                f"{where} has no {QUERY_PATH} (HTTP 404) — the URL must be the Backstage "
                "backend's base URL (the catalog answers under /api/catalog), and the catalog "
                "needs the by-query endpoint (Backstage 1.15 or later)"
            )
        if response.is_redirect:
            location = self._redact(response.headers.get("location", ""))[:300]
            raise BackstageError(
                f"{where} redirected to '{location}' (HTTP {response.status_code}) — redirects "
                "are not followed, so the token goes nowhere else; give the backend's own URL"
            )
        if response.is_error:
            raise BackstageError(
                f"{where} answered HTTP {response.status_code}: {self._error_text(response)}"
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("items"), list)
            or not isinstance(body.get("pageInfo", {}), dict)
        ):
            kind = response.headers.get("content-type", "no content type")
            raise BackstageError(
                f"{where} answered HTTP {response.status_code} with something that is not a "
                f"catalog page ({kind}) — is the URL the Backstage backend (not the frontend)?"
            )
        return body

    def _auth_error(self, response: httpx.Response) -> BackstageAuthError:
        status = response.status_code
        detail = self._error_text(response)
        if status == 403:
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
            f"Backstage catalog at {self.base_url} refused the request "
            f"(HTTP {status}: {detail}) — {hint}"
        )

    def _error_text(self, response: httpx.Response) -> str:
        """The message of a Backstage error body (`{error: {name, message}}`), shortened."""
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, Mapping) and error.get("message"):
            text = f"{error.get('name', 'Error')}: {error['message']}"
        else:
            text = response.reason_phrase or "no detail"
        return self._redact(text)[:300]

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text


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
