"""Sending messages: HTTP webhooks (Slack, Teams, generic) and SMTP email. The edge.

Messages go through a bounded queue to a few concurrent senders, so a burst of
events holds a bounded number of messages in memory and of requests in flight.
HTTP retries 429 and 5xx, and transport failures that may pass, as the one retry
policy says (scorecards/retry.py: backoff with jitter, Retry-After honoured, all
bounded); SMTP retries its transient failures (4xx replies, dropped connections)
the same way. Every message ends `sent` or `failed` with why; nothing raises.

Webhook URLs, HMAC keys and SMTP credentials are read from the environment
variables the definitions name, at the moment of sending: they are never logged,
never part of an error, never stored. An error names the variable, not its value.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import httpx

from scorecards.definitions.specs import SmtpSpec
from scorecards.notifications.messages import (
    SIGNATURE_HEADER,
    body_bytes,
    email_message,
    signature,
    slack_payload,
    teams_payload,
    webhook_body,
)
from scorecards.notifications.routing import Outgoing
from scorecards.records.notifications import Outcome
from scorecards.retry import Attempts, Clock, Retry, RetryPolicy, StandardRules, Stop, is_transient

log = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy(retries=3, backoff=0.5, max_backoff=10.0, max_wait=60.0, budget=120.0)
QUEUE_SIZE = 100
SENDERS = 4
# SMTP replies that mean "not now": the server is busy or out of resources.
_SMTP_TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


@dataclass(frozen=True)
class Delivered:
    """How one message ended: sent, or failed with why, after `attempts` attempts."""

    outcome: Outcome
    attempts: int
    error: str | None = None


class _UnsendableError(Exception):
    """A message that cannot be sent at all (a variable unset); its text is the error."""


def deliver(
    outgoing: Sequence[Outgoing],
    environ: Mapping[str, str],
    policy: RetryPolicy = DEFAULT_POLICY,
    clock: Clock | None = None,
) -> list[Delivered]:
    """Send every message; how each ended, in the same order."""
    if not outgoing:
        return []
    return asyncio.run(_deliver(outgoing, environ, policy, clock or Clock()))


async def _deliver(
    outgoing: Sequence[Outgoing], environ: Mapping[str, str], policy: RetryPolicy, clock: Clock
) -> list[Delivered]:
    results: list[Delivered | None] = [None] * len(outgoing)
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=QUEUE_SIZE)
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:

        async def sender() -> None:
            while (index := await queue.get()) is not None:
                results[index] = await _send(outgoing[index], environ, client, policy, clock)

        senders = [asyncio.create_task(sender()) for _ in range(min(SENDERS, len(outgoing)))]
        for index in range(len(outgoing)):
            await queue.put(index)
        for _ in senders:
            await queue.put(None)
        await asyncio.gather(*senders)
    return [result or Delivered(Outcome.FAILED, 0, "not sent") for result in results]


async def _send(
    message: Outgoing,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    policy: RetryPolicy,
    clock: Clock,
) -> Delivered:
    try:
        if message.destination.type == "email":
            return await _send_email(message, environ, policy, clock)
        return await _post(message, environ, client, policy, clock)
    except _UnsendableError as exc:
        return Delivered(Outcome.FAILED, 0, str(exc))


def _variable(environ: Mapping[str, str], name: str, what: str) -> str:
    value = environ.get(name)
    if not value:
        raise _UnsendableError(
            f"environment variable {name} ({what}) is not set — set it where runs send"
        )
    return value


async def _post(
    message: Outgoing,
    environ: Mapping[str, str],
    client: httpx.AsyncClient,
    policy: RetryPolicy,
    clock: Clock,
) -> Delivered:
    destination = message.destination
    url = _variable(environ, message.address, f"the {destination.type} webhook URL")
    if destination.type == "slack":
        payload = slack_payload(message)
    elif destination.type == "teams":
        payload = teams_payload(message)
    else:
        payload = webhook_body(message)
    body = body_bytes(payload)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if destination.secret is not None:
        key = _variable(environ, destination.secret, "the webhook's signing key")
        headers[SIGNATURE_HEADER] = signature(key, body)
    answered = await request(client, "POST", url, body, headers, policy, clock)
    return Delivered(answered.outcome, answered.attempts, answered.error)


@dataclass(frozen=True)
class Answered:
    """A request's end: sent (with the 2xx response) or failed with why."""

    outcome: Outcome
    attempts: int
    error: str | None = None
    response: httpx.Response | None = None


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    policy: RetryPolicy,
    clock: Clock,
) -> Answered:
    """Send one request, retrying as scorecards/retry.py says; never raises. An error tells
    the status and the start of the answer, or a transport failure's kind: never the URL
    or a header, which may carry secrets."""
    attempts = Attempts(policy, clock)
    rules = StandardRules()
    while True:
        try:
            response = await client.request(method, url, content=body, headers=headers)
        except httpx.TransportError as exc:
            failure = f"{type(exc).__name__} reaching the server"
            if not is_transient(exc):
                return Answered(Outcome.FAILED, attempts.made, failure)
            retry = Retry()
        else:
            if response.is_success:
                return Answered(Outcome.SENT, attempts.made, response=response)
            answer = " ".join(response.text.split())[:100]
            failure = f"HTTP {response.status_code} {answer}".strip()
            found = rules.retry(response, None)
            if found is None:
                return Answered(Outcome.FAILED, attempts.made, failure)
            retry = found
        wait = attempts.next_wait(retry)
        if isinstance(wait, Stop):
            return Answered(Outcome.FAILED, wait.attempts, f"{failure}; {wait.reason}")
        await clock.sleep(wait)


async def _send_email(
    message: Outgoing, environ: Mapping[str, str], policy: RetryPolicy, clock: Clock
) -> Delivered:
    smtp = message.destination.smtp
    assert smtp is not None  # the spec requires it of an email destination
    credentials = None
    if smtp.username is not None or smtp.password is not None:
        if smtp.username is None or smtp.password is None:
            raise _UnsendableError("smtp needs both username and password, or neither")
        credentials = (
            _variable(environ, smtp.username, "the SMTP user name"),
            _variable(environ, smtp.password, "the SMTP password"),
        )
    attempts = Attempts(policy, clock)
    while True:
        try:
            await asyncio.to_thread(_send_mail, smtp, credentials, message)
            return Delivered(Outcome.SENT, attempts.made)
        except smtplib.SMTPResponseException as exc:
            failure = f"SMTP {exc.smtp_code} {_reply_text(exc.smtp_error)}"
            if not 400 <= exc.smtp_code < 500:
                return Delivered(Outcome.FAILED, attempts.made, failure)
        except smtplib.SMTPRecipientsRefused as exc:
            return Delivered(
                Outcome.FAILED, attempts.made, f"recipient refused: {list(exc.recipients)}"
            )
        except _SMTP_TRANSIENT as exc:
            failure = f"{type(exc).__name__} reaching {smtp.host}:{smtp.port}"
        wait = attempts.next_wait(Retry())
        if isinstance(wait, Stop):
            return Delivered(Outcome.FAILED, wait.attempts, f"{failure}; {wait.reason}")
        await clock.sleep(wait)


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:100]


def _send_mail(smtp: SmtpSpec, credentials: tuple[str, str] | None, message: Outgoing) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if credentials is not None:
            client.login(*credentials)
        client.send_message(email_message(message, smtp.sender))
