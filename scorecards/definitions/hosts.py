"""Host patterns: the servers a source may send requests to, and a secret may go to.

A pattern is a host name or IP address, optionally with `:port` (without one, any
port), or `*.` and a domain of at least two labels for every host below it
(`*.example.com` matches `api.example.com` and `a.b.example.com`, not
`example.com`). Names compare lower-case, in their ASCII (`xn--`) form. Pure.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_HINT = "write a host such as api.pagerduty.com, sonar.example.com:9000 or *.example.com"
# The leading string literal of a url expression, up to the end of its host.
_LITERAL_ORIGIN = re.compile(r"""^\s*(["'])(https?://[^"'/?#\\]*)[/?#]""")


@dataclass(frozen=True)
class HostPattern:
    """One entry of a `hosts:` list or of a secret's grant."""

    host: str  # normalised; for a wildcard, the domain after `*.`
    port: int | None = None
    is_wildcard: bool = False

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"*.{host}" if self.is_wildcard else host
        return text if self.port is None else f"{text}:{self.port}"

    def matches(self, host: str, port: int) -> bool:
        """Whether a request to `host`:`port` is one this pattern allows."""
        if self.port is not None and port != self.port:
            return False
        host = _normalise(host)
        if self.is_wildcard:
            return host.endswith("." + self.host)
        return host == self.host

    def covers(self, other: HostPattern) -> bool:
        """Whether every host `other` matches, this pattern matches too."""
        if self.port is not None and other.port != self.port:
            return False
        if not self.is_wildcard:
            return not other.is_wildcard and other.host == self.host
        return other.host.endswith("." + self.host) or (
            other.is_wildcard and other.host == self.host
        )


def parse_host_pattern(text: str) -> HostPattern:
    """The pattern `text` writes; ValueError saying what is wrong and how to write it."""
    text = text.strip()
    if not text.isascii():
        raise ValueError(f"'{text}' is not ASCII — write an international name in its xn-- form")
    if any(mark in text for mark in ("://", "/", "@", "?", "#")) or text.endswith(":"):
        raise ValueError(f"'{text}' is not a host: {_HINT}, without a scheme, user or path")
    is_wildcard = text.startswith("*.")
    rest = text[2:] if is_wildcard else text
    try:
        parts = urlsplit("//" + rest)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise ValueError(f"'{text}' is not a host: {_HINT} (a port is 1 to 65535)") from None
    host = _normalise(host)
    if "*" in rest or not (_is_ip(host) or _DNS_NAME.match(host)) or len(host) > 253:
        raise ValueError(f"'{text}' is not a host: {_HINT}")
    if is_wildcard and (_is_ip(host) or host.count(".") < 1):
        raise ValueError(f"'{text}' is too wide: a wildcard needs a domain such as *.example.com")
    return HostPattern(host, port, is_wildcard)


def parse_host_patterns(texts: Iterable[str]) -> tuple[HostPattern, ...]:
    return tuple(parse_host_pattern(text) for text in texts)


def is_allowed(host: str, port: int, patterns: Iterable[HostPattern]) -> bool:
    return any(pattern.matches(host, port) for pattern in patterns)


def literal_url_origin(expression: str) -> tuple[str, str, int] | None:
    """Scheme, host and port of a url expression that begins with a string literal
    holding the whole origin (`"https://api.example.com/v1/" + ...`), else None."""
    match = _LITERAL_ORIGIN.match(expression)
    if match is None:
        return None
    try:
        parts = urlsplit(match.group(2))
        scheme, host, port = parts.scheme, parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _normalise(host: str) -> str:
    host = host.lower()
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
