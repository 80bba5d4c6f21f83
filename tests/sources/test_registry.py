"""The registry of source types: every type registered once, each given only its own settings."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import SecretStr

from scorecards.definitions.compiled import Source
from scorecards.definitions.specs import SourceSpec
from scorecards.engine.loading import load_definitions
from scorecards.settings import Settings
from scorecards.sources.collection import collect_source
from scorecards.sources.registry import (
    UnknownSourceTypeError,
    catalog_settings,
    github_settings,
    http_settings,
    listing_settings,
    source_type,
    source_types,
)
from tests.conftest import NOW
from tests.sources.test_github import TOKEN, component


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no scorecards.yaml
    for name in list(os.environ):
        if name.startswith("SCORECARDS_"):
            monkeypatch.delenv(name)


def source(tmp_path: Path, kind: str) -> Source:
    folder = tmp_path / "definitions"
    folder.mkdir(exist_ok=True)
    (folder / "sources.yaml").write_text(f"sources:\n  - id: ci\n    type: {kind}\n")
    return load_definitions(folder, now=NOW).sources["ci"]


def field_names(instance: Any) -> list[str]:
    return [field.name for field in dataclasses.fields(instance)]


def test_every_type_a_definition_can_name_is_registered():
    assert source_types() == sorted(get_args(SourceSpec.model_fields["type"].annotation))


def test_an_unknown_source_type_is_an_error_naming_the_known_ones():
    with pytest.raises(UnknownSourceTypeError) as raised:
        source_type("jira")

    assert str(raised.value) == (
        "source type 'jira' is unknown — a source's type is one of catalog, github, http, push"
    )


def test_collecting_a_source_of_an_unregistered_type_is_that_error(tmp_path):
    known = source(tmp_path, "github")
    unknown = dataclasses.replace(known, spec=known.spec.model_copy(update={"type": "jira"}))

    with pytest.raises(UnknownSourceTypeError, match="'jira' is unknown"):
        collect_source(unknown, [component("payments-api", "acme/payments-api")], Settings(), NOW)


@pytest.mark.parametrize("kind", ["catalog", "push"])
def test_a_type_whose_facts_arrive_by_another_route_is_not_collected(tmp_path, kind):
    report = collect_source(source(tmp_path, kind), [component("a")], Settings(), NOW)

    assert report.note == f"sources of type {kind} are not collected by a run"
    assert (report.facts, report.requests) == ([], 0)


def test_the_github_source_gets_its_token_and_api_url_and_never_shows_the_token():
    settings = Settings(
        github_token=SecretStr(TOKEN),
        github_api_url="https://ghe.example.com/api/v3",
        backstage_token=SecretStr("bs_other_token"),
    )

    github = github_settings(settings)

    assert field_names(github) == ["token", "api_url"]
    assert github.api_url == "https://ghe.example.com/api/v3"
    assert TOKEN not in repr(github)


def test_an_http_source_gets_the_collecting_environment_and_nothing_from_settings():
    settings = Settings(github_token=SecretStr(TOKEN))

    http = http_settings(settings, {"CMDB_KEY": "key"})

    assert field_names(http) == ["environ"]
    assert dict(http.environ) == {"CMDB_KEY": "key"}
    assert "key" not in repr(http)


def test_the_listing_gets_the_configured_organisations_and_team_mapping():
    settings = Settings(
        github_token=SecretStr(TOKEN), github_orgs=" acme, acme-labs ,", github_team_from="topic"
    )

    listing = listing_settings(settings)

    assert listing.github == github_settings(settings)
    assert listing.orgs == ("acme", "acme-labs")
    assert listing.team_mapping.team_from == ("topic",)


def test_the_backstage_url_alone_points_the_catalog_at_backstage():
    catalog = catalog_settings(
        Settings(backstage_url="https://backstage.example.com", backstage_token=SecretStr("bs"))
    )

    assert catalog.location == "https://backstage.example.com"
    assert catalog.backstage_token == SecretStr("bs")


def test_an_explicit_catalog_wins_over_the_backstage_url():
    catalog = catalog_settings(
        Settings(catalog="catalog-info.yaml", backstage_url="https://backstage.example.com")
    )

    assert catalog.location == "catalog-info.yaml"
