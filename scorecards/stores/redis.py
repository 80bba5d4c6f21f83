"""The shared store: Redis, read and written by the API and every worker.

Key layout (`P` is the key prefix, `scorecards` unless the URL says
`?prefix=NAME`, so several deployments can share one Redis):

    P:entities                   hash    ref -> entity document (JSON)
    P:facts:{ref}                hash    source -> latest fact record (its timestamp is
                                         when the values were last collected or,
                                         for results, confirmed)
    P:fact-refs                  set     refs that have at least one latest fact
    P:history:{ref}:{source}     zset    fact records scored by their timestamp
                                         (microseconds since the epoch), one per
                                         change of values
    P:runs                       zset    run id scored by its created_at (microseconds)
    P:run:{id}                   hash    field -> its value as JSON (counters are plain
                                         integers, so HINCRBY updates them in place)
    P:run:{id}:batches           set     batch ids already recorded on the run
    P:run:{id}:errors            list    the run's error lines, oldest first
    P:lease:{name}               string  the holder of a lease, expiring with it
    P:notifications              hash    key -> notification record (JSON)
    P:notifications:{outcome}    zset    keys of that outcome (and `all`: every key),
                                         scored by their time (microseconds)

A fact record is `TIMESTAMP VALUES`: the fixed-width RFC 3339 timestamp of
`format_timestamp` (so text order is time order), one space, the values as JSON.

Every write is one Lua script or one MULTI/EXEC transaction, so readers never
see half of it. Redis does not roll back a script that fails half-way, so the
scripts check every key they will touch before writing any. Acknowledged writes
survive a restart only with persistence on: run Redis with `appendonly yes`.
The store does not use Redis Cluster hash tags; use a single primary.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from scorecards.errors import ConfigurationError, StoreError
from scorecards.formats.json_codec import compact, loads
from scorecards.formats.timeutil import format_timestamp, parse_timestamp
from scorecards.records.entities import Entity
from scorecards.records.facts import RESULTS_SOURCE, Fact
from scorecards.records.notifications import NotificationRecord, Outcome
from scorecards.records.refs import entity_ref
from scorecards.records.results import EntityEvaluation
from scorecards.records.runs import MAX_RUN_ERRORS, BatchOutcome, Run, RunState
from scorecards.stores.base import (
    Retention,
    Store,
    StoreUnreachableError,
    encode_fact_values,
    fact_evaluation,
)
from scorecards.stores.redis_scripts import (
    ACQUIRE_LEASE,
    CONFIRM,
    CREATE_RUN,
    RECORD_BATCH,
    RECORD_RETRY,
    RELEASE_LEASE,
    UPDATE_RUN,
    WRITE_FACTS,
)

DEFAULT_PREFIX = "scorecards"
# Refs per pipeline round trip on bulk reads: large enough to amortise the
# round trip, small enough not to stall Redis for other clients.
READ_CHUNK = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

RUN_FIELDS = {f.name for f in fields(Run)}


class RedisStore(Store):
    """`redis://[:password@]host:port/db[?prefix=NAME]` (also `rediss://`, `unix://`)."""

    def __init__(self, url: str, retention: Retention | None = None) -> None:
        self.retention = retention or Retention()
        client_url, self.prefix = _split_prefix(url)
        self._where = _redacted(client_url)
        try:
            self._client: redis.Redis = redis.Redis.from_url(
                client_url,
                decode_responses=True,
                socket_connect_timeout=10,
                socket_timeout=60,
                health_check_interval=30,
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"store URL '{self._where}' is not a Redis URL: {exc} — e.g. redis://127.0.0.1:6379/0"
            ) from exc
        self._write_facts = self._client.register_script(WRITE_FACTS)
        self._confirm = self._client.register_script(CONFIRM)
        self._create_run = self._client.register_script(CREATE_RUN)
        self._record_batch = self._client.register_script(RECORD_BATCH)
        self._update_run = self._client.register_script(UPDATE_RUN)
        self._record_retry = self._client.register_script(RECORD_RETRY)
        self._acquire_lease = self._client.register_script(ACQUIRE_LEASE)
        self._release_lease = self._client.register_script(RELEASE_LEASE)

    def key(self, *parts: str) -> str:
        """The full name of a key of the layout above, e.g. key("facts", ref)."""
        return ":".join((self.prefix, *parts))

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """StoreUnreachableError for a Redis that does not answer (after redis-py's own
        retries), so callers that can wait (`run --wait`) tell an outage from a fault."""
        try:
            yield
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnreachableError(
                f"Redis store at {self._where} is not reachable: {exc}"
            ) from exc

    # entities
    def put_entities(self, entities: Sequence[Entity]) -> None:
        documents = {entity_ref(e): compact(e) for e in entities}
        if not documents:
            return
        with self._client.pipeline(transaction=True) as pipe:
            items = list(documents.items())
            for start in range(0, len(items), READ_CHUNK):
                pipe.hset(self.key("entities"), mapping=dict(items[start : start + READ_CHUNK]))
            pipe.execute()

    def remove_entities(self, refs: Sequence[str]) -> None:
        if not refs:
            return
        with self._client.pipeline(transaction=True) as pipe:
            for chunk in _chunks(refs):
                pipe.hdel(self.key("entities"), *chunk)
                pipe.delete(*(self.key("facts", ref) for ref in chunk))
                pipe.srem(self.key("fact-refs"), *chunk)
            pipe.execute()

    def get_entities(self, refs: Sequence[str]) -> dict[str, Entity]:
        found: dict[str, Entity] = {}
        for chunk in _chunks(refs):
            documents = cast(list[str | None], self._client.hmget(self.key("entities"), chunk))
            for ref, document in zip(chunk, documents, strict=True):
                if document is not None:
                    found[ref] = _decode(document, f"entity {ref}")
        return found

    def list_entity_refs(self) -> list[str]:
        return sorted(cast(list[str], self._client.hkeys(self.key("entities"))))

    # facts
    def write_facts(self, facts: Sequence[Fact]) -> None:
        if not facts:
            return
        retention = self.retention
        keys = [self.key("fact-refs")]
        args: list[str | int] = [
            -1 if retention.max_items is None else retention.max_items,
            -1 if retention.max_age is None else retention.max_age // MICROSECOND,
        ]
        for fact in facts:
            keys += [
                self.key("facts", fact.entity_ref),
                self._history(fact.entity_ref, fact.source),
            ]
            args += [fact.entity_ref, fact.source, _score(fact.timestamp), _record(fact)]
        try:
            self._write_facts(keys=keys, args=args)
        except redis.ResponseError as exc:
            raise StoreError(f"facts not written (nothing was): {exc}") from None

    def confirm_evaluations(self, refs: Sequence[str], evaluated_at: datetime) -> None:
        # Only the timestamp at the head of each latest record changes; the results
        # are neither read into Python nor written again.
        if not refs:
            return
        keys = [self.key("facts", ref) for ref in dict.fromkeys(refs)]
        try:
            self._confirm(keys=keys, args=[RESULTS_SOURCE, format_timestamp(evaluated_at)])
        except redis.ResponseError as exc:
            raise StoreError(f"results not confirmed (none was): {exc}") from None

    def _history(self, ref: str, source: str) -> str:
        return self.key("history", ref, source)

    def latest_facts(
        self, refs: Sequence[str] | None = None, sources: Sequence[str] | None = None
    ) -> dict[str, dict[str, Fact]]:
        if refs is None:
            refs = sorted(cast(set[str], self._client.smembers(self.key("fact-refs"))))
        wanted = list(dict.fromkeys(sources)) if sources is not None else None
        result: dict[str, dict[str, Fact]] = {}
        if wanted == []:
            return result
        for chunk in _chunks(refs):
            with self._client.pipeline(transaction=False) as pipe:
                for ref in chunk:
                    if wanted is None:
                        pipe.hgetall(self.key("facts", ref))
                    else:
                        pipe.hmget(self.key("facts", ref), wanted)
                replies = pipe.execute()
            for ref, reply in zip(chunk, replies, strict=True):
                records = reply.items() if wanted is None else zip(wanted, reply, strict=True)
                by_source = {
                    source: _fact(ref, source, record)
                    for source, record in records
                    if record is not None
                }
                if by_source:
                    result[ref] = by_source
        return result

    def fact_history(
        self,
        ref: str,
        source: str,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Fact]:
        records = cast(
            list[str],
            self._client.zrangebyscore(
                self._history(ref, source),
                "-inf" if since is None else _score(since),
                "+inf" if until is None else _score(until),
            ),
        )
        return [_fact(ref, source, record) for record in records]

    def history_keys(self) -> list[tuple[str, str]]:
        head = self.key("history", "")
        found: set[tuple[str, str]] = set()
        with self._answering():
            for key in self._client.scan_iter(match=_glob_escaped(head) + "*", count=1000):
                # Source ids have no colon (definitions/specs.py), refs may.
                ref, _, source = cast(str, key)[len(head) :].rpartition(":")
                found.add((ref, source))
        return sorted(found)

    def fact_histories(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Fact]]:
        histories: dict[tuple[str, str], list[Fact]] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), READ_CHUNK):
            chunk = wanted[start : start + READ_CHUNK]
            with self._answering(), self._client.pipeline(transaction=False) as pipe:
                for ref, source in chunk:
                    pipe.zrange(self._history(ref, source), 0, -1)
                replies = pipe.execute()
            for (ref, source), records in zip(chunk, replies, strict=True):
                if records:
                    histories[ref, source] = [_fact(ref, source, r) for r in records]
        return histories

    def evaluation_histories(self, refs: Sequence[str]) -> dict[str, list[EntityEvaluation]]:
        # Pipelined: reports read the history of the whole catalog.
        histories: dict[str, list[EntityEvaluation]] = {}
        for chunk in _chunks(refs):
            with self._client.pipeline(transaction=False) as pipe:
                for ref in chunk:
                    pipe.zrange(self._history(ref, RESULTS_SOURCE), 0, -1)
                replies = pipe.execute()
            for ref, records in zip(chunk, replies, strict=True):
                if records:
                    histories[ref] = [
                        fact_evaluation(_fact(ref, RESULTS_SOURCE, record)) for record in records
                    ]
        return histories

    # runs
    def _run_keys(self, run_id: str) -> tuple[str, str, str]:
        return (
            self.key("run", run_id),
            self.key("run", run_id, "batches"),
            self.key("run", run_id, "errors"),
        )

    def create_run(self, run: Run) -> None:
        run_key, _, errors_key = self._run_keys(run.id)
        values = _encode_run_fields(run.to_dict())
        pairs = [item for name, value in values.items() for item in (name, value)]
        args: list[str | int] = [run.id, _score(run.created_at), len(run.errors), *run.errors]
        try:
            with self._answering():
                self._create_run(keys=[run_key, errors_key, self.key("runs")], args=[*args, *pairs])
        except redis.ResponseError as exc:
            raise StoreError(f"cannot create run: {exc}") from None

    def get_run(self, run_id: str) -> Run | None:
        return self._read_runs([run_id])[0]

    def list_runs(self, limit: int = 20) -> list[Run]:
        if limit <= 0:
            return []
        with self._answering():
            ids = cast(list[str], self._client.zrevrange(self.key("runs"), 0, limit - 1))
        return [run for run in self._read_runs(ids) if run is not None]

    def _read_runs(self, run_ids: Sequence[str]) -> list[Run | None]:
        with self._answering(), self._client.pipeline(transaction=False) as pipe:
            for run_id in run_ids:
                run_key, _, errors_key = self._run_keys(run_id)
                pipe.hgetall(run_key)
                pipe.lrange(errors_key, 0, -1)
            replies = pipe.execute()
        return [
            _decode_run(replies[i], replies[i + 1]) if replies[i] else None
            for i in range(0, len(replies), 2)
        ]

    def record_batch(self, run_id: str, outcome: BatchOutcome) -> Run:
        reply = self._call_on_run(
            self._record_batch,
            self._run_keys(run_id),
            [
                run_id,
                outcome.batch_id,
                outcome.entities_done,
                outcome.entities_failed,
                0 if outcome.error is None else 1,
                MAX_RUN_ERRORS,
                *outcome.error_lines(),
            ],
        )
        return _decode_run(_pairs(reply[0]), reply[1])

    def record_retry(self, run_id: str) -> None:
        self._call_on_run(self._record_retry, [self.key("run", run_id)], [run_id])

    def update_run(self, run_id: str, **changes: Any) -> Run:
        unknown = sorted(set(changes) - RUN_FIELDS)
        if unknown:
            raise StoreError(f"a run has no field '{unknown[0]}'")
        errors = changes.pop("errors", None)
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if isinstance(value, RunState):
                value = value.value
            elif isinstance(value, datetime):
                value = format_timestamp(value)
            values[key] = value
        to_set = _encode_run_fields(values)
        to_delete = [k for k, v in values.items() if v is None]
        args: list[str | int] = [run_id, len(to_set)]
        args += [item for pair in to_set.items() for item in pair]
        args += [len(to_delete), *to_delete]
        args += [0] if errors is None else [1, *errors]
        run_key, _, errors_key = self._run_keys(run_id)
        reply = self._call_on_run(self._update_run, [run_key, errors_key], args)
        return _decode_run(_pairs(reply[0]), reply[1])

    def _call_on_run(self, script: Any, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        try:
            with self._answering():
                return script(keys=list(keys), args=list(args))
        except redis.ResponseError as exc:
            raise StoreError(str(exc)) from None

    # leases
    def acquire_lease(self, name: str, holder: str, seconds: float) -> str | None:
        milliseconds = max(1, round(seconds * 1000))
        with self._answering():
            current = self._acquire_lease(
                keys=[self.key("lease", name)], args=[holder, milliseconds]
            )
        return None if current is None else str(current)

    def release_lease(self, name: str, holder: str) -> bool:
        with self._answering():
            return bool(self._release_lease(keys=[self.key("lease", name)], args=[holder]))

    def lease_holder(self, name: str) -> str | None:
        with self._answering():
            return cast(str | None, self._client.get(self.key("lease", name)))

    # service
    def record_notifications(self, records: Sequence[NotificationRecord]) -> None:
        if not records:
            return
        log_key = self.key("notifications")
        with self._answering(), self._client.pipeline(transaction=True) as pipe:
            for record in records:
                for outcome in Outcome:
                    pipe.zrem(self.key("notifications", outcome.value), record.key)
                pipe.hset(log_key, record.key, json.dumps(record.to_dict()))
                for group in (record.outcome.value, "all"):
                    pipe.zadd(self.key("notifications", group), {record.key: _score(record.at)})
            pipe.execute()

    def get_notifications(self, keys: Sequence[str]) -> dict[str, NotificationRecord]:
        if not keys:
            return {}
        with self._answering():
            values = cast(list[str | None], self._client.hmget(self.key("notifications"), keys))
        records = [NotificationRecord.from_dict(json.loads(v)) for v in values if v is not None]
        return {record.key: record for record in records}

    def list_notifications(
        self, limit: int = 50, outcome: Outcome | None = None
    ) -> list[NotificationRecord]:
        if limit <= 0:
            return []
        group = outcome.value if outcome is not None else "all"
        with self._answering():
            keys = cast(
                list[str], self._client.zrevrange(self.key("notifications", group), 0, limit - 1)
            )
        found = self.get_notifications(keys)
        return [found[key] for key in keys if key in found]

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise StoreError(f"Redis store at {self._where} is not reachable: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _split_prefix(url: str) -> tuple[str, str]:
    """The URL redis-py understands, and the key prefix from `?prefix=`."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [value for name, value in query if name == "prefix"]
    kept = [(name, value) for name, value in query if name != "prefix"]
    prefix = prefixes[-1] if prefixes else DEFAULT_PREFIX
    if not prefix:
        raise ConfigurationError(f"store URL '{_redacted(url)}' has an empty ?prefix=")
    return urlunsplit(parts._replace(query=urlencode(kept))), prefix


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    items = list(items)
    for start in range(0, len(items), READ_CHUNK):
        yield items[start : start + READ_CHUNK]


def _glob_escaped(text: str) -> str:
    """`text` matched literally by a Redis SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _score(moment: datetime) -> int:
    return (parse_timestamp(moment) - EPOCH) // MICROSECOND


def _record(fact: Fact) -> str:
    return f"{format_timestamp(fact.timestamp)} {encode_fact_values(fact.values)}"


def _fact(ref: str, source: str, record: str) -> Fact:
    stamp, _, values = record.partition(" ")
    return Fact(ref, source, parse_timestamp(stamp), _decode(values, f"fact {ref} {source}"))


def _decode(document: str, what: str) -> Any:
    try:
        return loads(document)
    except ValueError as exc:
        raise StoreError(f"stored {what} is not valid JSON ({exc}) — rewrite it") from None


def _pairs(flat: Sequence[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _encode_run_fields(values: Mapping[str, Any]) -> dict[str, str]:
    """Hash fields of a run's stored dict; errors live in their own list, None is absent."""
    return {
        key: json.dumps(value, separators=(",", ":"))
        for key, value in values.items()
        if key != "errors" and value is not None
    }


def _decode_run(values: Mapping[str, str], errors: Sequence[str]) -> Run:
    data: dict[str, Any] = {
        key: _decode(value, f"run field {key}")
        for key, value in values.items()
        if key in RUN_FIELDS
    }
    data["errors"] = list(errors)
    return Run.from_dict(data)
