"""Collecting facts: run sources over entities and report what happened.

`collect_source` runs one source (github or http) over a list of entities with
at most `concurrency` requests in flight, and returns a `CollectionReport`: the
facts (stamped with the collection time `now`), one error per entity that
failed, and counts. A failing entity never fails its source, and writes
nothing, so its previous facts keep their old timestamp and `maxAge` decides
whether they still count. Secrets (tokens, `${VAR}` values) are masked in every
error, log line and fact value the framework records.

Sync entry points (`collect_source`, `collect_all`, `collect_for_run`) serve the
CLI and Celery tasks; the `*_async` ones serve callers already in an event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from scorecards.cel import make_activation
from scorecards.definitions.compiled import Definitions, Source
from scorecards.engine.evaluation import run_predicate
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact
from scorecards.records.refs import entity_ref
from scorecards.records.runs import MAX_RUN_ERRORS, Run
from scorecards.settings import Settings
from scorecards.sources import http
from scorecards.sources.base import (
    EntityCollectionError,
    Setup,
    SourceConfigurationError,
    SourceSkippedError,
)
from scorecards.sources.fetch import Fetcher, FetchError, FetchPolicy
from scorecards.sources.github import repositories as github
from scorecards.sources.redaction import Redactor
from scorecards.sources.response_cache import FileCache, ResponseCache
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

Prepare = Callable[[Source, Settings, Mapping[str, str], datetime], Setup]

# One line per source type collected here; `catalog` entities and pushed facts
# arrive by other routes.
SOURCE_TYPES: dict[str, Prepare] = {
    "github": github.prepare,
    "http": http.prepare,
}


@dataclass(frozen=True)
class EntityError:
    """Why one entity's facts from one source were not collected."""

    entity_ref: str
    source: str
    error: str

    def __str__(self) -> str:
        return f"source {self.source}: {self.entity_ref}: {self.error}"


@dataclass
class CollectionReport:
    """What one source did in one collection."""

    source: str
    facts: list[Fact] = field(default_factory=list)
    errors: list[EntityError] = field(default_factory=list)
    fetched: int = 0
    failed: int = 0
    skipped: int = 0  # `applies` false, or nothing to fetch (e.g. no project-slug)
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    note: str | None = None  # why the source did not run at all (not a failure)
    error: str | None = None  # why the source could not run (a failure)

    def summary(self) -> dict[str, Any]:
        """The counts (and note or error) recorded on a run."""
        data: dict[str, Any] = {
            "fetched": self.fetched,
            "failed": self.failed,
            "skipped": self.skipped,
            "requests": self.requests,
            "not_modified": self.not_modified,
            "retries": self.retries,
        }
        if self.note:
            data["note"] = self.note
        if self.error:
            data["error"] = self.error
        return data

    def describe(self) -> str:
        """One line for a terminal."""
        if self.note:
            return f"source {self.source}: skipped — {self.note}"
        if self.error:
            return f"source {self.source}: not collected — {self.error}"
        text = (
            f"source {self.source}: {self.fetched} fetched, {self.failed} failed, "
            f"{self.skipped} skipped; {self.requests} requests"
        )
        return text + (f" ({self.not_modified} not modified)" if self.not_modified else "")


async def collect_source_async(
    source: Source,
    entities: Sequence[Entity],
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    environ: Mapping[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> CollectionReport:
    """Collect one source's facts for `entities`; never raises for an entity or a server."""
    report = CollectionReport(source.id)
    prepare = SOURCE_TYPES.get(source.spec.type)
    if prepare is None:
        report.note = f"sources of type {source.spec.type} are not collected by a run"
        return report
    try:
        setup = prepare(source, settings, os.environ if environ is None else environ, now)
    except SourceSkippedError as exc:
        report.note = str(exc)
        log.info("source %s: skipped — %s", source.id, exc)
        return report
    except SourceConfigurationError as exc:
        report.error = str(exc)
        log.info("source %s: not collected — %s", source.id, exc)
        return report
    redactor = Redactor(setup.secrets)
    targets = deque(_targets(source, setup, entities, now, report, redactor))
    spec = source.spec
    fetch_policy = dataclasses.replace(
        policy or FetchPolicy(), retries=spec.retries, timeout=spec.timeout
    )
    async with Fetcher.open(
        base_url=setup.base_url,
        headers=setup.headers,
        concurrency=spec.concurrency,
        policy=fetch_policy,
        rules=setup.rules,
        cache=cache if setup.uses_cache else None,
        redactor=redactor,
    ) as fetcher:

        async def work() -> None:
            while targets:
                ref, entity = targets.popleft()
                await _collect_entity(source, setup, fetcher, ref, entity, now, report, redactor)

        await asyncio.gather(*(work() for _ in range(min(spec.concurrency, len(targets)))))
    report.requests = fetcher.requests
    report.not_modified = fetcher.not_modified
    report.retries = fetcher.retries
    report.facts.sort(key=lambda fact: fact.entity_ref)
    report.errors.sort(key=lambda error: error.entity_ref)
    return report


def collect_source(
    source: Source,
    entities: Sequence[Entity],
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    environ: Mapping[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> CollectionReport:
    """`collect_source_async` for synchronous callers (CLI, Celery tasks)."""
    return asyncio.run(
        collect_source_async(
            source, entities, settings, now, cache=cache, environ=environ, policy=policy
        )
    )


def collected_sources(definitions: Definitions) -> list[Source]:
    """The sources a run collects (github and http), in definition order."""
    return [s for s in definitions.sources.values() if s.spec.type in SOURCE_TYPES]


async def collect_all_async(
    definitions: Definitions,
    entities: Sequence[Entity],
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    environ: Mapping[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> list[CollectionReport]:
    """Every collected source at once, each within its own concurrency limit."""
    return list(
        await asyncio.gather(
            *(
                collect_source_async(
                    source, entities, settings, now, cache=cache, environ=environ, policy=policy
                )
                for source in collected_sources(definitions)
            )
        )
    )


def collect_all(
    definitions: Definitions,
    entities: Sequence[Entity],
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    environ: Mapping[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> list[CollectionReport]:
    """`collect_all_async` for synchronous callers."""
    return asyncio.run(
        collect_all_async(
            definitions, entities, settings, now, cache=cache, environ=environ, policy=policy
        )
    )


def cache_path(settings: Settings) -> Path:
    """Where ETags are kept between runs: beside a SQLite store, else under .scorecards/."""
    url = settings.store_url
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        path = path[1:] if path.startswith("/") else path
        if path and path != ":memory:":
            return Path(path).with_suffix(".http-cache.json")
    return Path(".scorecards") / "http-cache.json"


def collect_for_run(
    definitions: Definitions, entities: Sequence[Entity], settings: Settings, now: datetime
) -> list[CollectionReport]:
    """What a run collects, with the ETag cache kept in a file between runs: every
    source, and the repository listings of `SCORECARDS_GITHUB_ORGS` (completeness)."""
    # github_org builds on this module's reports, so it is imported here, not at the top
    from scorecards.records.listings import configured_orgs
    from scorecards.sources.github.organisations import collect_organizations_async

    has_orgs = bool(configured_orgs(settings))
    if not collected_sources(definitions) and not has_orgs:
        return []
    cache = FileCache(cache_path(settings))

    async def collect() -> list[CollectionReport]:
        sources = collect_all_async(definitions, entities, settings, now, cache=cache)
        if not has_orgs:
            return await sources
        reports, listings = await asyncio.gather(
            sources, collect_organizations_async(settings, now, cache=cache)
        )
        return [*reports, listings]

    reports = asyncio.run(collect())
    cache.save(now)
    return reports


def run_errors(reports: Sequence[CollectionReport]) -> Iterator[str]:
    """The lines a run records for these reports: source failures, then entity errors."""
    for report in reports:
        if report.error:
            yield f"source {report.source}: {report.error}"
        yield from (str(error) for error in report.errors)


def record_collection(store: Store, run_id: str, reports: Sequence[CollectionReport]) -> Run:
    """Put each source's counts on the run (`Run.sources`) and append its errors."""
    run = store.get_run(run_id)
    if run is None:
        raise ValueError(f"no run '{run_id}'")
    sources = {**run.sources, **{report.source: report.summary() for report in reports}}
    errors = list(run.errors)
    lines = list(run_errors(reports))
    room = MAX_RUN_ERRORS - len(errors)
    if len(lines) > room:
        kept = max(room - 1, 0)
        errors += [*lines[:kept], f"... and {len(lines) - kept} more source errors"]
    else:
        errors += lines
    return store.update_run(run_id, sources=sources, errors=errors)


def _targets(
    source: Source,
    setup: Setup,
    entities: Sequence[Entity],
    now: datetime,
    report: CollectionReport,
    redactor: Redactor,
) -> Iterator[tuple[str, Entity]]:
    for entity in entities:
        ref = entity_ref(entity)
        if source.applies is not None:
            applies = run_predicate(source.applies, make_activation(entity, {}, now), "applies")
            if isinstance(applies, str):
                _fail(report, redactor, ref, f"{applies} — in: {source.spec.applies}")
                continue
            if not applies:
                report.skipped += 1
                continue
        if not setup.collector.wants(entity):
            report.skipped += 1
            continue
        yield ref, entity


async def _collect_entity(
    source: Source,
    setup: Setup,
    fetcher: Fetcher,
    ref: str,
    entity: Entity,
    now: datetime,
    report: CollectionReport,
    redactor: Redactor,
) -> None:
    try:
        values = await setup.collector.collect(entity, fetcher)
    except (EntityCollectionError, FetchError) as exc:
        _fail(report, redactor, ref, str(exc))
    except Exception as exc:  # a failing entity never fails its source
        _fail(report, redactor, ref, f"{type(exc).__name__}: {exc}")
        log.debug("source %s: %s:\n%s", source.id, ref, redactor.text(traceback.format_exc()))
    else:
        report.facts.append(Fact(ref, source.id, now, redactor.value(values)))
        report.fetched += 1


def _fail(report: CollectionReport, redactor: Redactor, ref: str, text: str) -> None:
    error = EntityError(ref, report.source, redactor.text(text))
    report.errors.append(error)
    report.failed += 1
    # INFO: the error is on the report and the run, which is where callers show it
    log.info("%s", error)
