"""ETag caches for conditional requests: unchanged data costs a 304, not a full response.

An entry keeps what a source derived from a response (not necessarily the whole
body), the ETag to send back as `If-None-Match`, and the next-page link. Keys are
request URLs; secrets never go in (they travel in headers). `FileCache` keeps
entries across runs in one JSON file, written atomically.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from scorecards.formats.timeutil import format_timestamp, parse_timestamp

log = logging.getLogger(__name__)

FILE_FORMAT = 1
MAX_ENTRIES = 200_000
UNUSED_FOR = timedelta(days=30)


@dataclass(frozen=True)
class CachedResponse:
    etag: str
    data: Any  # JSON-able
    next_url: str | None = None


class ResponseCache(Protocol):
    def get(self, key: str) -> CachedResponse | None: ...

    def put(self, key: str, entry: CachedResponse) -> None: ...


class MemoryCache:
    """A cache for one process's lifetime."""

    def __init__(self) -> None:
        self.entries: dict[str, CachedResponse] = {}

    def get(self, key: str) -> CachedResponse | None:
        return self.entries.get(key)

    def put(self, key: str, entry: CachedResponse) -> None:
        self.entries[key] = entry


class FileCache(MemoryCache):
    """A cache kept in a JSON file between runs; `save(now)` writes it back.

    Entries unused for 30 days are dropped on save. An unreadable file is
    logged and replaced: losing a cache costs quota, never correctness.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._used: dict[str, str] = {}
        self._touched: set[str] = set()
        self._load()

    def get(self, key: str) -> CachedResponse | None:
        entry = super().get(key)
        if entry is not None:
            self._touched.add(key)
        return entry

    def put(self, key: str, entry: CachedResponse) -> None:
        super().put(key, entry)
        self._touched.add(key)

    def save(self, now: datetime) -> None:
        stamp = format_timestamp(now)
        for key in self._touched:
            self._used[key] = stamp
        oldest = format_timestamp(now - UNUSED_FOR)
        kept = sorted(
            (key for key in self.entries if self._used.get(key, stamp) >= oldest),
            key=lambda key: self._used.get(key, stamp),
            reverse=True,
        )[:MAX_ENTRIES]
        document = {
            "format": FILE_FORMAT,
            "entries": {
                key: {
                    "etag": self.entries[key].etag,
                    "data": self.entries[key].data,
                    "next": self.entries[key].next_url,
                    "used": self._used.get(key, stamp),
                }
                for key in kept
            },
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".cache-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(document, file, separators=(",", ":"))
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("format") != FILE_FORMAT:
                raise ValueError(f"format {document.get('format')!r}")
            for key, value in document["entries"].items():
                self.entries[key] = CachedResponse(value["etag"], value["data"], value["next"])
                self._used[key] = format_timestamp(parse_timestamp(value["used"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("response cache %s is unreadable (%s); starting empty", self.path, exc)
            self.entries.clear()
            self._used.clear()
