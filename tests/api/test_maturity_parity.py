"""The stock Tech Insights maturity plugin's rank, computed from what we serve, says
what our levels say, for every bundled example entity (README: "The maturity rank").

The rank is computed by a port of the plugin's own algorithm (tests/api/maturity_rank.py)
from the results of the request its client makes for an entity's rank; the levels come
from the native API's entity listing, checked against `scorecards score --format json`
for the entities the README names.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.engine.loading import load_definitions
from scorecards.records.refs import entity_ref
from scorecards.sources.catalog.files import load_catalog_files
from tests.api.conftest import CATALOG, DEFINITIONS, ApiServer
from tests.api.maturity_rank import RANK_NAMES, maturity_rank
from tests.conftest import REPO_ROOT

ENTITIES = sorted(entity_ref(e) for e in load_catalog_files(CATALOG))
LEVELS = {
    s.id: [level.name for level in s.levels]
    for s in load_definitions(DEFINITIONS).scorecards.values()
}
# Listed in the README, with why: at their top level in every scorecard, with a failing
# check that no level names (a minScore holds without it), which the plugin cannot tell
# from a failing Gold check.
EXCEPTIONS = {"component:default/identity-service", "component:default/payments-sdk-js"}
# The plugin ranks these over their Components (System, Domain, Group) or their own
# checks (Resource, User); no scorecard of ours applies to them.
UNSCORED_KINDS = {"group", "user", "system", "domain", "resource"}


def expected_rank(scorecards: list[dict[str, Any]]) -> int:
    """The lowest of the entity's levels as a rank: no level is Stone, the n-th level is
    rank n (at most Gold), and a scorecard at its top level holds nothing down."""
    ranks = []
    for card in scorecards:
        names = LEVELS[card["scorecard"]]
        if card["level"] is None:
            ranks.append(0)
        elif card["level"] == names[-1]:
            ranks.append(len(RANK_NAMES) - 1)
        else:
            ranks.append(min(names.index(card["level"]) + 1, len(RANK_NAMES) - 1))
    return min(ranks)


@pytest.fixture(scope="module")
def stock_ranks(api: ApiServer) -> dict[str, int]:
    """What the plugin's `getMaturityRank` computes for each entity's own results: its
    client POSTs `{}` (every check) to checks/run for the entity."""
    ranks = {}
    with api.client() as client:
        for ref in ENTITIES:
            kind, rest = ref.split(":", 1)
            namespace, name = rest.split("/", 1)
            response = client.post(
                f"/api/tech-insights/checks/run/{namespace}/{kind}/{name}", json={}
            )
            assert response.status_code == 200, response.text
            ranks[ref] = maturity_rank(response.json())[0]
    return ranks


@pytest.fixture(scope="module")
def engine_scorecards(api: ApiServer) -> dict[str, list[dict[str, Any]]]:
    """Every entity's scorecards and levels, as the native API lists them (one request;
    `scorecards score` per entity would load the definitions 81 times)."""
    with api.client() as client:
        response = client.get("/api/v1/entities", params={"limit": 500})
    assert response.status_code == 200, response.text
    listing = {item["ref"]: item["scorecards"] for item in response.json()["items"]}
    assert set(listing) == set(ENTITIES)
    return {
        ref: [{"scorecard": c["id"], "level": c["level"]} for c in cards]
        for ref, cards in listing.items()
    }


def score_json(api: ApiServer, ref: str) -> list[dict[str, Any]]:
    outcome = CliRunner().invoke(
        app,
        [
            "score",
            ref,
            "--format",
            "json",
            "--store",
            api.store_url,
            "--definitions",
            str(DEFINITIONS),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    cards = json.loads(outcome.output)["scorecards"]
    return [{"scorecard": c["scorecard"], "level": c["level"]} for c in cards]


@pytest.mark.parametrize("ref", [*sorted(EXCEPTIONS), "component:default/kyc-verifier"])
def test_scorecards_score_gives_the_levels_compared_here(api, engine_scorecards, ref):
    assert score_json(api, ref) == engine_scorecards[ref]


def test_the_stock_rank_is_the_lowest_level_of_every_scored_bundled_entity(
    stock_ranks, engine_scorecards
):
    differ = {
        ref: (RANK_NAMES[stock_ranks[ref]], RANK_NAMES[expected_rank(cards)])
        for ref, cards in engine_scorecards.items()
        if cards and ref not in EXCEPTIONS and stock_ranks[ref] != expected_rank(cards)
    }
    assert differ == {}, "(stock rank, our level) differ"
    assert sum(1 for cards in engine_scorecards.values() if cards) > 20


def test_each_documented_exception_still_differs_and_the_readme_names_it(
    stock_ranks, engine_scorecards
):
    readme = (REPO_ROOT / "README.md").read_text()
    for ref in sorted(EXCEPTIONS):
        cards = engine_scorecards[ref]
        assert {c["level"] for c in cards} == {LEVELS[c["scorecard"]][-1] for c in cards}, ref
        assert (stock_ranks[ref], expected_rank(cards)) == (2, 3), ref
        assert f"`{ref}`" in readme, f"README does not list {ref}"


def test_every_entity_without_a_scorecard_is_of_a_kind_the_readme_says_the_plugin_ranks_otherwise(
    engine_scorecards,
):
    unscored = {ref.split(":")[0] for ref, cards in engine_scorecards.items() if not cards}
    assert unscored <= UNSCORED_KINDS


def test_a_failing_check_only_weighed_no_longer_drops_a_silver_entity_to_bronze(
    stock_ranks, engine_scorecards
):
    # The case the issue found: kyc-verifier is Silver with failing checks no level names.
    cards = engine_scorecards["component:default/kyc-verifier"]
    assert {c["scorecard"]: c["level"] for c in cards}["service-maturity"] == "Silver"
    assert RANK_NAMES[stock_ranks["component:default/kyc-verifier"]] == "Silver"


def test_the_port_drops_the_rank_below_the_lowest_failing_check_in_any_order():
    def result(rank: int, passed: bool) -> dict[str, Any]:
        return {"result": passed, "check": {"metadata": {"rank": rank}}}

    assert maturity_rank([result(3, False), result(1, False), result(2, True)]) == (0, False)
    assert maturity_rank([result(1, False), result(3, False)]) == (0, False)
    assert maturity_rank([result(1, True), result(3, False)]) == (2, False)
    assert maturity_rank([result(2, True), result(1, True)]) == (2, True)
    assert maturity_rank([]) == (0, True)
