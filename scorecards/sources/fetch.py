"""HTTP fetching for sources: one `Fetcher` per source per collection.

It bounds requests in flight (the source's `concurrency`), retries timeouts,
connection failures, 429 and 5xx a bounded number of times with exponential
backoff and jitter, honours `Retry-After` and rate-limit resets up to a bounded
wait, sends `If-None-Match` for cached responses and reuses them on 304, bounds
body sizes, and counts every request it makes. Headers (where tokens live) are
never logged and never part of an error, and never follow a redirect to another
origin; a caller may also name the hosts a request and its redirects may reach.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol

import httpx

from scorecards.definitions.hosts import DEFAULT_PORTS, HostPattern, is_allowed
from scorecards.errors import ScorecardsError
from scorecards.sources.redaction import Redactor, masking_logs
from scorecards.sources.response_cache import CachedResponse, ResponseCache
from scorecards.sources.retry import parse_retry_after

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
# Dropped on a redirect to another origin, besides every header the source sets.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


class FetchError(ScorecardsError):
    """A request failed for good: after its retries, or in a way retrying cannot fix."""


@dataclass(frozen=True)
class FetchPolicy:
    """How patient a collection is. Every loop it drives is bounded by these numbers."""

    retries: int = 3
    backoff: float = 0.5  # seconds before the first retry; doubles per attempt, with jitter
    max_backoff: float = 20.0
    max_wait: float = 60.0  # the longest Retry-After or rate-limit reset honoured
    timeout: float = 10.0
    max_body_bytes: int = 20 * 1024 * 1024


@dataclass(frozen=True)
class Retry:
    """A response worth retrying; `after` is the wait the server asked for, if any."""

    after: float | None = None


class ServerRules(Protocol):
    """What a server's responses mean for retrying and pacing."""

    def retry(self, response: httpx.Response, data: Any) -> Retry | None:
        """How to retry this (non-2xx) response, or None when retrying cannot help."""

    def exhausted_for(self, response: httpx.Response) -> float | None:
        """Seconds until the request quota resets, when this response says it is used up."""


class StandardRules:
    """Retry 429 and 5xx, honouring Retry-After; no quota headers."""

    def retry(self, response: httpx.Response, data: Any) -> Retry | None:
        if response.status_code in RETRY_STATUSES:
            return Retry(retry_after_seconds(response))
        return None

    def exhausted_for(self, response: httpx.Response) -> float | None:
        return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a number or an HTTP date)."""
    return parse_retry_after(response.headers.get("retry-after"))


def error_message(data: Any) -> str:
    """The `message` an API put in its JSON error body, if any."""
    if isinstance(data, Mapping) and isinstance(data.get("message"), str):
        return str(data["message"])
    return ""


@dataclass(frozen=True)
class Reply:
    """A final answer to a GET: 2xx, a cache hit on 304, or an error status not retried."""

    url: str
    status: int
    data: Any  # decoded JSON (or what `digest` made of it); None when absent or not JSON
    next_url: str | None = None
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.cached or 200 <= self.status < 300

    @property
    def message(self) -> str:
        return error_message(self.data)

    def describe(self) -> str:
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = ""
        text = f"GET {self.url}: {self.status} {reason}".rstrip()
        message = self.message
        return f"{text} ({message})" if message and message != reason else text


_NOT_JSON = object()


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification, built once per process (loading CA files is slow)."""
    return httpx.create_ssl_context()


class Fetcher:
    """GETs JSON for one source, politely. Create with `Fetcher.open(...)`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        concurrency: int,
        policy: FetchPolicy,
        rules: ServerRules,
        cache: ResponseCache | None,
        redactor: Redactor | None = None,
        private_headers: Collection[str] = (),
    ) -> None:
        self._client = client
        self._private = CREDENTIAL_HEADERS | {name.lower() for name in private_headers}
        self._redactor = redactor or Redactor()
        self._slots = asyncio.Semaphore(concurrency)
        self._policy = policy
        self._rules = rules
        self._cache = cache
        self._resume_at = 0.0  # time.monotonic() before which the quota is used up
        self._rejected: str | None = None
        self.requests = 0
        self.not_modified = 0
        self.retries = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        *,
        base_url: str | None,
        headers: Mapping[str, str],
        concurrency: int,
        policy: FetchPolicy,
        rules: ServerRules | None = None,
        cache: ResponseCache | None = None,
        redactor: Redactor | None = None,
    ) -> AsyncIterator[Fetcher]:
        fetcher: Fetcher | None = None
        redactor = redactor or Redactor()

        async def count(request: httpx.Request) -> None:
            if fetcher is not None:
                fetcher.requests += 1  # every request on the wire, redirects included

        client = httpx.AsyncClient(
            base_url=base_url or "",
            headers=dict(headers),
            timeout=policy.timeout,
            follow_redirects=False,  # followed in _follow, which drops the headers httpx keeps
            limits=httpx.Limits(max_connections=concurrency),
            verify=_tls(),
            event_hooks={"request": [count]},
        )
        with masking_logs(redactor):
            async with client:
                fetcher = cls(
                    client,
                    concurrency=concurrency,
                    policy=policy,
                    rules=rules or StandardRules(),
                    cache=cache,
                    redactor=redactor,
                    private_headers=headers.keys(),
                )
                yield fetcher

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        digest: Callable[[Any], Any] | None = None,
        hosts: Sequence[HostPattern] | None = None,
    ) -> Reply:
        """GET `url`; a 2xx or cached reply, or the final error reply a source interprets.

        `digest` turns a 2xx body into what the caller needs; that (not the whole
        body) is what the cache keeps. With `hosts`, a URL or redirect to any other
        host is refused before anything is sent to it. Raises FetchError when retries
        run out, the quota cannot be waited for, a 2xx body is not JSON, or a URL or
        redirect is refused.
        """
        if self._rejected is not None:
            raise FetchError(self._rejected)
        request = self._client.build_request("GET", url, params=params)
        key = str(request.url)
        if self._redactor.text(key) != key:
            # URLs end up in logs, proxies and server access logs; secrets travel in headers only
            raise FetchError(
                f"refusing GET {self._redactor.text(key)}: the URL would carry a secret"
            )
        if hosts is not None and not _is_reachable(request.url, hosts):
            raise FetchError(
                f"refusing GET {key}: its host is not among the source's hosts "
                f"({_listed(hosts)}) — nothing was sent; add the host to `hosts` if it is meant"
            )
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            request.headers["If-None-Match"] = cached.etag
        attempt = 0
        while True:
            retry: Retry | None
            try:
                response, body = await self._send(request, hosts)
            except httpx.TimeoutException:
                failure, retry = f"GET {key}: no answer within {self._policy.timeout:g}s", Retry()
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                failure, retry = f"GET {key}: {type(exc).__name__}: {exc}", Retry()
            else:
                reply = self._reply(key, request, response, body, cached, digest)
                if reply.ok:
                    return reply
                retry = self._rules.retry(response, reply.data)
                if retry is None:
                    return reply
                failure = reply.describe()
            failure = self._redactor.text(failure)  # it may quote the server's answer
            if attempt >= self._policy.retries:
                raise FetchError(f"{failure} — gave up after {attempt + 1} attempts")
            delay = self._delay(retry, attempt, failure)
            attempt += 1
            self.retries += 1
            log.debug("%s; retrying in %.1fs", failure, delay)
            await asyncio.sleep(delay)

    async def _send(
        self, request: httpx.Request, hosts: Sequence[HostPattern] | None
    ) -> tuple[httpx.Response, bytes]:
        limit = self._policy.max_body_bytes
        async with self._slots:
            # Checked once holding a slot: requests queued behind one that used up
            # the quota must see it too.
            await self._wait_for_quota(str(request.url))
            response = await self._follow(request, hosts)
            try:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(
                            f"GET {request.url}: the response is larger than {limit} bytes"
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        log.debug("GET %s -> %s", request.url, response.status_code)
        return response, b"".join(chunks)

    async def _follow(
        self, request: httpx.Request, hosts: Sequence[HostPattern] | None
    ) -> httpx.Response:
        """Send `request`, following at most MAX_REDIRECTS redirects.

        By hand, because httpx drops only Authorization when a redirect leaves the
        origin: a token in X-Api-Key or any other header would follow it.
        """
        origin = _origin(request.url)
        for hop in range(MAX_REDIRECTS + 1):
            response = await self._client.send(request, stream=True)
            target = response.next_request
            if target is None:
                return response
            await response.aclose()
            if hop == MAX_REDIRECTS:
                raise FetchError(f"GET {request.url}: more than {MAX_REDIRECTS} redirects")
            self._check_redirect(request, target, hosts)
            if _origin(target.url) != origin:
                for name in self._private:
                    target.headers.pop(name, None)
            request = target
        raise AssertionError("unreachable: the loop returns or raises")

    def _check_redirect(
        self, request: httpx.Request, target: httpx.Request, hosts: Sequence[HostPattern] | None
    ) -> None:
        where = f"GET {request.url}: redirected to {self._redactor.text(str(target.url))}"
        if self._redactor.text(str(target.url)) != str(target.url):
            raise FetchError(f"{where}, which would carry a secret; not followed")
        if target.url.scheme not in DEFAULT_PORTS:
            raise FetchError(f"{where}, which is not http(s); not followed")
        if hosts is not None and not _is_reachable(target.url, hosts):
            raise FetchError(
                f"{where}, whose host is not among the source's hosts ({_listed(hosts)}); "
                "not followed — add the host to `hosts` if it is meant"
            )

    def _reply(
        self,
        key: str,
        request: httpx.Request,
        response: httpx.Response,
        body: bytes,
        cached: CachedResponse | None,
        digest: Callable[[Any], Any] | None,
    ) -> Reply:
        self._note_quota(response)
        status = response.status_code
        if status == 304 and cached is not None:
            self.not_modified += 1
            return Reply(key, status, cached.data, cached.next_url, cached=True)
        data = _decode(body) if status != 204 else None
        if 200 <= status < 300:
            if data is _NOT_JSON:
                kind = response.headers.get("content-type", "no content-type")
                raise FetchError(f"GET {key}: {status}, but the body is not JSON ({kind})")
            # masked before it is returned or cached: a server may echo a secret back
            value = self._redactor.value(digest(data) if digest is not None else data)
            next_url = response.links.get("next", {}).get("url")
            if next_url is not None and self._redactor.text(next_url) != next_url:
                raise FetchError(f"GET {key}: its next-page link would carry a secret")
            etag = response.headers.get("etag")
            if self._cache is not None and etag:
                self._cache.put(key, CachedResponse(etag, value, next_url))
            return Reply(key, status, value, next_url)
        reply = Reply(key, status, None if data is _NOT_JSON else data)
        if status == 401:
            self._rejected = self._redactor.text(
                f"{reply.describe()} — the token was rejected; check that it is valid"
            )
            raise FetchError(self._rejected)
        return reply

    def _delay(self, retry: Retry, attempt: int, failure: str) -> float:
        wait = self._policy.max_wait
        if retry.after is not None:
            if retry.after > wait:
                raise FetchError(
                    f"{failure} — the server asks to wait {retry.after:.0f}s, longer than the "
                    f"{wait:.0f}s a collection waits; the next run tries again"
                )
            return retry.after + random.uniform(0, min(1.0, retry.after * 0.1))
        ceiling = min(self._policy.max_backoff, self._policy.backoff * 2.0**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _note_quota(self, response: httpx.Response) -> None:
        seconds = self._rules.exhausted_for(response)
        if seconds is not None:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    async def _wait_for_quota(self, key: str) -> None:
        wait = self._resume_at - time.monotonic()
        if wait <= 0:
            return
        if wait > self._policy.max_wait:
            raise FetchError(
                f"GET {key}: the API rate limit is used up for another {wait:.0f}s, longer than "
                f"the {self._policy.max_wait:.0f}s a collection waits; the next run tries again"
            )
        log.info("rate limit used up; waiting %.1fs", wait)
        await asyncio.sleep(wait)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or DEFAULT_PORTS.get(url.scheme)


def _is_reachable(url: httpx.URL, hosts: Sequence[HostPattern]) -> bool:
    port = url.port or DEFAULT_PORTS.get(url.scheme)
    host = url.raw_host.decode("ascii")
    return url.scheme in DEFAULT_PORTS and port is not None and is_allowed(host, port, hosts)


def _listed(hosts: Sequence[HostPattern]) -> str:
    return ", ".join(map(str, hosts)) or "none"


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _NOT_JSON
