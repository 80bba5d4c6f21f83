"""The GitHub source against a GitHub-shaped REST API on 127.0.0.1 (tests/sources/fake_github.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from scorecards.definitions.compiled import Source
from scorecards.engine.loading import load_definitions
from scorecards.records.entities import Entity, normalize_entity
from scorecards.records.fact_schemas import GITHUB_FACT_SCHEMA
from scorecards.settings import Settings
from scorecards.sources.collection import CollectionReport, collect_source
from scorecards.sources.fetch import FetchPolicy
from scorecards.sources.response_cache import FileCache, MemoryCache, ResponseCache
from tests.conftest import NOW
from tests.sources.fake_github import FakeGitHub, secondary_rate_limit, unavailable

TOKEN = "ghp_TestToken0000000000000000000000000001"
QUICK = FetchPolicy(backoff=0.01, max_backoff=0.05)  # Retry-After and resets are still honoured

PAYMENTS_API_FACTS = {
    "archived": False,
    "default_branch": "main",
    "pushed_at": "2026-11-24T16:42:07Z",
    "branch_protection_enabled": True,
    "required_reviews": 2,
    "required_status_checks": 2,
    "admins_enforced": True,
    "has_codeowners": True,
    "has_readme": True,
    "has_license": True,
    "has_security_policy": True,
    "dependency_update_tool": "dependabot",
    "dependabot_alerts_critical": 0,
    "dependabot_alerts_high": 1,
    "dependabot_alerts_medium": 2,
    "dependabot_alerts_low": 1,
    "code_scanning_alerts_critical": 0,
    "code_scanning_alerts_high": 1,
    "code_scanning_alerts_medium": 0,
    "code_scanning_alerts_low": 1,
    "secret_scanning_alerts": 1,
}
# repository, protection, root listing, .github/, docs/, and one page of each alert kind
PAYMENTS_API_REQUESTS = 8


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


def component(name: str, slug: str | None = None) -> Entity:
    annotations = {"github.com/project-slug": slug} if slug else {}
    return normalize_entity(
        {
            "kind": "Component",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"type": "service", "lifecycle": "production", "owner": "payments-team"},
        }
    )


def github_source(folder: Path, **options: Any) -> Source:
    lines = "".join(f"\n    {key}: {value}" for key, value in options.items())
    folder.mkdir(exist_ok=True)
    (folder / "sources.yaml").write_text(
        textwrap.dedent("sources:\n  - id: github\n    type: github") + lines + "\n"
    )
    return load_definitions(folder, now=NOW).sources["github"]


def collect(
    github: FakeGitHub,
    tmp_path: Path,
    entities: list[Entity],
    cache: ResponseCache | None = None,
    token: str = TOKEN,
    **options: Any,
) -> CollectionReport:
    settings = Settings(github_token=SecretStr(token), github_api_url=github.url)
    source = github_source(tmp_path / "definitions", **options)
    return collect_source(source, entities, settings, NOW, cache=cache, policy=QUICK)


def facts_of(report: CollectionReport) -> dict[str, dict[str, Any]]:
    return {fact.entity_ref: dict(fact.values) for fact in report.facts}


def test_a_fully_configured_repository_gives_every_fact(github, tmp_path):
    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")])

    assert facts_of(report) == {"component:default/payments-api": PAYMENTS_API_FACTS}
    assert (report.fetched, report.failed, report.errors) == (1, 0, [])
    assert report.requests == PAYMENTS_API_REQUESTS == len(github.requests)


def test_facts_are_stamped_with_the_collection_time(github, tmp_path):
    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")])

    assert [(fact.source, fact.timestamp) for fact in report.facts] == [("github", NOW)]


def test_features_that_are_off_leave_their_facts_absent(github, tmp_path):
    report = collect(github, tmp_path, [component("legacy-batch", "acme/legacy-batch")])

    # Dependabot alerts disabled (403), no code scanning analysis and secret scanning
    # disabled (404): no alert keys at all. An unprotected branch is false, not absent.
    assert facts_of(report)["component:default/legacy-batch"] == {
        "archived": True,
        "default_branch": "master",
        "pushed_at": "2024-05-17T22:03:40Z",
        "branch_protection_enabled": False,
        "required_reviews": 0,
        "required_status_checks": 0,
        "admins_enforced": False,
        "has_codeowners": False,
        "has_readme": True,
        "has_license": False,
        "has_security_policy": False,
        "dependency_update_tool": "renovate",
    }
    # no .github/ or docs/ folder in the root listing, so neither is asked for
    assert report.requests == 6


def test_what_the_token_cannot_see_is_absent_not_false(github, tmp_path):
    report = collect(github, tmp_path, [component("status-page", "acme/status-page")])

    # Branch protection answers 404 "Not Found" without admin rights; the alert APIs
    # answer 403 "Resource not accessible by personal access token".
    assert facts_of(report)["component:default/status-page"] == {
        "archived": False,
        "default_branch": "main",
        "pushed_at": "2026-11-20T07:55:18Z",
        "has_codeowners": False,
        "has_readme": True,
        "has_license": True,
        "has_security_policy": True,
        "dependency_update_tool": "renovate",
    }


def test_a_second_collection_with_cached_etags_costs_only_304s(github, tmp_path):
    cache = MemoryCache()
    entities = [component("payments-api", "acme/payments-api")]
    first = collect(github, tmp_path, entities, cache)

    second = collect(github, tmp_path, entities, cache)

    assert facts_of(second) == facts_of(first)
    assert second.requests == second.not_modified == PAYMENTS_API_REQUESTS
    assert [r.status for r in github.requests[PAYMENTS_API_REQUESTS:]] == [304] * 8
    assert all("if-none-match" in r.headers for r in github.requests[PAYMENTS_API_REQUESTS:])


def test_only_answers_without_an_etag_are_asked_again_in_full(github, tmp_path):
    cache = MemoryCache()
    entities = [component("legacy-batch", "acme/legacy-batch")]
    collect(github, tmp_path, entities, cache)
    github.requests.clear()

    second = collect(github, tmp_path, entities, cache)

    # the repository and the root listing are unchanged; GitHub's 403/404 answers carry no ETag
    assert second.not_modified == 2
    assert sorted(r.status for r in github.requests) == [304, 304, 403, 404, 404, 404]


def test_etags_are_kept_between_runs_in_the_cache_file(github, tmp_path):
    entities = [component("payments-api", "acme/payments-api")]
    first_cache = FileCache(tmp_path / "http-cache.json")
    collect(github, tmp_path, entities, first_cache)
    first_cache.save(NOW)

    second = collect(github, tmp_path, entities, FileCache(tmp_path / "http-cache.json"))

    assert second.not_modified == PAYMENTS_API_REQUESTS
    assert facts_of(second)["component:default/payments-api"] == PAYMENTS_API_FACTS


def test_alert_pages_are_followed_through_link_headers(github, tmp_path):
    github.page_size = 2  # 4 Dependabot alerts by cursor, 3 code scanning alerts by page

    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")])

    assert facts_of(report)["component:default/payments-api"] == PAYMENTS_API_FACTS
    assert len(github.seen("/dependabot/alerts")) == 2
    assert "after=" in github.seen("/dependabot/alerts")[1].path
    assert len(github.seen("/code-scanning/alerts")) == 2
    assert "page=2" in github.seen("/code-scanning/alerts")[1].path
    assert report.requests == PAYMENTS_API_REQUESTS + 2


def test_a_secondary_rate_limit_is_retried_after_the_wait_github_asks_for(github, tmp_path):
    github.script("/repos/acme/payments-api/dependabot/alerts", secondary_rate_limit(1))

    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")])

    assert facts_of(report)["component:default/payments-api"] == PAYMENTS_API_FACTS
    assert [r.status for r in github.seen("/dependabot/alerts")] == [403, 200]
    assert (report.requests, report.retries) == (PAYMENTS_API_REQUESTS + 1, 1)


def test_a_used_up_quota_pauses_requests_until_its_reset(github, tmp_path):
    github.limit_quota(remaining=3, reset_in=1)

    report = collect(
        github, tmp_path, [component("payments-api", "acme/payments-api")], concurrency=1
    )

    assert facts_of(report)["component:default/payments-api"] == PAYMENTS_API_FACTS
    assert github.refused_for_quota == 0  # it waited instead of asking and being refused
    assert report.requests == PAYMENTS_API_REQUESTS


def test_a_quota_reset_too_far_away_fails_the_entities_without_more_requests(github, tmp_path):
    github.limit_quota(remaining=0, reset_in=3600)
    entities = [component("payments-api", "acme/payments-api"), component("ledger", "acme/ledger")]

    report = collect(github, tmp_path, entities, concurrency=1)

    assert (report.fetched, report.failed, report.requests) == (0, 2, 1)
    assert all("rate limit" in error.error for error in report.errors)
    assert report.facts == []


def test_server_errors_are_retried_a_bounded_number_of_times(github, tmp_path):
    github.script("/repos/acme/payments-api", *[unavailable()] * 10)

    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")], retries=2)

    assert (report.requests, report.retries, report.facts) == (3, 2, [])
    assert report.errors[0].error.endswith("gave up after 3 attempts")
    assert "503 Service Unavailable" in report.errors[0].error


def test_a_failure_in_one_part_fails_the_entity_rather_than_dropping_facts(github, tmp_path):
    github.script("/repos/acme/payments-api/code-scanning/alerts", *[unavailable()] * 10)

    report = collect(github, tmp_path, [component("payments-api", "acme/payments-api")], retries=1)

    assert report.facts == []
    assert "code-scanning/alerts" in report.errors[0].error


def test_a_missing_repository_fails_only_its_own_entity(github, tmp_path):
    entities = [component("ghost", "acme/ghost"), component("payments-api", "acme/payments-api")]

    report = collect(github, tmp_path, entities)

    assert (report.fetched, report.failed) == (1, 1)
    assert set(facts_of(report)) == {"component:default/payments-api"}
    error = report.errors[0]
    assert (error.entity_ref, error.source) == ("component:default/ghost", "github")
    assert "404 Not Found" in error.error
    assert "github.com/project-slug" in error.error


def test_a_rejected_token_stops_the_source_asking_github(github, tmp_path):
    entities = [component(name, f"acme/{name}") for name in ("payments-api", "legacy-batch")]

    report = collect(github, tmp_path, entities, token="ghp_revoked", concurrency=1)

    assert (report.failed, report.requests) == (2, 1)
    assert all("token was rejected" in error.error for error in report.errors)


def test_requests_in_flight_never_exceed_the_source_concurrency(github, tmp_path):
    github.delay = 0.05
    names = ("payments-api", "legacy-batch", "status-page")

    report = collect(github, tmp_path, [component(n, f"acme/{n}") for n in names], concurrency=2)

    assert report.fetched == 3
    assert github.max_in_flight == 2


def test_entities_without_a_project_slug_are_skipped_without_requests(github, tmp_path):
    report = collect(github, tmp_path, [component("no-repo"), component("other")])

    assert (report.skipped, report.fetched, report.requests) == (2, 0, 0)


def test_the_source_applies_filter_skips_entities(github, tmp_path):
    entities = [component("payments-api", "acme/payments-api"), component("legacy", "acme/legacy")]

    report = collect(github, tmp_path, entities, applies="'entity.metadata.name != \"legacy\"'")

    assert (report.fetched, report.skipped) == (1, 1)


def test_a_malformed_slug_fails_its_entity_with_an_example(github, tmp_path):
    report = collect(github, tmp_path, [component("odd", "https://github.com/acme/odd")])

    assert report.requests == 0
    assert "not owner/repo" in report.errors[0].error
    assert "acme/payments-api" in report.errors[0].error


def test_requests_name_the_api_version_and_carry_the_token_only_in_a_header(github, tmp_path):
    collect(github, tmp_path, [component("payments-api", "acme/payments-api")])

    assert {r.headers["x-github-api-version"] for r in github.requests} == {"2022-11-28"}
    assert {r.headers["accept"] for r in github.requests} == {"application/vnd.github+json"}
    assert not any(TOKEN in r.path for r in github.requests)


def test_without_a_token_the_source_is_skipped_with_a_note(github, tmp_path):
    source = github_source(tmp_path / "definitions")
    settings = Settings(github_token=None, github_api_url=github.url)

    report = collect_source(source, [component("payments-api", "acme/payments-api")], settings, NOW)

    assert report.note is not None and "SCORECARDS_GITHUB_TOKEN is not set" in report.note
    assert (report.requests, report.error, github.requests) == (0, None, [])


def test_every_fact_the_source_collects_has_a_schema(github, tmp_path):
    names = ("payments-api", "legacy-batch", "status-page")

    report = collect(github, tmp_path, [component(n, f"acme/{n}") for n in names])

    collected = {name for fact in report.facts for name in fact.values}
    assert collected == set(GITHUB_FACT_SCHEMA)
    assert all(schema.description for schema in GITHUB_FACT_SCHEMA.values())
