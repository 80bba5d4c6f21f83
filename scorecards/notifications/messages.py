"""Messages as each destination takes them: Slack Block Kit, a Teams Adaptive Card, a
signed generic JSON body, an email. Pure: an `Outgoing` in, a payload out.

The generic webhook's body is the JSON `webhook_body` builds, sent as compact UTF-8
(`body_bytes`); its header `X-Scorecards-Signature: sha256=<hex>` is the
HMAC-SHA256 of exactly those bytes keyed with the destination's secret, so a
receiver verifies it with `hmac.compare_digest(header, "sha256=" +
hmac.new(secret, raw_body, hashlib.sha256).hexdigest())`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from email.message import EmailMessage
from typing import Any

from scorecards.notifications.events import Event
from scorecards.notifications.routing import Outgoing

SIGNATURE_HEADER = "X-Scorecards-Signature"
MAX_ITEMS = 10  # failing checks or entities listed per event; the rest are counted
# Slack refuses a message of more than 50 blocks; a digest keeps room for its header.
MAX_SLACK_EVENTS = 45


def heading(outgoing: Outgoing) -> str:
    """The message's one-line summary (an email's subject, a chat message's header)."""
    if not outgoing.is_digest:
        return outgoing.events[0].title
    team = (outgoing.team or "unowned").rsplit("/", 1)[-1]
    count = len(outgoing.events)
    return f"Scorecards digest for {team}: {count} update{'s' * (count != 1)}"


def event_lines(event: Event) -> list[str]:
    """The event's detail as plain lines: failing checks with their remediation, or entities."""
    lines = []
    for item in event.items[:MAX_ITEMS]:
        line = f"- {item.name}"
        if item.message:
            line += f": {item.message}"
        lines.append(line)
        if item.remediation:
            lines.append(f"  To fix: {' '.join(item.remediation.split())}")
        lines.extend(f"  {title}: {url}" for title, url in item.links)
    if len(event.items) > MAX_ITEMS:
        lines.append(f"- and {len(event.items) - MAX_ITEMS} more")
    return lines


def _mrkdwn(text: str) -> str:
    # Slack reads &, < and > as markup: escaped, a message cannot ping a channel or forge a link.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(outgoing: Outgoing) -> dict[str, Any]:
    """A Slack incoming-webhook message in Block Kit, with `text` as the notification's fallback."""
    title = heading(outgoing)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    ]
    for event in outgoing.events[:MAX_SLACK_EVENTS]:
        lines = [f"*{_mrkdwn(event.title)}*", *(_mrkdwn(line) for line in event_lines(event))]
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}}
        )
        context = [
            f"`{part}`"
            for part in (event.entity, event.scorecard, event.check, event.campaign)
            if part
        ]
        if context:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
            )
    if len(outgoing.events) > MAX_SLACK_EVENTS:
        more = len(outgoing.events) - MAX_SLACK_EVENTS
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"… and {more} more"}})
    return {"text": title, "blocks": blocks}


def teams_payload(outgoing: Outgoing) -> dict[str, Any]:
    """A Microsoft Teams webhook message: one Adaptive Card (what Teams workflows take)."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": heading(outgoing),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    for event in outgoing.events:
        body.append({"type": "TextBlock", "text": event.title, "weight": "Bolder", "wrap": True})
        lines = event_lines(event)
        if lines:
            body.append({"type": "TextBlock", "text": "\n".join(lines), "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def webhook_body(outgoing: Outgoing) -> dict[str, Any]:
    """The generic webhook's JSON: the rule, the team, and each event as recorded."""
    return {
        "rule": outgoing.rule,
        "team": outgoing.team,
        "digest": outgoing.is_digest,
        "title": heading(outgoing),
        "events": [event.to_dict() for event in outgoing.events],
    }


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """The `X-Scorecards-Signature` value of `body`: `sha256=` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def email_message(outgoing: Outgoing, sender: str) -> EmailMessage:
    """A plain-text email to the outgoing's address."""
    message = EmailMessage()
    message["Subject"] = heading(outgoing)
    message["From"] = sender
    message["To"] = outgoing.address
    paragraphs = []
    for event in outgoing.events:
        paragraphs.append("\n".join([event.title, *event_lines(event)]))
    message.set_content("\n\n".join(paragraphs) + "\n")
    return message
