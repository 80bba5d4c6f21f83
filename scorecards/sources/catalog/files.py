"""The catalog-file source: Backstage `catalog-info.yaml` files from disk.

Accepts a file, a folder (every *.yaml/*.yml below it) or a glob. Documents are
checked for the minimal entity shape and given the annotations Backstage itself
adds (`backstage.io/managed-by-location`), so rules see what the catalog serves.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import yaml

from scorecards.errors import CatalogError
from scorecards.formats.yaml_fast import load_plain_all
from scorecards.formats.yamlfile import describe_yaml_error, line_of, load_located_all
from scorecards.records.entities import Entity, ShapeProblem, normalize_entity, shape_problem
from scorecards.records.refs import entity_ref


def catalog_paths(location: str | Path) -> list[Path]:
    """The files a catalog location names, sorted; CatalogError when there are none."""
    text = str(location)
    path = Path(text)
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for pattern in ("*.yaml", "*.yml") for p in path.rglob(pattern))
    else:
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
    if not files:
        raise CatalogError(
            f"catalog '{text}' names no YAML files — pass a catalog-info.yaml file, "
            "a folder of them, or a glob such as 'services/*/catalog-info.yaml'"
        )
    return files


def load_catalog_files(location: str | Path) -> list[Entity]:
    """Every entity in the files at `location`; CatalogError lists every bad document."""
    entities: dict[str, Entity] = {}
    first_in: dict[str, Path] = {}  # ref -> the file that defined it first
    problems: list[str] = []
    for path in catalog_paths(location):
        read, file_problems = read_catalog_file(path)
        problems += file_problems
        for index, entity in enumerate(read):
            ref = entity_ref(entity)
            if ref in entities:
                problems.append(_defined_twice(path, read, index, ref, first_in[ref]))
                continue
            entities[ref] = entity
            first_in[ref] = path
    if problems:
        raise CatalogError(
            f"{len(problems)} problem(s) in the catalog:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return list(entities.values())


def read_catalog_file(path: Path) -> tuple[list[Entity], list[str]]:
    """The entities of one catalog file, in order, and its problems as `file:line: ...`
    lines (a problem leaves out its document; the file's other entities are kept)."""
    entities, _, problems = _read_file(path, located=False)
    return entities, problems


def _read_file(path: Path, located: bool) -> tuple[list[Entity], list[int], list[str]]:
    """(entities, the line of each, problems). Documents come from the fast path unless
    `located` or it declines; lines are known only from the located loader (else 1)."""
    try:
        text = path.read_text(encoding="utf-8")
        documents = None if located else load_plain_all(text)
        if documents is None:
            located = True
            documents = list(load_located_all(text))
    except yaml.YAMLError as exc:
        line, message, hint = describe_yaml_error(exc)
        return [], [], [f"{path}:{line}: {message} — {hint}"]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [f"{path}: cannot be read: {exc}"]
    location = f"file:{path.resolve()}"
    entities: list[Entity] = []
    lines: list[int] = []
    problems: list[str] = []
    for document in documents:
        if document is None:
            continue
        problem = shape_problem(document)
        if problem is not None:
            if not located:  # rare: read again, to name the line
                return _read_file(path, located=True)
            problems.append(_describe_shape(path, document, problem))
            continue
        # Both readers' documents are this call's own (`_plain` copies): none is copied again.
        entity = normalize_entity(_plain(document) if located else document, owned=True)
        annotations = entity["metadata"]["annotations"]
        annotations.setdefault("backstage.io/managed-by-location", location)
        annotations.setdefault("backstage.io/managed-by-origin-location", location)
        entities.append(entity)
        lines.append(getattr(document, "line", 1))
    return entities, lines, problems


def _defined_twice(path: Path, read: list[Entity], index: int, ref: str, first: Path) -> str:
    """`file:line: entity ... is defined twice (first at file:line)`; the lines come from
    reading both files again with the located loader (a rare error)."""
    occurrence = sum(1 for entity in read[:index] if entity_ref(entity) == ref)
    line = _lines_of(path, ref)[occurrence]
    first_line = _lines_of(first, ref)[0]
    return f"{path}:{line}: entity {ref} is defined twice (first at {first}:{first_line})"


def _lines_of(path: Path, ref: str) -> list[int]:
    entities, lines, _ = _read_file(path, located=True)
    return [line for entity, line in zip(entities, lines, strict=True) if entity_ref(entity) == ref]


# Problems in these fields leave the entity without a ref to name it by.
_UNNAMED = ((), ("kind",), ("metadata",), ("metadata", "name"), ("metadata", "namespace"))


def _describe_shape(path: Path, document: Any, problem: ShapeProblem) -> str:
    """`file:line: ...`: the document's line when it is no entity at all, else the line
    of the field at fault, naming the entity."""
    line = getattr(document, "line", 1)
    if problem.field in _UNNAMED:
        return f"{path}:{line}: not a Backstage entity: {problem.message} — {problem.hint}"
    line = line_of(document, problem.field, line)
    return f"{path}:{line}: entity {entity_ref(document)}: {problem.message} — {problem.hint}"


def _plain(value: Any) -> Any:
    """Drop the line-tracking dict subclass so documents serialise like plain JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
