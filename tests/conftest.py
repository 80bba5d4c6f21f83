"""Shared fixtures: a fixed clock, definitions folders written from text, stores."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.definitions.loader import load_definitions

REPO_ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


WriteDefinitions = Callable[..., Path]


@pytest.fixture
def write_definitions(tmp_path: Path) -> WriteDefinitions:
    """Write YAML texts (dedented) as files of a definitions folder: name=text."""

    def write(**files: str) -> Path:
        folder = tmp_path / "definitions"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(textwrap.dedent(text))
        return folder

    return write


@pytest.fixture
def load(write_definitions: WriteDefinitions) -> Callable[..., Definitions]:
    """Write and load definitions in one step."""

    def load_texts(**files: str) -> Definitions:
        return load_definitions(write_definitions(**files), now=NOW)

    return load_texts
