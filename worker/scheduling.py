"""Celery beat: scoring runs on `SCORECARDS_SCORE_SCHEDULE`, each source on its own cron,
and the notification digests on their rules' crons.

`celery -A worker beat` uses `DefinitionsScheduler`, which reads the crons from
the definitions folder when it starts and again whenever the folder's files
change (invalid definitions keep the previous schedule). Scheduled jobs take a
Redis lock with an expiry, so at most one runs at a time per source (and one
scheduled scoring run at a time), and a holder that dies frees it on expiry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from celery import Celery
from celery.beat import PersistentScheduler

from scorecards.definitions.compiled import Definitions
from scorecards.errors import ConfigurationError, DefinitionsError
from scorecards.formats.timeutil import utcnow
from scorecards.runs.inputs import gather_run_inputs
from scorecards.runs.leases import RunInProgressError
from scorecards.runs.orchestrator import prune_missing_entities
from scorecards.runs.schedules import parse_cron
from scorecards.settings import Settings
from scorecards.sources.collection import collect_source
from worker.context import Fingerprint, WorkerContext, folder_fingerprint
from worker.dispatch import COLLECT_SOURCE, SCHEDULED_RUN, SEND_DIGESTS, start_distributed_run

log = logging.getLogger(__name__)
LOCK_PREFIX = "scorecards:lock"
SCORE_LOCK = "score"
# Seconds between looks at the definitions folder for changed crons.
RELOAD_EVERY = 15.0


def beat_entries(settings: Settings, definitions: Definitions) -> dict[str, dict[str, Any]]:
    """The beat schedule: `score`, one `source:ID` per source with a `schedule`, and one
    `digest:ID` per notification rule with a `digest`."""
    entries: dict[str, dict[str, Any]] = {}
    if settings.score_schedule:
        entries["score"] = {"task": SCHEDULED_RUN, "schedule": parse_cron(settings.score_schedule)}
    for source in definitions.sources.values():
        if source.spec.schedule:
            entries[f"source:{source.id}"] = {
                "task": COLLECT_SOURCE,
                "schedule": parse_cron(source.spec.schedule),
                "args": [source.id],
            }
    for rule in definitions.notifications.values():
        if rule.spec.digest:
            entries[f"digest:{rule.id}"] = {
                "task": SEND_DIGESTS,
                "schedule": parse_cron(rule.spec.digest),
            }
    return entries


class DefinitionsScheduler(PersistentScheduler):  # type: ignore[misc]  # Celery is untyped
    """Beat's schedule from settings and the definitions folder, kept current."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._fingerprint: Fingerprint | None = None
        self._next_look = 0.0
        super().__init__(*args, **kwargs)

    @property
    def scorecards_settings(self) -> Settings:
        return self.app.conf.scorecards_settings  # type: ignore[no-any-return]

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        settings = self.scorecards_settings
        self._fingerprint = folder_fingerprint(settings.definitions)
        try:
            definitions = _load(settings)
        except DefinitionsError as exc:
            raise ConfigurationError(f"beat cannot read the source schedules:\n{exc}") from None
        self.app.conf.beat_schedule = beat_entries(settings, definitions)
        super().setup_schedule()
        log.info("beat: schedule %s", ", ".join(sorted(self.app.conf.beat_schedule)) or "empty")

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if time.monotonic() >= self._next_look:
            self._next_look = time.monotonic() + RELOAD_EVERY
            self.reload_if_changed()
        return super().tick(*args, **kwargs)  # type: ignore[no-any-return]

    def reload_if_changed(self) -> bool:
        """Take new crons from a changed definitions folder; keep the old ones if it is invalid."""
        settings = self.scorecards_settings
        fingerprint = folder_fingerprint(settings.definitions)
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint
        try:
            entries = beat_entries(settings, _load(settings))
        except DefinitionsError as exc:
            log.error("beat: definitions changed but are invalid; keeping the schedule:\n%s", exc)
            return False
        self.app.conf.beat_schedule = entries
        self.merge_inplace(entries)
        log.info("beat: definitions changed; schedule %s", ", ".join(sorted(entries)) or "empty")
        return True


def _load(settings: Settings) -> Definitions:
    from scorecards.engine.loading import load_definitions

    return load_definitions(settings.definitions, run_tests=False)


def lock_client(settings: Settings) -> redis.Redis:
    """The Redis that holds schedule locks: the broker's."""
    url = settings.broker_url or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(
            "scheduled jobs lock in Redis: SCORECARDS_BROKER_URL must be a redis:// URL"
        )
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=10, socket_timeout=30
    )


@contextmanager
def schedule_lock(client: redis.Redis, name: str, ttl: float) -> Iterator[bool]:
    """Hold `LOCK_PREFIX:name` for the block if nobody does; yields whether we got it.

    The lock expires after `ttl` seconds, so a holder that dies cannot keep it.
    """
    lock = client.lock(f"{LOCK_PREFIX}:{name}", timeout=ttl, blocking=False)
    acquired = lock.acquire()
    try:
        yield bool(acquired)
    finally:
        if acquired:
            try:
                lock.release()
            except redis.exceptions.LockError:
                log.warning("lock %s expired before its job ended (raise the ttl)", name)


def start_scheduled_run(context: WorkerContext, app: Celery) -> str | None:
    """Plan and queue a scoring run unless the previous scheduled one is still going."""
    settings = context.settings
    client = lock_client(settings)
    try:
        with schedule_lock(client, SCORE_LOCK, settings.schedule_lock_ttl) as acquired:
            if not acquired:
                log.info("scheduled run skipped: another one is being started")
                return None
            previous = client.get(f"{LOCK_PREFIX}:{SCORE_LOCK}:run")
            if previous is not None:
                run = context.store.get_run(str(previous))
                if run is not None and not run.state.is_finished:
                    log.info("scheduled run skipped: run %s is still %s", run.id, run.state)
                    return None
            definitions = context.definitions()
            now = utcnow()
            inputs = gather_run_inputs(settings, definitions, now)
            if settings.prune_missing_entities:
                prune_missing_entities(context.store, inputs.entities)
            try:
                run = start_distributed_run(settings, context.store, definitions, inputs, now, app)
            except RunInProgressError as exc:  # e.g. a `scorecards run` started by hand
                log.info("scheduled run skipped: %s", exc)
                return None
            # Remembered only as long as a lock lives, so a run that never ends blocks no one forever.
            client.set(
                f"{LOCK_PREFIX}:{SCORE_LOCK}:run", run.id, ex=int(settings.schedule_lock_ttl)
            )
            log.info("scheduled run %s: %d entities queued", run.id, run.entities_total)
            return run.id
    finally:
        client.close()


def collect_scheduled_source(context: WorkerContext, source_id: str) -> int | None:
    """Collect one source for every stored entity and store its facts; None when skipped."""
    settings = context.settings
    client = lock_client(settings)
    try:
        with schedule_lock(client, f"source:{source_id}", settings.schedule_lock_ttl) as acquired:
            if not acquired:
                log.info("source %s: skipped, its previous collection is still running", source_id)
                return None
            source = context.definitions().sources.get(source_id)
            if source is None:
                log.warning("source %s: no longer in the definitions; nothing collected", source_id)
                return None
            store = context.store
            entities = list(store.get_entities(store.list_entity_refs()).values())
            report = collect_source(source, entities, settings, utcnow())
            store.write_facts(report.facts)
            log.info("%s", report.describe())
            return len(report.facts)
    finally:
        client.close()
