"""A SQLite store file as text, for tests that look for what must (not) be stored."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from scorecards.stores.sqlite_schema import decode_values


def sqlite_store_text(path: Path) -> str:
    """The file's SQL dump, then every stored fact value decoded as `json.dumps` writes it:
    large values are compressed, so the dump alone would hide what they say."""
    with closing(sqlite3.connect(path)) as db:
        dump = list(db.iterdump())
        values = [
            json.dumps(decode_values(stored))
            for table in ("facts_latest", "facts_history")
            for (stored,) in db.execute(f"SELECT facts FROM {table}")
        ]
    return "\n".join([*dump, *values])
