"""No header a source sets survives a redirect to another origin; redirects stay bounded.

Two servers on 127.0.0.1 on different ports are two origins. httpx itself drops
only `Authorization` on such a redirect; an `X-Api-Key` would follow it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest
from pydantic import SecretStr

from scorecards.definitions.hosts import HostPattern, parse_host_pattern
from scorecards.settings import Settings
from scorecards.sources.catalog.backstage import BackstageCatalog, BackstageError
from scorecards.sources.collection import collect_source
from scorecards.sources.fetch import MAX_REDIRECTS, Fetcher, FetchError, FetchPolicy, Reply
from scorecards.sources.redaction import Redactor
from tests.conftest import NOW
from tests.sources.backstage_server import CatalogServer, Fault, recorded_entities
from tests.sources.fake_github import Answer, FakeGitHub
from tests.sources.test_github import TOKEN as GITHUB_TOKEN
from tests.sources.test_github import component, github_source

API_KEY = "key_SECRET7c1e9a4b2d"
HEADERS = {"X-Api-Key": API_KEY, "Authorization": "Bearer tok_SECRET5f0a", "X-Team": "payments"}


def fetch(
    url: str,
    headers: Mapping[str, str] = HEADERS,
    hosts: Sequence[HostPattern] | None = None,
) -> Reply:
    async def get() -> Reply:
        async with Fetcher.open(
            base_url=None,
            headers=headers,
            concurrency=1,
            policy=FetchPolicy(retries=0),
            redactor=Redactor(headers.values()),
        ) as fetcher:
            return await fetcher.get(url, hosts=hosts)

    return asyncio.run(get())


def test_a_redirect_to_another_origin_arrives_without_any_header_the_source_sets(first, second):
    first.redirect("/start", f"{second.url}/data")

    reply = fetch(f"{first.url}/start")

    assert reply.data == {"path": "/data", "tier": "gold"}
    arrived = second.requests[0].headers
    assert {"x-api-key", "authorization", "x-team"} & set(arrived) == set()


def test_a_redirect_within_the_origin_keeps_the_headers(first):
    first.redirect("/start", "/data")

    fetch(f"{first.url}/start")

    assert first.requests[1].path == "/data"
    assert first.requests[1].headers["x-api-key"] == API_KEY


def test_headers_dropped_on_leaving_the_origin_stay_dropped_on_coming_back(first, second):
    first.redirect("/start", f"{second.url}/bounce")
    second.redirect("/bounce", f"{first.url}/data")

    fetch(f"{first.url}/start")

    assert [r.path for r in first.requests] == ["/start", "/data"]
    assert "x-api-key" not in first.requests[1].headers


def test_a_redirect_loop_stops_after_the_bounded_number_of_redirects(first):
    first.redirect("/loop", "/loop")

    with pytest.raises(FetchError, match=f"more than {MAX_REDIRECTS} redirects"):
        fetch(f"{first.url}/loop")

    assert len(first.requests) == MAX_REDIRECTS + 1


def test_a_redirect_off_the_allowed_hosts_is_not_followed(first, second):
    first.redirect("/start", f"{second.url}/data")
    hosts = [parse_host_pattern(f"127.0.0.1:{first.port}")]

    with pytest.raises(FetchError, match="not among the source's hosts"):
        fetch(f"{first.url}/start", hosts=hosts)

    assert second.requests == []


def test_a_redirect_whose_url_would_carry_a_secret_is_not_followed(first, second):
    first.redirect("/start", f"{second.url}/data?key={API_KEY}")

    with pytest.raises(FetchError) as raised:
        fetch(f"{first.url}/start")

    assert "would carry a secret" in str(raised.value)
    assert API_KEY not in str(raised.value)
    assert second.requests == []


def test_the_github_token_does_not_follow_a_redirect_to_another_origin(second, tmp_path):
    with FakeGitHub(GITHUB_TOKEN) as github:
        github.script("/repos/acme/moved", Answer(301, None, {"location": f"{second.url}/r"}))
        source = github_source(tmp_path / "definitions")
        settings = Settings(github_token=SecretStr(GITHUB_TOKEN), github_api_url=github.url)

        collect_source(source, [component("moved", "acme/moved")], settings, NOW)

    assert [r.path for r in second.requests] == ["/r"]
    assert "authorization" not in second.requests[0].headers


def test_the_backstage_client_follows_no_redirect_and_says_so(second):
    location = f"{second.url}/api/catalog/entities/by-query"
    faults = {1: Fault(302, {"Location": location})}
    with (
        CatalogServer(recorded_entities(), "catalog-test-token", faults=faults) as catalog,
        BackstageCatalog(catalog.url, SecretStr("catalog-test-token")) as client,
        pytest.raises(BackstageError, match=r"redirected to .* not followed"),
    ):
        client.read_entities()

    assert second.requests == []
