"""The Backstage source against a REAL Backstage catalog backend serving the examples.

Starts @backstage/plugin-catalog-backend (installed by tests/backstage/install.sh)
on 127.0.0.1 with an in-memory SQLite database and a static external-access
token, and reads the bundled example catalog back through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.records.catalog_facts import catalog_fact_values
from scorecards.records.refs import entity_ref
from scorecards.records.results import Status
from scorecards.sources.catalog.backstage import BackstageAuthError, BackstageCatalog
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.stores import open_store
from tests.backstage.backend import BackstageBackend, install, missing_tools
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.backstage

TOKEN = "scorecards-backstage-test-token"
EXAMPLES = REPO_ROOT / "examples" / "catalog"
EXAMPLE_ENTITIES = load_catalog_files(EXAMPLES)
EXAMPLE_REFS = {entity_ref(e) for e in EXAMPLE_ENTITIES}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackstageBackend]:
    missing = missing_tools()
    if missing:
        pytest.skip(
            f"{' and '.join(missing)} not found: the real Backstage catalog backend needs "
            "Node.js (20 or later) and npm"
        )
    modules = install()
    files = sorted(EXAMPLES.glob("*.yaml"))
    running = BackstageBackend(
        modules, tmp_path_factory.mktemp("backstage"), files, free_port(), TOKEN
    )
    running.start()
    try:
        running.wait_for_entities(EXAMPLE_REFS)
        yield running
    finally:
        running.stop()


def test_every_example_entity_is_read_through_the_real_catalog(backend):
    with BackstageCatalog(backend.url, TOKEN, page_size=20) as catalog:
        entities, report = catalog.read_entities()

    refs = {entity_ref(e) for e in entities}
    assert refs - EXAMPLE_REFS == {r for r in refs if r.startswith("location:")}
    assert refs >= EXAMPLE_REFS, f"rejected by the catalog: {sorted(EXAMPLE_REFS - refs)}"
    pages = -(-len(refs) // 20)
    assert (report.pages, report.requests, report.retries) == (pages, pages, 0)
    assert report.duplicates == 0


def test_the_real_catalog_pages_a_filtered_trimmed_query_with_our_cursors(backend):
    with BackstageCatalog(backend.url, TOKEN, page_size=10) as catalog:
        entities, report = catalog.read_entities(["kind=component"], ["spec.owner"])

    components = {r for r in EXAMPLE_REFS if r.startswith("component:")}
    assert {entity_ref(e) for e in entities} == components
    assert report.pages == -(-len(components) // 10)
    legacy = next(e for e in entities if e["metadata"]["name"] == "legacy-batch")
    assert legacy["spec"] == {"owner": "group:default/old-payments-team"}


def test_the_real_catalog_refuses_a_wrong_token_and_we_say_what_to_fix(backend):
    wrong = "wrong-token-5e8d1c0a"
    with (
        BackstageCatalog(backend.url, wrong) as catalog,
        pytest.raises(BackstageAuthError) as raised,
    ):
        catalog.read_entities()

    assert "HTTP 401: AuthenticationError: Illegal token" in str(raised.value)
    assert "SCORECARDS_BACKSTAGE_TOKEN was rejected" in str(raised.value)
    assert wrong not in str(raised.value)


def test_catalog_facts_from_the_real_catalog_equal_those_from_the_files(backend):
    with BackstageCatalog(backend.url, TOKEN) as catalog:
        served, _ = catalog.read_entities()

    from_api = catalog_fact_values(served)
    from_files = catalog_fact_values(EXAMPLE_ENTITIES)
    assert {ref: from_api[ref] for ref in EXAMPLE_REFS} == from_files


def test_scorecards_run_scores_the_real_catalog(backend, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCORECARDS_CONFIG", raising=False)
    monkeypatch.setenv("SCORECARDS_BACKSTAGE_TOKEN", TOKEN)
    store_url = f"sqlite:///{tmp_path / 'scores.db'}"

    result = CliRunner().invoke(app, ["run", "--catalog", backend.url, "--store", store_url])

    assert result.exit_code == 0, result.output
    store = open_store(store_url)
    assert set(store.list_entity_refs()) >= EXAMPLE_REFS
    evaluations = store.latest_evaluations(sorted(EXAMPLE_REFS))
    legacy = evaluations["component:default/legacy-batch"]
    assert {r.check_id: r.status for r in legacy.checks}["owner-exists"] == Status.FAIL
    payments = evaluations["component:default/payments-api"]
    assert {r.check_id: r.status for r in payments.checks}["owner-exists"] == Status.PASS
