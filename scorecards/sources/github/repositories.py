"""The GitHub source: repository settings and security signals from the GitHub REST API.

For every entity with a `github.com/project-slug: owner/repo` annotation it reads
the repository, the default branch's protection, the root, `.github/` and
`docs/` folder listings, and open Dependabot, code-scanning and secret-scanning
alerts: 6 to 8 requests per repository, each sent with `If-None-Match` once an
ETag is cached, so an unchanged repository costs only 304s (which GitHub does
not count against the rate limit). A fact is ABSENT — not false, not 0 — when
GitHub says the feature is not enabled or the token cannot see it.

Token: `SCORECARDS_GITHUB_TOKEN`; API: `SCORECARDS_GITHUB_API_URL` (GitHub
Enterprise: `https://HOST/api/v3`). Without a token the source is skipped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from scorecards.definitions.compiled import Source
from scorecards.records.entities import Entity
from scorecards.sources.base import (
    Collector,
    EntityCollectionError,
    Setup,
    SourceConfigurationError,
    SourceSkippedError,
)
from scorecards.sources.fetch import (
    Fetcher,
    Reply,
    Retry,
    StandardRules,
    error_message,
    retry_after_seconds,
)

log = logging.getLogger(__name__)

Target = TypeVar("Target")

SLUG_ANNOTATION = "github.com/project-slug"
API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 10  # alerts counted per kind: at most 1,000
SEVERITIES = ("critical", "high", "medium", "low")
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: without retry-after, wait at least a minute
_SLUG = re.compile(r"^([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?$")
_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")


class GitHubRules(StandardRules):
    """GitHub's rate limits: primary (x-ratelimit-*) and secondary (403/429 + retry-after)."""

    def retry(self, response: httpx.Response, data: Any) -> Retry | None:
        if response.status_code in (403, 429):
            after = retry_after_seconds(response)
            if after is not None:
                return Retry(after)
            if response.headers.get("x-ratelimit-remaining") == "0":
                return Retry(_seconds_until_reset(response))
            if "secondary rate limit" in error_message(data).lower():
                return Retry(SECONDARY_LIMIT_WAIT)
        return super().retry(response, data)

    def exhausted_for(self, response: httpx.Response) -> float | None:
        if response.headers.get("x-ratelimit-remaining") == "0":
            return _seconds_until_reset(response)
        return None


def _seconds_until_reset(response: httpx.Response) -> float:
    try:
        reset = float(response.headers.get("x-ratelimit-reset", ""))
    except ValueError:
        return SECONDARY_LIMIT_WAIT
    return max(0.0, reset - time.time()) + 0.5


@dataclass(frozen=True)
class GitHubSettings:
    """What the GitHub source and the organisation listing take from Settings."""

    token: SecretStr | None = field(repr=False)  # SCORECARDS_GITHUB_TOKEN
    api_url: str  # SCORECARDS_GITHUB_API_URL


def prepare(source: Source, settings: GitHubSettings, now: datetime) -> Setup[Entity]:
    return connect(settings, GitHubCollector())


def connect(settings: GitHubSettings, collector: Collector[Target]) -> Setup[Target]:
    """`collector` talking to the configured GitHub API; SourceSkippedError without a token."""
    secret = settings.token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise SourceSkippedError(
            "SCORECARDS_GITHUB_TOKEN is not set; GitHub facts already stored or pushed "
            "are used as they are"
        )
    if not _HEADER_SAFE.match(token):
        raise SourceConfigurationError(
            "SCORECARDS_GITHUB_TOKEN contains spaces or control characters, which an HTTP "
            "header cannot carry — set it to the token alone"
        )
    api = settings.api_url.strip().rstrip("/")
    try:
        url = httpx.URL(api)
    except httpx.InvalidURL:
        url = None
    if url is not None and url.userinfo:
        raise SourceConfigurationError(
            "SCORECARDS_GITHUB_API_URL must not hold a user name or password; "
            "the token goes in SCORECARDS_GITHUB_TOKEN"
        )
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise SourceConfigurationError(
            f"SCORECARDS_GITHUB_API_URL '{api}' is not an http(s) URL — use "
            "https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server"
        )
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": API_VERSION,
        "User-Agent": "scorecards",
    }
    return Setup(collector, headers, (token,), api + "/", GitHubRules(), uses_cache=True)


def project_slug(entity: Entity) -> str | None:
    annotations = (entity.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(SLUG_ANNOTATION)
    return value.strip() if isinstance(value, str) and value.strip() else None


class GitHubCollector:
    def wants(self, entity: Entity) -> bool:
        return project_slug(entity) is not None

    async def collect(self, entity: Entity, fetcher: Fetcher) -> dict[str, Any]:
        slug = project_slug(entity) or ""
        match = _SLUG.match(slug)
        if match is None:
            raise EntityCollectionError(
                f"annotation {SLUG_ANNOTATION} is '{slug}', not owner/repo — "
                "e.g. github.com/project-slug: acme/payments-api"
            )
        base = f"repos/{quote(match.group(1))}/{quote(match.group(2))}"
        repository = await fetcher.get(base, digest=_repository)
        if repository.status in (403, 404):
            raise EntityCollectionError(
                f"{repository.describe()} — repository {slug} does not exist or the token "
                f"cannot see it; check the {SLUG_ANNOTATION} annotation and the token's access"
            )
        _require(repository)
        repo = repository.data
        facts: dict[str, Any] = {
            "archived": repo["archived"],
            "default_branch": repo["default_branch"],
        }
        if repo["pushed_at"]:
            facts["pushed_at"] = repo["pushed_at"]
        parts = await _all(
            _branch_protection(fetcher, base, repo["default_branch"]),
            _contents(fetcher, base, repo["license"]),
            _alerts(fetcher, f"{base}/dependabot/alerts", "dependabot_alerts", _advisories),
            _alerts(fetcher, f"{base}/code-scanning/alerts", "code_scanning_alerts", _rules),
            _secret_scanning(fetcher, base),
        )
        for part in parts:
            facts.update(part)
        return facts


async def _all(*parts: Coroutine[Any, Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """Run parts concurrently; the first failure cancels the rest and is raised as is."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(part) for part in parts]
    except ExceptionGroup as exc:
        raise exc.exceptions[0] from None
    return [task.result() for task in tasks]


def _require(reply: Reply) -> None:
    if not reply.ok:
        raise EntityCollectionError(reply.describe())


def _is_hidden(reply: Reply) -> bool:
    """GitHub's answer for a feature that is off, or that the token may not see."""
    return reply.status in (403, 404)


def _repository(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not isinstance(data.get("default_branch"), str):
        raise EntityCollectionError("the repository response has no default_branch")
    return {
        "archived": bool(data.get("archived")),
        "default_branch": data["default_branch"],
        "pushed_at": data.get("pushed_at"),
        "license": data.get("license") is not None,
    }


async def _branch_protection(fetcher: Fetcher, base: str, branch: str) -> dict[str, Any]:
    reply = await fetcher.get(
        f"{base}/branches/{quote(branch, safe='')}/protection", digest=_protection
    )
    if reply.ok:
        return dict(reply.data)
    if reply.status == 404 and reply.message == "Branch not protected":
        return {
            "branch_protection_enabled": False,
            "required_reviews": 0,
            "required_status_checks": 0,
            "admins_enforced": False,
        }
    if _is_hidden(reply):
        return {}
    raise EntityCollectionError(reply.describe())


def _protection(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise EntityCollectionError("the branch protection response is not an object")
    reviews = data.get("required_pull_request_reviews") or {}
    checks = data.get("required_status_checks") or {}
    names = {c.get("context") for c in checks.get("checks") or []} | set(
        checks.get("contexts") or []
    )
    return {
        "branch_protection_enabled": True,
        "required_reviews": int(reviews.get("required_approving_review_count") or 0),
        "required_status_checks": len(names - {None}),
        "admins_enforced": bool((data.get("enforce_admins") or {}).get("enabled")),
    }


async def _listing(fetcher: Fetcher, url: str) -> list[list[str]] | None:
    """[name, type] of a folder's entries; [] when there is no such folder; None when hidden."""
    reply = await fetcher.get(url, digest=_entries)
    if reply.ok:
        return list(reply.data)
    if reply.status == 404:
        return []  # no such folder, or an empty repository
    if reply.status == 403:
        return None
    raise EntityCollectionError(reply.describe())


def _entries(data: Any) -> list[list[str]]:
    if not isinstance(data, list):
        return []  # the path is a file, not a folder
    return [[str(item.get("name")), str(item.get("type"))] for item in data]


async def _contents(fetcher: Fetcher, base: str, license_detected: bool) -> dict[str, Any]:
    root = await _listing(fetcher, f"{base}/contents")
    if root is None:
        return {"has_license": True} if license_detected else {}
    folders = [name for name, kind in root if kind == "dir" and name in (".github", "docs")]
    listings = await asyncio.gather(*(_listing(fetcher, f"{base}/contents/{n}") for n in folders))
    files = {"": _file_names(root)}
    for name, listing in zip(folders, listings, strict=True):
        files[name] = _file_names(listing or [])
    everywhere = set().union(*files.values())
    lowered = {name.lower() for name in everywhere}
    github_folder = files.get(".github", set())
    if {"dependabot.yml", "dependabot.yaml"} & github_folder:
        tool = "dependabot"
    elif {"renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json"} & files[""] or (
        {"renovate.json", "renovate.json5"} & github_folder
    ):
        tool = "renovate"
    else:
        tool = "none"
    root_stems = {name.lower().split(".")[0] for name in files[""]}
    return {
        "has_codeowners": "CODEOWNERS" in everywhere,
        "has_readme": any(name == "readme" or name.startswith("readme.") for name in lowered),
        "has_license": license_detected or bool({"license", "licence", "copying"} & root_stems),
        "has_security_policy": bool(
            {"security.md", "security.markdown", "security.rst", "security.txt"} & lowered
        ),
        "dependency_update_tool": tool,
    }


def _file_names(listing: list[list[str]]) -> set[str]:
    return {name for name, kind in listing if kind in ("file", "symlink")}


async def _pages(fetcher: Fetcher, url: str, digest: Any) -> list[Any] | None:
    """Each page's digest of an open-alerts listing; None when the feature is off or hidden."""
    reply = await fetcher.get(url, params={"state": "open", "per_page": PER_PAGE}, digest=digest)
    if _is_hidden(reply):
        return None
    pages: list[Any] = []
    for _ in range(MAX_PAGES):
        _require(reply)
        pages.append(reply.data)
        if reply.next_url is None:
            return pages
        reply = await fetcher.get(reply.next_url, digest=digest)
    log.warning("%s: more than %d pages of open alerts; counting the first ones", url, MAX_PAGES)
    return pages


async def _alerts(fetcher: Fetcher, url: str, prefix: str, digest: Any) -> dict[str, Any]:
    pages = await _pages(fetcher, url, digest)
    if pages is None:
        return {}
    counts = Counter(severity for page in pages for severity in page)
    return {f"{prefix}_{severity}": counts[severity] for severity in SEVERITIES}


def _alert_list(data: Any) -> list[Mapping[str, Any]]:
    if not isinstance(data, list):
        raise EntityCollectionError("an alerts response is not a list")
    return [alert for alert in data if isinstance(alert, Mapping)]


def _advisories(data: Any) -> list[str]:
    """Dependabot alerts -> their advisories' severities."""
    severities = []
    for alert in _alert_list(data):
        advisory = alert.get("security_advisory") or alert.get("security_vulnerability") or {}
        severities.append(str(advisory.get("severity")))
    return severities


def _rules(data: Any) -> list[str]:
    """Code scanning alerts -> their rules' security severities (quality-only rules have none)."""
    return [
        str(level)
        for alert in _alert_list(data)
        if (level := (alert.get("rule") or {}).get("security_severity_level"))
    ]


def _count(data: Any) -> int:
    return len(_alert_list(data))


async def _secret_scanning(fetcher: Fetcher, base: str) -> dict[str, Any]:
    pages = await _pages(fetcher, f"{base}/secret-scanning/alerts", _count)
    return {} if pages is None else {"secret_scanning_alerts": sum(pages)}
