"""A client for a running scorecards server (`scorecards serve`), as CI jobs use it.

Bounded everywhere: a timeout per request, a few attempts with a short backoff for
connection failures and 429/5xx answers (the one retry policy, scorecards/retry.py),
and a clear `ServerError` naming the server and what went wrong when it gives up. A gate answer is taken
only when it is about the entity, scorecard and threshold asked. The token (from
SCORECARDS_TOKEN) travels as a bearer token and never appears in a message, nor do
credentials written into the server URL.

`server_token` reads that token without loading every setting when it can: loading the
settings imports pydantic-settings, which a remote `scorecards gate` would otherwise
spend much of its start-up on. When nothing but SCORECARDS_TOKEN configures scorecards
(no flag, no other SCORECARDS_* variable, no settings file), the settings are the
defaults plus that token, none of which can be invalid, so the token is read from the
environment as pydantic-settings reads it. Anything else loads the settings as every
command does, so a bad setting is reported the same way (scorecards/cli/configuration.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.request import getproxies

import httpx

from scorecards.errors import ScorecardsError
from scorecards.formats.timeutil import format_duration, parse_timestamp
from scorecards.gate.decision import GateDecision, GatePolicy
from scorecards.records.facts import RESULTS_SOURCE, FactSnapshot
from scorecards.retry import Attempts, Clock, Retry, RetryPolicy, StandardRules, Stop

# pydantic-settings matches variable names whatever their case (scorecards/settings.py).
SETTINGS_PREFIX = "scorecards_"
TOKEN_VARIABLE = "scorecards_token"
CONFIG_VARIABLE = "scorecards_config"  # names the settings file; not a setting itself
MAX_RETRY_AFTER = 5.0  # seconds; a CI step does not wait longer for a busy server
# What an answer that is not a gate decision raises while being read.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


class ServerError(ScorecardsError):
    """The server could not be reached, refused the request, or answered nonsense."""


def server_token(**flags: str | None) -> str | None:
    """SCORECARDS_TOKEN as the settings give it, with the settings loaded only when needed."""
    alone, token = _token_alone(flags)
    if alone:
        return token
    from scorecards.cli.configuration import load_cli_settings

    settings = load_cli_settings(**flags)
    return settings.token.get_secret_value() if settings.token is not None else None


def _token_alone(flags: dict[str, str | None]) -> tuple[bool, str | None]:
    """(True, the token) when the token is all that is configured; (False, None) otherwise."""
    if any(value is not None for value in flags.values()):
        return False, None
    token = None
    for key, value in os.environ.items():
        name = key.lower()
        if name == TOKEN_VARIABLE:
            token = value  # as pydantic-settings: of two spellings, the later one
        elif name.startswith(SETTINGS_PREFIX) and name != CONFIG_VARIABLE:
            return False, None
    # The file scorecards.settings.config_file() names, read when it is a regular file.
    config = Path(os.environ.get("SCORECARDS_CONFIG", "scorecards.yaml")).expanduser()
    try:
        if config.is_file():
            return False, None
    except OSError:  # a path the system refuses: the settings say so as they always have
        return False, None
    return True, token


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
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            verify=_may_use_tls(self.url),
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


def _may_use_tls(url: str) -> bool:
    """Whether a request to the server may go over TLS: a URL that is not plain http, or a
    proxy from the environment (which may itself be https)."""
    # httpx loads its CA certificates when a client is made, whether TLS is used or not:
    # 0.07-0.15 s of a CI step's start-up. A plain http server reached directly (one started
    # in the same CI job, say) never uses TLS, so its client needs no certificates.
    return httpx.URL(url).scheme != "http" or bool(getproxies())


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
