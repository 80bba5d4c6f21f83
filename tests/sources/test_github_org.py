"""Listing GitHub organisations' repositories (for catalog completeness) against the
GitHub-shaped server on 127.0.0.1 (tests/sources/fake_github.py), with the recorded
`acme` organisation of tests/data/github/orgs/acme/: 34 repositories (two archived,
one fork), 9 teams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from scorecards.records.listings import (
    SOURCE_ID,
    OrganizationListing,
    listing_from_fact,
    organization_ref,
)
from scorecards.settings import Settings
from scorecards.sources.collection import CollectionReport, collect_organizations
from scorecards.sources.fetch import FetchPolicy
from scorecards.sources.github.organisations import default_owners
from scorecards.sources.response_cache import MemoryCache, ResponseCache
from tests.conftest import NOW
from tests.sources.fake_github import Answer, FakeGitHub

TOKEN = "ghp_OrgListingToken00000000000000000000003"
QUICK = FetchPolicy(backoff=0.01, max_backoff=0.05)
ACME_REPOSITORIES = 34


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        server.page_size = 10  # 34 repositories: four pages
        yield server


def collect(
    github: FakeGitHub,
    cache: ResponseCache | None = None,
    token: str | None = TOKEN,
    **settings: Any,
) -> CollectionReport:
    configured = Settings(
        github_token=SecretStr(token) if token else None,
        github_api_url=github.url,
        github_orgs=settings.pop("github_orgs", "acme"),
        **settings,
    )
    return collect_organizations(configured, NOW, cache=cache, policy=QUICK)


def listing(report: CollectionReport) -> OrganizationListing:
    [fact] = report.facts
    return listing_from_fact(fact.timestamp, fact.values)


def repository(found: OrganizationListing, name: str) -> Any:
    return next(r for r in found.repositories if r.name == name)


def test_every_page_of_the_organisation_is_listed(github):
    found = listing(collect(github))

    assert len(found.repositories) == ACME_REPOSITORIES
    assert len(github.seen("/orgs/acme/repos")) == 4


def test_the_listing_asks_for_every_repository_type_a_hundred_at_a_time(github):
    collect(github)

    first = github.seen("/orgs/acme/repos")[0]
    assert first.path == "/orgs/acme/repos?per_page=100&type=all"


def test_the_listing_is_one_fact_per_organisation_stamped_with_the_collection_time(github):
    report = collect(github)

    assert [(f.entity_ref, f.source, f.timestamp) for f in report.facts] == [
        ("organization:github/acme", SOURCE_ID, NOW)
    ]
    assert (report.fetched, report.failed) == (1, 0)


def test_archived_repositories_forks_topics_and_last_push_are_kept(github):
    found = listing(collect(github))

    assert repository(found, "legacy-batch").archived
    assert repository(found, "envoy").fork
    assert repository(found, "ml-feature-store").topics == ("team-risk", "ml")
    assert repository(found, "payments-api").pushed_at == "2026-11-24T16:42:07Z"
    assert repository(found, "payments-api").url == "https://github.com/acme/payments-api"


def test_teams_are_recorded_with_their_permission_on_each_repository(github):
    found = listing(collect(github))

    assert repository(found, "kyc-verifier").teams == (
        ("identity-team", "admin"),
        ("risk-team", "pull"),
    )
    assert repository(found, "identity-admin-ui").teams == (
        ("engineering", "pull"),
        ("identity-team", "push"),
    )
    assert repository(found, "hackathon-2025").teams == ()


def test_teams_are_not_asked_for_when_the_team_mapping_does_not_use_them(github):
    collect(github, github_team_from="topic,catalog-owner")

    assert github.seen("/teams") == []


def test_teams_hidden_from_the_token_leave_a_note_not_a_failure(github):
    github.script(
        "/orgs/acme/teams",
        Answer(403, {"message": "Resource not accessible by personal access token"}),
    )
    report = collect(github)

    found = listing(report)
    assert report.failed == 0
    assert len(found.repositories) == ACME_REPOSITORIES
    assert "read:org" in found.notes[0]


def test_codeowners_default_owners_are_read_when_the_mapping_uses_them(github):
    found = listing(collect(github, github_team_from="codeowners"))

    assert repository(found, "hackathon-2025").codeowners == ("@acme/payments-team", "@jdoe")
    assert repository(found, "terraform-modules").codeowners == ("@acme/sre",)
    assert repository(found, "payments-api").codeowners == ()


def test_codeowners_are_not_read_for_archived_repositories_or_forks(github):
    collect(github, github_team_from="codeowners")

    assert github.seen("/repos/acme/envoy/") == []
    assert github.seen("/repos/acme/legacy-batch/") == []


def test_the_last_catch_all_rule_of_a_codeowners_file_gives_the_default_owners():
    text = "# owners\n* @acme/a\n/docs/ @acme/docs\n*   @acme/b @c  # later rules win\n"

    assert default_owners(text) == ["@acme/b", "@c"]


def test_a_second_collection_with_cached_etags_costs_only_304s(github):
    cache = MemoryCache()
    first = collect(github, cache=cache)
    second = collect(github, cache=cache)

    assert second.not_modified == second.requests == first.requests
    assert listing(second).repositories == listing(first).repositories


def test_an_unknown_organisation_fails_with_what_to_check(github):
    report = collect(github, github_orgs="acme,no-such-org")

    assert [f.entity_ref for f in report.facts] == [organization_ref("acme")]
    [error] = report.errors
    assert error.entity_ref == "organization:github/no-such-org"
    assert "SCORECARDS_GITHUB_ORGS" in error.error


def test_without_a_token_the_listing_is_skipped_with_a_note(github):
    report = collect(github, token=None)

    assert report.facts == []
    assert report.note is not None and "SCORECARDS_GITHUB_TOKEN" in report.note
    assert github.requests == []


def test_an_unknown_team_source_is_a_configuration_error_naming_the_setting(github):
    report = collect(github, github_team_from="github-team,slack-channel")

    assert report.error is not None and "SCORECARDS_GITHUB_TEAM_FROM" in report.error
    assert github.requests == []


def test_the_token_travels_only_in_the_authorization_header(github):
    collect(github)

    assert all(TOKEN not in r.path for r in github.requests)
    assert {r.headers["authorization"] for r in github.requests} == {f"Bearer {TOKEN}"}
