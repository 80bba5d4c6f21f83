"""A client for a running scorecards server (`scorecards serve`), as CI jobs use it.

Bounded everywhere: a timeout per request, a few attempts with a short backoff for
connection failures and 429/5xx answers (the one retry policy, scorecards/retry.py),
and a clear `ServerError` naming the server and what went wrong when it gives up. A gate answer is taken
only when it is about the entity, scorecard and threshold asked. The token (from
SCORECARDS_TOKEN) travels as a bearer token and never appears in a message, nor do
credentials written into the server URL.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from scorecards.errors import ScorecardsError
from scorecards.formats.timeutil import format_duration, parse_timestamp
from scorecards.gate.decision import GateDecision, GatePolicy
from scorecards.records.facts import RESULTS_SOURCE, FactSnapshot
from scorecards.retry import Attempts, Clock, Retry, RetryPolicy, StandardRules, Stop

MAX_RETRY_AFTER = 5.0  # seconds; a CI step does not wait longer for a busy server
# What an answer that is not a gate decision raises while being read.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


class ServerError(ScorecardsError):
    """The server could not be reached, refused the request, or answered nonsense."""


class ScorecardsServer:
    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.25,
    ) -> None:
        self.url = _server_url(url)
        self.shown_url = _without_credentials(self.url)  # for messages and logs
        # A CI step waits little for a busy server: a few quick retries, short waits.
        self.policy = RetryPolicy(
            retries=max(1, attempts) - 1,
            backoff=backoff,
            max_backoff=MAX_RETRY_AFTER,
            max_wait=MAX_RETRY_AFTER,
        )
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(timeout)
        )

    def __enter__(self) -> ScorecardsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def gate(self, policy: GatePolicy) -> GateDecision:
        """`POST /api/v1/gate`: the server decides from its stored results."""
        body: dict[str, Any] = {
            "entity": policy.entity_ref,
            "scorecard": policy.scorecard_id,
            "require_checks": list(policy.required_checks),
            **policy.threshold.to_dict(),
        }
        if policy.max_age is not None:
            body["max_age"] = format_duration(policy.max_age)
        answer = self._request("POST", "/api/v1/gate", json=body)
        try:
            decision = GateDecision.from_dict(answer)
        except MALFORMED as exc:
            raise ServerError(
                f"{self.shown_url}/api/v1/gate answered something that is not a gate decision "
                f"({type(exc).__name__}: {exc}) — is this a scorecards server of the same version?"
            ) from None
        mismatch = decision.mismatch(policy)
        if mismatch is not None:
            # A proxy or cache in between, or a server that rewrote the question: its
            # verdict says nothing about the question this gate asks, so never pass on it.
            raise ServerError(
                f"{self.shown_url}/api/v1/gate did not answer the question asked: {mismatch} — "
                "check --server (a proxy or cache in front of it?)"
            )
        return decision

    def latest_facts(self, ref: str, sources: Iterable[str]) -> dict[str, FactSnapshot]:
        """The server's latest facts of `ref` by source (Tech Insights `facts/latest`).

        An entity the server does not know yet (a service added in this pull
        request) simply has no facts.
        """
        ids = sorted(set(sources) - {RESULTS_SOURCE})
        if not ids:
            return {}
        params = [("entity", ref)] + [(f"ids[{i}]", source) for i, source in enumerate(ids)]
        answer = self._request(
            "GET", "/api/tech-insights/facts/latest", params=params, missing_ok=True
        )
        try:
            return {
                source: FactSnapshot(parse_timestamp(row["timestamp"]), dict(row["facts"]))
                for source, row in answer.items()
                if source in ids
            }
        except MALFORMED as exc:
            raise ServerError(
                f"{self.shown_url}/api/tech-insights/facts/latest answered facts of an unexpected "
                f"shape ({type(exc).__name__}: {exc})"
            ) from None

    def _request(
        self, method: str, path: str, *, missing_ok: bool = False, **kwargs: Any
    ) -> dict[str, Any]:
        where = f"{self.shown_url}{path}"
        attempts = Attempts(self.policy, Clock())
        while True:
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                problem, retry = f"{type(exc).__name__}: {exc or 'no answer'}", Retry()
            except httpx.HTTPError as exc:  # not worth a retry: a malformed answer, say
                raise ServerError(f"{where} failed: {type(exc).__name__}: {exc}") from None
            else:
                answered = StandardRules().retry(response, None)
                if answered is None:
                    return self._answer(where, response, missing_ok)
                problem, retry = f"HTTP {response.status_code}", answered
            wait = attempts.next_wait(retry)
            if isinstance(wait, Stop):
                raise ServerError(
                    f"cannot reach the scorecards server at {self.shown_url} ({problem}; "
                    f"{wait.reason}) — check --server and that `scorecards serve` is running there"
                )
            time.sleep(wait)

    def _answer(self, where: str, response: httpx.Response, missing_ok: bool) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        message = _error_message(body) or response.text[:200] or response.reason_phrase
        if response.status_code == 404 and missing_ok and not message.startswith("no route"):
            return {}
        if response.status_code in (401, 403):
            message += " (the CLI sends the token in SCORECARDS_TOKEN)"
        if response.is_success:
            message = "the answer is not a JSON object"
        raise ServerError(f"{where} answered HTTP {response.status_code}: {message}")


def _server_url(url: str) -> str:
    """`url` without a trailing slash; ServerError at once when it cannot be a server's URL."""
    shown = _without_credentials(url)
    problem = None
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        problem = str(exc)
    else:
        if parsed.scheme not in ("http", "https"):
            problem = f"the scheme must be http or https, not '{parsed.scheme or 'none'}'"
        elif not parsed.host:
            problem = "it names no host"
    if problem is not None:
        raise ServerError(
            f"--server '{shown}' is not a server URL: {problem} — "
            "e.g. https://scorecards.example.com or http://127.0.0.1:8321"
        )
    return url.rstrip("/")


def _without_credentials(url: str) -> str:
    """The URL as safe to print: anything before an '@' in its authority is hidden."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{path}"


def _error_message(body: Any) -> str | None:
    """The message of a scorecards (Backstage-shaped) error body."""
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])
    return None
