"""What a run reads before it scores: the catalog, pushed facts and collected facts.

The embedded run, a distributed run and Celery beat's scheduled runs all gather
their inputs here, so each way of running scores the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from scorecards.definitions.compiled import Definitions
from scorecards.definitions.fact_schemas import known_sources, source_fact_schema
from scorecards.records.catalog_facts import catalog_facts
from scorecards.records.entities import Entity
from scorecards.settings import Settings
from scorecards.sources.catalog.reading import read_catalog
from scorecards.sources.collection import CollectionReport, collect_for_run
from scorecards.sources.fact_files import load_fact_files
from scorecards.sources.registry import catalog_settings
from scorecards.stores import Fact


@dataclass(frozen=True)
class RunInputs:
    entities: list[Entity]
    facts: list[Fact]
    reports: list[CollectionReport] = field(default_factory=list)  # one per collected source


def gather_run_inputs(settings: Settings, definitions: Definitions, now: datetime) -> RunInputs:
    """Read the catalog and pushed facts, and collect every source, as of `now`."""
    entities = read_catalog(catalog_settings(settings))
    pushed = (
        load_fact_files(
            settings.facts,
            now,
            partial(source_fact_schema, definitions),
            known_sources(definitions).__contains__,
        )
        if settings.facts
        else []
    )
    reports = collect_for_run(definitions, entities, settings, now)
    collected = [fact for report in reports for fact in report.facts]
    return RunInputs(entities, [*catalog_facts(entities, now), *pushed, *collected], reports)
