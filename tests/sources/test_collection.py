"""The collection framework: failures stay per entity, old facts stay, outcomes land on the run."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.facts import Fact
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status
from scorecards.records.runs import MAX_RUN_ERRORS, Run, RunState
from scorecards.runs.orchestrator import run_in_process
from scorecards.settings import Settings
from scorecards.sources.collection import (
    CollectionReport,
    EntityError,
    collect_all,
    record_collection,
)
from scorecards.sources.fetch import FetchPolicy
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import NOW
from tests.sources.fake_github import FakeGitHub, unavailable
from tests.sources.test_github import PAYMENTS_API_FACTS, TOKEN, component

QUICK = FetchPolicy(backoff=0.01, max_backoff=0.05)
PAYMENTS = "component:default/payments-api"

DEFINITIONS = """\
checks:
  - id: branch-protected
    name: Default branch is protected
    applies: '"github.com/project-slug" in entity.metadata.annotations'
    requires: [github]
    maxAge: 7d
    rule: '"branch_protection_enabled" in facts.github && facts.github.branch_protection_enabled'
sources:
  - id: github
    type: github
    retries: 1
    maxAge: 7d
  - id: ci
    type: push
"""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(TOKEN) as server:
        yield server


@pytest.fixture
def definitions(tmp_path: Path) -> Definitions:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "github.yaml").write_text(textwrap.dedent(DEFINITIONS))
    return load_definitions(folder, now=NOW)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "scores.db")
    yield opened
    opened.close()


def settings_for(github: FakeGitHub) -> Settings:
    return Settings(github_token=SecretStr(TOKEN), github_api_url=github.url)


def test_collect_all_runs_the_sources_a_run_collects(github, definitions):
    reports = collect_all(
        definitions, [component("payments-api", "acme/payments-api")], settings_for(github), NOW
    )

    assert [report.source for report in reports] == ["github"]  # `push` facts arrive by POST
    assert [fact.entity_ref for fact in reports[0].facts] == [PAYMENTS]


def test_a_failed_fetch_keeps_the_previous_facts_and_their_timestamp(github, definitions, store):
    earlier = NOW - timedelta(days=10)
    store.write_facts([Fact(PAYMENTS, "github", earlier, PAYMENTS_API_FACTS)])
    github.script("/repos/acme/payments-api", *[unavailable()] * 5)
    entities = [component("payments-api", "acme/payments-api")]

    [report] = collect_all(definitions, entities, settings_for(github), NOW, policy=QUICK)
    run_in_process(store, definitions, entities, report.facts, NOW)

    latest = store.latest_facts([PAYMENTS], ["github"])[PAYMENTS]["github"]
    assert (latest.timestamp, dict(latest.values)) == (earlier, PAYMENTS_API_FACTS)
    # ten days old with maxAge 7d: unknown, neither a pass from old data nor a false fail
    result = store.latest_evaluations([PAYMENTS])[PAYMENTS].checks[0]
    assert result.status == Status.UNKNOWN


def test_a_collected_fact_replaces_the_previous_one(github, definitions, store):
    store.write_facts([Fact(PAYMENTS, "github", NOW - timedelta(days=10), {"archived": True})])
    entities = [component("payments-api", "acme/payments-api")]

    [report] = collect_all(definitions, entities, settings_for(github), NOW)
    run_in_process(store, definitions, entities, report.facts, NOW)

    latest = store.latest_facts([PAYMENTS], ["github"])[PAYMENTS]["github"]
    assert (latest.timestamp, latest.values["archived"]) == (NOW, False)
    assert store.latest_evaluations([PAYMENTS])[PAYMENTS].checks[0].status == Status.PASS


def test_each_source_outcome_is_recorded_on_the_run(github, definitions, store):
    entities = [
        component("payments-api", "acme/payments-api"),
        component("ghost", "acme/ghost"),
        component("no-repo"),
    ]
    reports = collect_all(definitions, entities, settings_for(github), NOW)
    run = run_in_process(store, definitions, entities, reports[0].facts, NOW)

    recorded = record_collection(store, run.id, reports)

    stored = store.get_run(run.id)
    assert stored == recorded
    assert stored is not None and stored.sources == {
        "github": {
            "fetched": 1,
            "failed": 1,
            "skipped": 1,
            "requests": 9,
            "not_modified": 0,
            "retries": 0,
        }
    }
    assert len(stored.errors) == 1
    assert stored.errors[0].startswith("source github: component:default/ghost: GET ")


def test_a_source_that_could_not_run_is_recorded_with_its_reason(definitions, store):
    entities = [component("payments-api", "acme/payments-api")]
    reports = collect_all(definitions, entities, Settings(github_token=None), NOW)
    run = run_in_process(store, definitions, entities, [], NOW)

    recorded = record_collection(store, run.id, reports)

    assert "SCORECARDS_GITHUB_TOKEN is not set" in recorded.sources["github"]["note"]
    assert recorded.errors == []  # skipped for want of a token is a note, not an error


def test_the_errors_a_run_keeps_stay_bounded(definitions, store):
    run = run_in_process(store, definitions, [], [], NOW)
    report = CollectionReport("github", failed=150)
    report.errors = [EntityError(f"component:default/c{i}", "github", "boom") for i in range(150)]

    recorded = record_collection(store, run.id, [report])

    assert len(recorded.errors) == MAX_RUN_ERRORS
    assert recorded.errors[-1] == "... and 51 more source errors"


def test_runs_recorded_before_sources_existed_still_load():
    run = Run("r1", RunState.SUCCEEDED, NOW, NOW, "v1")
    old = {key: value for key, value in run.to_dict().items() if key != "sources"}

    assert Run.from_dict(old).sources == {}


def test_an_applies_expression_that_raises_fails_only_that_entity(github, tmp_path):
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "sources.yaml").write_text(
        textwrap.dedent(
            """\
            sources:
              - id: github
                type: github
                applies: entity.spec.tier == "1"
            """
        )
    )
    definitions = load_definitions(folder, now=NOW)
    tiered = component("payments-api", "acme/payments-api")
    tiered["spec"]["tier"] = "1"
    untiered = component("legacy-batch", "acme/legacy-batch")

    [report] = collect_all(definitions, [tiered, untiered], settings_for(github), NOW)

    assert [fact.entity_ref for fact in report.facts] == [entity_ref(tiered)]
    assert report.errors[0].entity_ref == entity_ref(untiered)
    assert report.errors[0].error.startswith("applies raised")
