"""Collecting facts: run sources over entities and report what happened.

`collect_source` runs one source over a list of entities with at most
`concurrency` requests in flight, and returns a `CollectionReport`: the facts
(stamped with the collection time `now`), one error per entity that failed, and
counts. A failing entity never fails its source, and writes nothing, so its
previous facts keep their old timestamp and `maxAge` decides whether they still
count. Secrets (tokens, `${VAR}` values) are masked in every error, log line and
fact value the framework records.

A source's type is looked up in the registry (registry.py), which prepares it
with its own slice of the settings; the GitHub organisation listing
(`collect_organizations`) is prepared from its slice and collected the same way,
one organisation per target.

Sync entry points (`collect_source`, `collect_all`, `collect_for_run`,
`collect_organizations`) serve the CLI and Celery tasks; the `*_async` ones serve
callers already in an event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import traceback
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from scorecards.cel import make_activation, run_predicate
from scorecards.definitions.compiled import Definitions, Source
from scorecards.errors import ConfigurationError
from scorecards.records.entities import Entity
from scorecards.records.facts import Fact
from scorecards.records.listings import SOURCE_ID as LISTING_SOURCE
from scorecards.records.listings import configured_orgs
from scorecards.records.refs import entity_ref
from scorecards.records.runs import MAX_RUN_ERRORS, Run
from scorecards.settings import Settings
from scorecards.sources.base import CollectionReport as CollectionReport
from scorecards.sources.base import (
    Collector,
    EntityCollectionError,
    Setup,
    SourceSkippedError,
)
from scorecards.sources.base import EntityError as EntityError
from scorecards.sources.fetch import Fetcher, FetchError, FetchPolicy
from scorecards.sources.github import organisations
from scorecards.sources.redaction import Redactor
from scorecards.sources.registry import listing_settings, source_type
from scorecards.sources.response_cache import FileCache, ResponseCache
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

Target = TypeVar("Target")

# Why a source or the listing did not run: skipped (a note) or misconfigured (an error).
_UNPREPARED = (SourceSkippedError, ConfigurationError)


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
    """Collect one source's facts for `entities`; never raises for an entity or a server.

    UnknownSourceTypeError when no module registers the source's type."""
    report = CollectionReport(source.id)
    collection = source_type(source.spec.type).collection
    if collection is None:
        report.note = f"sources of type {source.spec.type} are not collected by a run"
        return report
    try:
        setup = collection.setup(source, settings, os.environ if environ is None else environ, now)
    except _UNPREPARED as exc:
        return _unprepared(report, exc)
    redactor = Redactor(setup.secrets)
    spec = source.spec
    await _collect_targets(
        report,
        setup,
        redactor,
        list(_targets(source, setup, entities, now, report, redactor)),
        now,
        workers=spec.concurrency,
        concurrency=spec.concurrency,
        policy=dataclasses.replace(
            policy or FetchPolicy(), retries=spec.retries, timeout=spec.timeout
        ),
        cache=cache,
    )
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
    """The sources a run collects (those whose type registers a collection), in definition order."""
    return [
        source
        for source in definitions.sources.values()
        if source_type(source.spec.type).collection is not None
    ]


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


async def collect_organizations_async(
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    policy: FetchPolicy | None = None,
) -> CollectionReport:
    """List every organisation of SCORECARDS_GITHUB_ORGS; one fact per organisation listed."""
    report = CollectionReport(LISTING_SOURCE)
    try:
        listing = listing_settings(settings)
        setup = organisations.prepare(listing, now)
    except _UNPREPARED as exc:
        return _unprepared(report, exc)
    await _collect_targets(
        report,
        setup,
        Redactor(setup.secrets),
        organisations.targets(listing),
        now,
        workers=1,  # one organisation at a time, its requests CONCURRENCY at once
        concurrency=organisations.CONCURRENCY,
        policy=policy or FetchPolicy(),
        cache=cache,
    )
    return report


def collect_organizations(
    settings: Settings,
    now: datetime,
    *,
    cache: ResponseCache | None = None,
    policy: FetchPolicy | None = None,
) -> CollectionReport:
    """`collect_organizations_async` for synchronous callers."""
    return asyncio.run(collect_organizations_async(settings, now, cache=cache, policy=policy))


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


def _unprepared(
    report: CollectionReport, exc: SourceSkippedError | ConfigurationError
) -> CollectionReport:
    if isinstance(exc, SourceSkippedError):
        report.note = str(exc)
    else:
        report.error = str(exc)
    log.info("%s", report.describe())
    return report


def _targets(
    source: Source,
    setup: Setup[Entity],
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


async def _collect_targets(
    report: CollectionReport,
    setup: Setup[Target],
    redactor: Redactor,
    targets: Sequence[tuple[str, Target]],
    now: datetime,
    *,
    workers: int,
    concurrency: int,
    policy: FetchPolicy,
    cache: ResponseCache | None,
) -> None:
    """Collect each (ref, target), `workers` at a time, onto `report` with the request counts."""
    queue = deque(targets)
    async with Fetcher.open(
        base_url=setup.base_url,
        headers=setup.headers,
        concurrency=concurrency,
        policy=policy,
        rules=setup.rules,
        cache=cache if setup.uses_cache else None,
        redactor=redactor,
    ) as fetcher:

        async def work() -> None:
            while queue:
                ref, target = queue.popleft()
                await _collect_one(report, setup.collector, fetcher, redactor, ref, target, now)

        await asyncio.gather(*(work() for _ in range(min(workers, len(queue)))))
    report.requests = fetcher.requests
    report.not_modified = fetcher.not_modified
    report.retries = fetcher.retries


async def _collect_one(
    report: CollectionReport,
    collector: Collector[Target],
    fetcher: Fetcher,
    redactor: Redactor,
    ref: str,
    target: Target,
    now: datetime,
) -> None:
    try:
        values = await collector.collect(target, fetcher)
    except (EntityCollectionError, FetchError) as exc:
        _fail(report, redactor, ref, str(exc))
    except Exception as exc:  # a failing entity never fails its source
        _fail(report, redactor, ref, f"{type(exc).__name__}: {exc}")
        log.debug("source %s: %s:\n%s", report.source, ref, redactor.text(traceback.format_exc()))
    else:
        report.facts.append(Fact(ref, report.source, now, redactor.value(values)))
        report.fetched += 1


def _fail(report: CollectionReport, redactor: Redactor, ref: str, text: str) -> None:
    error = EntityError(ref, report.source, redactor.text(text))
    report.errors.append(error)
    report.failed += 1
    # INFO: the error is on the report and the run, which is where callers show it
    log.info("%s", error)
