"""compute_completeness: organisation listings versus catalog entities, per team."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.errors import ConfigurationError
from scorecards.records.entities import Entity, normalize_entity
from scorecards.records.listings import OrganizationListing, Repository
from scorecards.records.team_mapping import TeamMapping
from scorecards.reports.completeness import compute_completeness
from tests.conftest import NOW


def repo(name: str, org: str = "acme", **fields: Any) -> Repository:
    return Repository(org=org, name=name, url=f"https://github.com/{org}/{name}", **fields)


def org(*repositories: Repository, name: str = "acme") -> OrganizationListing:
    return OrganizationListing(name, NOW, repositories)


def component(name: str, slug: str | None, owner: str = "group:default/payments-team") -> Entity:
    annotations = {"github.com/project-slug": slug} if slug else {}
    return normalize_entity(
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"type": "service", "lifecycle": "production", "owner": owner},
        }
    )


ONLY_GITHUB_TEAMS = TeamMapping(team_from=("github-team",))


def test_a_repository_referenced_by_an_entity_is_catalogued():
    report = compute_completeness([org(repo("a"), repo("b"))], [component("a", "acme/a")])

    assert (report.totals.repositories, report.totals.catalogued) == (2, 1)
    assert [r.name for r in report.uncatalogued] == ["b"]


def test_slugs_match_repository_names_whatever_their_case():
    report = compute_completeness(
        [org(repo("Merchant-Insights"))], [component("m", "ACME/merchant-insights")]
    )

    assert report.totals.catalogued == 1


def test_archived_repositories_and_forks_are_left_out_by_default():
    report = compute_completeness(
        [org(repo("a"), repo("old", archived=True), repo("f", fork=True))], []
    )

    assert report.totals.repositories == 1
    assert (report.excluded_archived, report.excluded_forks) == (1, 1)


def test_archived_repositories_and_forks_count_when_included():
    listing = org(repo("a"), repo("old", archived=True), repo("f", fork=True))

    report = compute_completeness([listing], [], include_archived=True, include_forks=True)

    assert report.totals.repositories == 3


def test_the_percentage_is_catalogued_over_repositories_to_one_decimal():
    listing = org(repo("a"), repo("b"), repo("c"))

    report = compute_completeness([listing], [component("a", "acme/a")])

    assert report.totals.percentage == 33.3


def test_an_organisation_without_repositories_has_no_percentage_rather_than_zero():
    report = compute_completeness([org()], [])

    assert report.totals.percentage is None


def test_an_entity_naming_a_repository_missing_from_its_organisation_is_dangling():
    report = compute_completeness([org(repo("a"))], [component("gone", "acme/gone")])

    assert [(d.entity_ref, d.slug) for d in report.dangling] == [
        ("component:default/gone", "acme/gone")
    ]


def test_an_entity_naming_a_repository_of_an_unlisted_organisation_is_not_dangling():
    report = compute_completeness([org(repo("a"))], [component("x", "elsewhere/x")])

    assert report.dangling == ()


def test_an_archived_repository_that_is_left_out_is_not_dangling():
    report = compute_completeness([org(repo("old", archived=True))], [component("o", "acme/old")])

    assert report.dangling == ()


def test_the_team_with_the_strongest_permission_owns_a_repository():
    teams = (("engineering", "pull"), ("payments-team", "admin"), ("sre", "push"))

    report = compute_completeness([org(repo("a", teams=teams))], [], ONLY_GITHUB_TEAMS)

    assert report.repositories[0].team == "group:default/payments-team"


def test_a_github_team_maps_to_the_group_configured_for_it():
    mapping = TeamMapping(team_from=("github-team",), team_groups={"pay": "group:finance/payments"})

    report = compute_completeness([org(repo("a", teams=(("pay", "admin"),)))], [], mapping)

    assert report.repositories[0].team == "group:finance/payments"


def test_a_mapped_topic_gives_the_team():
    mapping = TeamMapping(team_from=("topic",), topic_teams={"team-payments": "payments"})

    report = compute_completeness([org(repo("a", topics=("pci", "team-payments")))], [], mapping)

    assert report.repositories[0].team == "group:default/payments"


def test_a_topic_prefix_turns_the_rest_of_the_topic_into_a_group():
    mapping = TeamMapping(team_from=("topic",), topic_prefix="team-")

    report = compute_completeness([org(repo("a", topics=("ml", "team-risk")))], [], mapping)

    assert report.repositories[0].team == "group:default/risk"


def test_a_codeowners_team_maps_like_a_github_team_and_a_login_to_a_user():
    mapping = TeamMapping(team_from=("codeowners",))
    listing = org(
        repo("a", codeowners=("@acme/payments-team", "@jdoe")),
        repo("b", codeowners=("dev@example.com", "@jdoe")),
    )

    report = compute_completeness([listing], [], mapping)

    assert [r.team for r in report.repositories] == [
        "group:default/payments-team",
        "user:default/jdoe",
    ]


def test_the_catalog_owner_is_the_team_when_github_gives_none():
    report = compute_completeness([org(repo("a"))], [component("a", "acme/a", owner="ledger-team")])

    assert report.repositories[0].team == "group:default/ledger-team"


def test_the_first_team_source_that_gives_a_team_wins():
    mapping = TeamMapping(team_from=("topic", "github-team"), topic_teams={"t": "group:default/x"})
    listing = org(
        repo("a", topics=("t",), teams=(("y", "admin"),)), repo("b", teams=(("y", "admin"),))
    )

    report = compute_completeness([listing], [], mapping)

    assert [r.team for r in report.repositories] == ["group:default/x", "group:default/y"]


def test_a_repository_with_no_derivable_team_is_counted_under_no_team():
    report = compute_completeness([org(repo("a"))], [], ONLY_GITHUB_TEAMS)

    assert [(t.team, t.counts.repositories) for t in report.teams] == [(None, 1)]


def test_teams_with_the_most_uncatalogued_repositories_come_first():
    listing = org(
        repo("a", teams=(("x", "admin"),)),
        repo("b", teams=(("y", "admin"),)),
        repo("c", teams=(("y", "admin"),)),
    )

    report = compute_completeness([listing], [component("a", "acme/a")], ONLY_GITHUB_TEAMS)

    assert [(t.team, t.counts.uncatalogued) for t in report.teams] == [
        ("group:default/y", 2),
        ("group:default/x", 0),
    ]


def test_a_repository_referenced_by_two_entities_counts_once():
    report = compute_completeness(
        [org(repo("a"))], [component("a", "acme/a"), component("a2", "acme/a")]
    )

    assert report.totals.repositories == report.totals.catalogued == 1
    assert report.repositories[0].entities == ("component:default/a", "component:default/a2")


def test_a_configured_organisation_never_listed_is_reported_as_such():
    report = compute_completeness([org(repo("a"))], [], organizations=["acme", "acme-labs"])

    labs = report.organizations[1]
    assert (labs.org, labs.collected_at) == ("acme-labs", None)
    assert "never collected" in labs.notes[0]


def test_an_unknown_team_source_is_refused_with_the_ones_there_are():
    with pytest.raises(ConfigurationError, match="github-team, codeowners, topic, catalog-owner"):
        TeamMapping(team_from=("slack",))


def test_the_report_round_trips_through_its_stored_listing():
    listing = org(
        repo("a", topics=("x",), teams=(("t", "admin"),), pushed_at="2026-11-01T00:00:00Z")
    )

    assert OrganizationListing.from_values(NOW, listing.to_values()) == listing
