"""A store with months of history for the report tests: embedded runs over the bundled
examples at several times, with the catalog and facts changing between runs.

The definitions are the bundled packs plus tests/data/reports/campaign-exemption.yaml
(webhook-dispatcher is exempt from has-pagerduty until 2027-01-10). The story of the
`on-call-ready` campaign (has-runbook + has-pagerduty on production services,
deadline 2027-01-31), 15 services in scope:

| run              | what changed                                        | remaining |
|------------------|-----------------------------------------------------|-----------|
| 2026-11-25 12:00 | the bundled examples (webhook-dispatcher exempt)    | 7         |
| 2026-11-25 18:00 | fraud-scoring links a runbook; its CI build passes  | 6         |
| 2026-12-10 12:00 | merchant-onboarding links a runbook                 | 5         |
| 2027-01-05 12:00 | notification-service: runbook and PagerDuty         | 4         |
| (2027-01-11)     | the exemption expired; no run                       | 5         |
| 2027-01-20 12:00 | nothing; webhook-dispatcher re-scored without it    | 5         |

Reports are read at REPORT_AT, past the deadline.
"""

from __future__ import annotations

import copy
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact
from scorecards.records.refs import entity_ref
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores.sqlite import SQLiteStore
from tests.conftest import REPO_ROOT

CATALOG = REPO_ROOT / "examples" / "catalog"
FACTS = REPO_ROOT / "examples" / "facts"
EXTRA = REPO_ROOT / "tests" / "data" / "reports" / "campaign-exemption.yaml"

FIRST_RUN = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER_SAME_DAY = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
DECEMBER_RUN = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
JANUARY_RUN = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
LAST_RUN = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
REPORT_AT = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)

FRAUD_SCORING = "component:default/fraud-scoring"
MERCHANT_ONBOARDING = "component:default/merchant-onboarding"
NOTIFICATION_SERVICE = "component:default/notification-service"
WEBHOOK_DISPATCHER = "component:default/webhook-dispatcher"

Change = Callable[[Entity], None]


def add_runbook(entity: Entity) -> None:
    name = entity["metadata"]["name"]
    links = entity["metadata"].setdefault("links", [])
    links.append({"url": f"https://runbooks.acme-pay.example.com/{name}", "title": "Runbook"})


def add_pagerduty(entity: Entity) -> None:
    entity["metadata"].setdefault("annotations", {})["pagerduty.com/service-id"] = "PNOTIF42"


@dataclass(frozen=True)
class Step:
    at: datetime
    changes: dict[str, tuple[Change, ...]]  # applied from this run on


STEPS = (
    Step(FIRST_RUN, {}),
    Step(LATER_SAME_DAY, {FRAUD_SCORING: (add_runbook,)}),
    Step(DECEMBER_RUN, {MERCHANT_ONBOARDING: (add_runbook,)}),
    Step(JANUARY_RUN, {NOTIFICATION_SERVICE: (add_runbook, add_pagerduty)}),
    Step(LAST_RUN, {}),
)


def write_definitions(folder: Path) -> Path:
    """The bundled packs plus the campaign exemption, as one definitions folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for pack in (REPO_ROOT / "checks").glob("*.yaml"):
        shutil.copyfile(pack, folder / pack.name)
    shutil.copyfile(EXTRA, folder / EXTRA.name)
    return folder


def seed_history(path: Path, definitions: Definitions) -> None:
    """Run the STEPS into a SQLite file at `path`."""
    bundled = load_catalog_files(CATALOG)
    changes: dict[str, list[Change]] = {}
    store = SQLiteStore(path)
    try:
        for step in STEPS:
            for ref, more in step.changes.items():
                changes.setdefault(ref, []).extend(more)
            entities = [_changed(e, changes.get(entity_ref(e), [])) for e in bundled]
            facts = [*catalog_facts(entities, step.at), *_ci_facts(step.at)]
            run_in_process(store, definitions, entities, facts, step.at)
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _changed(entity: Entity, changes: list[Change]) -> Entity:
    if not changes:
        return entity
    changed = copy.deepcopy(entity)
    for change in changes:
        change(changed)
    return changed


def _ci_facts(at: datetime) -> list[Fact]:
    """The example fact files as collected at `at` (not at the checkout's file times, which
    would tie the history to the day of the clone), with fraud-scoring's build fixed from
    the second run on."""
    facts = [replace(f, timestamp=at) for f in load_fact_files(FACTS, at)]
    if at < LATER_SAME_DAY:
        return facts
    return [
        replace(f, values={**f.values, "build_passing": True})
        if f.entity_ref == FRAUD_SCORING and f.source == "ci"
        else f
        for f in facts
    ]


@dataclass(frozen=True)
class SeededHistory:
    store_path: Path
    definitions_folder: Path

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.store_path}"

    def definitions(self) -> Definitions:
        return load_definitions(self.definitions_folder, run_tests=False)


def seeded_history(base: Path) -> SeededHistory:
    """The seeded store under `base` (the session's temp root), built once per session."""
    folder = base / "report-history"
    seeded = SeededHistory(folder / "scores.db", folder / "definitions")
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_definitions(seeded.definitions_folder)
        seed_history(seeded.store_path, seeded.definitions())
        (folder / "done").touch()
    return seeded
