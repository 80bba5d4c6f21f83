"""Read a definitions folder into entries: YAML files, top-level sections, and each
entry's file and line, reporting what cannot be read as problems (loader.py validates
and compiles the entries)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from scorecards.definitions.compiled import Location
from scorecards.definitions.specs import (
    TOP_LEVEL_KEYS,
    CampaignSpec,
    CheckSpec,
    ExemptionSpec,
    NotificationSpec,
    ScorecardSpec,
    SourceSpec,
)
from scorecards.errors import Problem
from scorecards.formats.yamlfile import describe_yaml_error, line_of, load_located

SPEC_TYPES: dict[str, type[BaseModel]] = {
    "checks": CheckSpec,
    "scorecards": ScorecardSpec,
    "campaigns": CampaignSpec,
    "exemptions": ExemptionSpec,
    "sources": SourceSpec,
    "notifications": NotificationSpec,
}
KIND_NAMES = {
    "checks": "check",
    "scorecards": "scorecard",
    "campaigns": "campaign",
    "exemptions": "exemption",
    "sources": "source",
    "notifications": "notification",
}


@dataclass
class Item:
    section: str
    data: Any
    location: Location
    spec: Any = None

    @property
    def kind(self) -> str:
        return KIND_NAMES[self.section]

    @property
    def id(self) -> str | None:
        key = "check" if self.section == "exemptions" else "id"
        value = self.data.get(key) if isinstance(self.data, dict) else None
        return str(value) if value is not None else None

    def line(self, *path: str | int) -> int:
        return line_of(self.data, tuple(path), self.location.line)

    def problem(self, message: str, *path: str | int, **extra: str | None) -> Problem:
        return Problem(self.location.file, self.line(*path), self.kind, self.id, message, **extra)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _definition_files(root: Path) -> list[Path]:
    return sorted(p for pattern in ("*.yaml", "*.yml") for p in root.rglob(pattern))


def read_items(root: Path, problems: list[Problem]) -> Iterator[Item]:
    if not root.is_dir():
        problems.append(
            Problem(
                _display(root),
                1,
                "folder",
                None,
                "is not a folder",
                hint="pass the folder that holds your *.yaml definitions, e.g. checks/",
            )
        )
        return
    files = _definition_files(root)
    if not files:
        problems.append(
            Problem(
                _display(root),
                1,
                "folder",
                None,
                "holds no *.yaml files",
                hint="definitions live in files such as checks/maturity.yaml",
            )
        )
    for path in files:
        name = _display(path)
        try:
            document = load_located(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            line, message, hint = describe_yaml_error(exc)
            problems.append(Problem(name, line, "file", None, message, hint=hint))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 1, "file", None, f"cannot be read: {exc}"))
            continue
        if document is None:
            continue
        if not isinstance(document, dict):
            problems.append(
                Problem(
                    name,
                    1,
                    "file",
                    None,
                    f"top level must be a mapping, got {type(document).__name__}",
                    hint=f"use the keys {', '.join(TOP_LEVEL_KEYS)}",
                )
            )
            continue
        yield from _section_items(name, document, problems)


def _section_items(name: str, document: Any, problems: list[Problem]) -> Iterator[Item]:
    for key, value in document.items():
        line = line_of(document, (key,))
        if key not in SPEC_TYPES:
            problems.append(
                Problem(
                    name,
                    line,
                    "file",
                    None,
                    f"unknown top-level key '{key}'",
                    hint=did_you_mean(key, TOP_LEVEL_KEYS),
                )
            )
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            problems.append(
                Problem(
                    name,
                    line,
                    "file",
                    None,
                    f"'{key}' must be a list, got {type(value).__name__}",
                    hint=f"write each entry as '- ...' under '{key}:'",
                )
            )
            continue
        for index, entry in enumerate(value):
            entry_line = getattr(entry, "line", line + index + 1)
            yield Item(key, entry, Location(name, entry_line))


def did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    allowed = ", ".join(choices)
    return f"did you mean '{close[0]}'? allowed: {allowed}" if close else f"allowed: {allowed}"
