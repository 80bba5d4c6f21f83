"""Local HTTP origins for the source tests: each fixture one server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sources.origin_server import OriginServer


@pytest.fixture
def origin() -> Iterator[OriginServer]:
    with OriginServer() as server:
        yield server


@pytest.fixture
def first() -> Iterator[OriginServer]:
    with OriginServer() as server:
        yield server


@pytest.fixture
def second() -> Iterator[OriginServer]:
    with OriginServer() as server:
        yield server
