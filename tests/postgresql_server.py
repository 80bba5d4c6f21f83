"""PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth, user postgres),
which .ci/run starts when the machine has none.

The session gets a database of its own, `scorecards_tests`; each test gets a fresh
schema in it (`?schema=` of the store URL), dropped afterwards. Tests that need
the server skip, saying so, only when no server answers there.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

SERVER_URL = os.environ.get(
    "SCORECARDS_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASE = "scorecards_tests"


def _database_url() -> str:
    return SERVER_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


@pytest.fixture(scope="session")
def postgresql_database() -> str:
    """The URL of the session's test database, created when missing."""
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(
            f"no PostgreSQL server answers at {SERVER_URL} ({' '.join(str(exc).split())}) — "
            ".ci/run installs and starts one"
        )
    with admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if found.fetchone() is None:
            # Another test process may make it meanwhile.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    return _database_url()


@pytest.fixture
def postgresql_url(postgresql_database: str) -> Iterator[str]:
    """A store URL naming a schema of its own, dropped after the test."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield f"{postgresql_database}?schema={schema}"
    drop_schema(postgresql_database, schema)


def drop_schema(database_url: str, schema: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )
