"""HTTP fetching for sources: one `Fetcher` per source per collection.

It bounds requests in flight (the source's `concurrency`), retries what
retry.py says is worth retrying and waits as long as it says (backoff, Retry-After,
rate-limit resets, all bounded), sends `If-None-Match` for cached responses and
reuses them on 304, bounds body sizes, and counts every request it makes. Headers
(where tokens live) are never logged and never part of an error, and never follow
a redirect to another origin; a caller may also name the hosts a request and its
redirects may reach, or refuse redirects altogether.

Every HTTP call of the sources goes through here, the Backstage catalog's too
(catalog/backstage.py), so they share one retry loop and one way to keep secrets.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import ssl
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

from scorecards.definitions.hosts import DEFAULT_PORTS, HostPattern, is_allowed
from scorecards.errors import ScorecardsError
from scorecards.retry import Attempts, Clock, RetryPolicy, Stop, is_transient

# Re-exported: sources (github/repositories.py, base.py) know them from here.
from scorecards.retry import Retry as Retry
from scorecards.retry import ServerRules as ServerRules
from scorecards.retry import StandardRules as StandardRules
from scorecards.retry import retry_after_seconds as retry_after_seconds
from scorecards.sources.redaction import Redactor, masking_logs
from scorecards.sources.response_cache import CachedResponse, ResponseCache

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
# Dropped on a redirect to another origin, besides every header the source sets.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


class FetchError(ScorecardsError):
    """A request failed for good: after its retries, or in a way retrying cannot fix.

    `reply` is the server's answer behind it, when there is one.
    """

    def __init__(self, message: str, reply: Reply | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class TokenRejectedError(FetchError):
    """The server answered 401 (`reply`); every later request of this Fetcher fails so too."""

    reply: Reply


class NotJSONError(FetchError):
    """A 2xx answer (`reply`: its status and content type) whose body is not JSON."""

    reply: Reply


class GaveUpError(FetchError):
    """No more retries (`stop` says why); `last` is the last failure, a reply or a transport error."""

    def __init__(self, message: str, stop: Stop, last: Reply | httpx.TransportError) -> None:
        super().__init__(message, last if isinstance(last, Reply) else None)
        self.stop = stop
        self.last = last


@dataclass(frozen=True, kw_only=True)
class FetchPolicy(RetryPolicy):
    """How patient a collection is: retry.py's bounds, and each request's own."""

    timeout: float = 10.0
    max_body_bytes: int = 20 * 1024 * 1024


@dataclass(frozen=True)
class _Failure:
    """An attempt worth retrying: what went wrong in words, and as it came."""

    text: str
    retry: Retry
    last: Reply | httpx.TransportError


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
    content_type: str = ""
    location: str | None = None  # where a redirect not followed pointed (secrets masked)

    @property
    def ok(self) -> bool:
        return self.cached or 200 <= self.status < 300

    @property
    def message(self) -> str:
        return error_message(self.data)

    @property
    def reason(self) -> str:
        """The status's reason phrase ("Bad Gateway"); empty for a status HTTP does not name."""
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    def describe(self) -> str:
        reason = self.reason
        text = f"GET {self.url}: {self.status} {reason}".rstrip()
        message = self.message
        return f"{text} ({message})" if message and message != reason else text


_NOT_JSON = object()


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification, built once per process (loading CA files is slow)."""
    return httpx.create_ssl_context()


class Fetcher:
    """GETs JSON for one source, politely. Create with `Fetcher.open(...)`.

    `clock` is the time retries and quota waits are measured and spent in; set
    another before the first request to run them without real waiting.
    """

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
        self.clock = Clock()
        self._resume_at = 0.0  # clock.monotonic() before which the quota is used up
        self._rejected: TokenRejectedError | None = None
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
        params: Mapping[str, str | int] | httpx.QueryParams | None = None,
        digest: Callable[[Any], Any] | None = None,
        hosts: Sequence[HostPattern] | None = None,
        follow_redirects: bool = True,
    ) -> Reply:
        """GET `url`; a 2xx or cached reply, or the final error reply a source interprets.

        `digest` turns a 2xx body into what the caller needs; that (not the whole
        body) is what the cache keeps. With `hosts`, a URL or redirect to any other
        host is refused before anything is sent to it. Without `follow_redirects`
        a redirect is the reply (its `location` says where to). Raises FetchError
        when retries run out (GaveUpError), the token is rejected, the quota cannot
        be waited for, a 2xx body is not JSON, a URL or redirect is refused, or a
        transport error would fail again however often the request were sent.
        """
        if self._rejected is not None:
            raise TokenRejectedError(str(self._rejected), self._rejected.reply)
        request = self._client.build_request("GET", url, params=params)
        key = str(request.url)
        self._check_url(key, request.url, hosts)
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            request.headers["If-None-Match"] = cached.etag
        attempts = Attempts(self._policy, self.clock)
        while True:
            failure: _Failure | None
            try:
                response, body = await self._send(request, hosts, follow_redirects)
            except httpx.TransportError as exc:
                failure = self._transport_failure(key, exc)
            else:
                reply = self._reply(key, response, body, cached, digest)
                failure = self._failure(response, reply)
                if failure is None:
                    return reply
            wait = attempts.next_wait(failure.retry)
            if isinstance(wait, Stop):
                raise GaveUpError(f"{failure.text} — {wait.reason}", wait, failure.last)
            self.retries += 1
            log.info("%s; retry %d in %.1fs", failure.text, attempts.made - 1, wait)
            await self.clock.sleep(wait)

    def _check_url(self, key: str, url: httpx.URL, hosts: Sequence[HostPattern] | None) -> None:
        if self._redactor.text(key) != key:
            # URLs end up in logs, proxies and server access logs; secrets travel in headers only
            raise FetchError(
                f"refusing GET {self._redactor.text(key)}: the URL would carry a secret"
            )
        if hosts is not None and not _is_reachable(url, hosts):
            raise FetchError(
                f"refusing GET {key}: its host is not among the source's hosts "
                f"({_listed(hosts)}) — nothing was sent; add the host to `hosts` if it is meant"
            )

    def _transport_failure(self, key: str, error: httpx.TransportError) -> _Failure:
        if isinstance(error, httpx.TimeoutException):
            text = f"GET {key}: no answer within {self._policy.timeout:g}s"
        else:
            text = self._redactor.text(f"GET {key}: {type(error).__name__}: {error}")
        if not is_transient(error):
            raise FetchError(f"{text} — sending it again would fail the same way") from error
        return _Failure(text, Retry(), error)

    def _failure(self, response: httpx.Response, reply: Reply) -> _Failure | None:
        """The failure to retry that `reply` is, or None when it is the final answer."""
        retry = None if reply.ok else self._rules.retry(response, reply.data)
        if retry is None:
            return None
        # it may quote the server's answer, which may echo a secret
        return _Failure(self._redactor.text(reply.describe()), retry, reply)

    async def _send(
        self, request: httpx.Request, hosts: Sequence[HostPattern] | None, follow_redirects: bool
    ) -> tuple[httpx.Response, bytes]:
        limit = self._policy.max_body_bytes
        async with self._slots:
            # Checked once holding a slot: requests queued behind one that used up
            # the quota must see it too.
            await self._wait_for_quota(str(request.url))
            if follow_redirects:
                response = await self._follow(request, hosts)
            else:
                response = await self._client.send(request, stream=True)
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
            return self._success(key, response, data, digest)
        location = response.headers.get("location") if response.is_redirect else None
        reply = Reply(
            key,
            status,
            None if data is _NOT_JSON else data,
            content_type=response.headers.get("content-type", ""),
            location=None if location is None else self._redactor.text(location),
        )
        if status == 401:
            message = f"{reply.describe()} — the token was rejected; check that it is valid"
            self._rejected = TokenRejectedError(self._redactor.text(message), reply)
            raise self._rejected
        return reply

    def _success(
        self, key: str, response: httpx.Response, data: Any, digest: Callable[[Any], Any] | None
    ) -> Reply:
        status = response.status_code
        kind = response.headers.get("content-type", "")
        if data is _NOT_JSON:
            raise NotJSONError(
                f"GET {key}: {status}, but the body is not JSON ({kind or 'no content-type'})",
                Reply(key, status, None, content_type=kind),
            )
        # masked before it is returned or cached: a server may echo a secret back
        value = self._redactor.value(digest(data) if digest is not None else data)
        next_url = response.links.get("next", {}).get("url")
        if next_url is not None and self._redactor.text(next_url) != next_url:
            raise FetchError(f"GET {key}: its next-page link would carry a secret")
        etag = response.headers.get("etag")
        if self._cache is not None and etag:
            self._cache.put(key, CachedResponse(etag, value, next_url))
        return Reply(key, status, value, next_url, content_type=kind)

    def _note_quota(self, response: httpx.Response) -> None:
        seconds = self._rules.exhausted_for(response)
        if seconds is not None:
            self._resume_at = max(self._resume_at, self.clock.monotonic() + seconds)

    async def _wait_for_quota(self, key: str) -> None:
        wait = self._resume_at - self.clock.monotonic()
        if wait <= 0:
            return
        refusal = self._policy.refuses_wait(wait)
        if refusal is not None:
            raise FetchError(
                f"GET {key}: the API rate limit is used up for another {wait:.0f}s, {refusal}"
            )
        log.info("rate limit used up; waiting %.1fs", wait)
        await self.clock.sleep(wait)


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
