"""A `scorecards serve` for the dashboard tests, over a SQLite store with history.

Three embedded runs of the bundled examples, four weeks and two weeks before
NOW and at NOW: four weeks back the payments and ledger teams' components
lacked their TechDocs and PagerDuty annotations; two weeks back the ledger
team had added them and the payments team its PagerDuty ones; at NOW every
annotation is there. So both teams improve and campaigns burn down. The last run also scores an entity
whose title and description carry markup, and the store holds a repository
listing of the `acme` organisation for the completeness page.
"""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.facts import Fact
from scorecards.records.listings import SOURCE_ID, OrganizationListing, Repository, organization_ref
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.sqlite import SQLiteStore
from tests.api.conftest import CATALOG, DEFINITIONS, FACTS, ApiServer, start_server
from tests.conftest import NOW

IMPROVING_TEAM = "group:default/payments-team"  # the only team improving since the second run
EARLY_TEAM = "group:default/ledger-team"  # improved between the first and the second run
RUNS = (NOW - timedelta(days=28), NOW - timedelta(days=14), NOW)
MARKUP_TITLE = "<script>alert('title')</script> Probe"
MARKUP_DESCRIPTION = '<script>document.title = "owned"</script><b>bold</b> & more'
MARKUP_ENTITY: dict[str, Any] = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Component",
    "metadata": {
        "name": "markup-probe",
        "title": MARKUP_TITLE,
        "description": MARKUP_DESCRIPTION,
        "annotations": {"backstage.io/techdocs-ref": "<img src=x onerror=alert(1)>"},
    },
    "spec": {"type": "service", "lifecycle": "production", "owner": "group:default/payments-team"},
}
MARKUP_REF = "component:default/markup-probe"
LISTING = OrganizationListing(
    org="acme",
    collected_at=NOW,
    repositories=(
        Repository("acme", "payments-api", "https://github.com/acme/payments-api"),
        Repository("acme", "ledger-service", "https://github.com/acme/ledger-service"),
        Repository(
            "acme",
            "billing-cron",
            "https://github.com/acme/billing-cron",
            teams=(("payments-team", "admin"),),
            pushed_at="2026-11-20T10:00:00Z",
        ),
        Repository("acme", "sandbox", "https://github.com/acme/sandbox"),
    ),
)


def _without(
    entities: list[dict[str, Any]], teams: tuple[str, ...], annotations: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The catalog as it was: the components of `teams` lacking `annotations`."""
    changed = copy.deepcopy(entities)
    for entity in changed:
        owner = str((entity.get("spec") or {}).get("owner", ""))
        if entity["kind"] == "Component" and owner in teams:
            for name in annotations:
                (entity["metadata"].get("annotations") or {}).pop(name, None)
    return changed


def seed_history(path: Path) -> None:
    definitions = load_definitions(DEFINITIONS)
    catalog = [dict(e) for e in load_catalog_files(CATALOG)]
    catalogs = (
        _without(
            catalog,
            (IMPROVING_TEAM, EARLY_TEAM),
            ("backstage.io/techdocs-ref", "pagerduty.com/service-id"),
        ),
        _without(catalog, (IMPROVING_TEAM,), ("backstage.io/techdocs-ref",)),
        [*catalog, MARKUP_ENTITY],
    )
    store = SQLiteStore(path)
    try:
        for moment, entities in zip(RUNS, catalogs, strict=True):
            facts = [*catalog_facts(entities, moment), *load_fact_files(FACTS, moment)]
            run_in_process(store, definitions, entities, facts, moment)
        store.write_facts([Fact(organization_ref("acme"), SOURCE_ID, NOW, LISTING.to_values())])
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """`scorecards serve` on the store with history; shared, read-only."""
    folder = tmp_path_factory.mktemp("dashboard")
    store_path = folder / "scores.db"
    seed_history(store_path)
    server = start_server(folder, f"sqlite:///{store_path}", SCORECARDS_GITHUB_ORGS="acme")
    yield server
    server.stop()
