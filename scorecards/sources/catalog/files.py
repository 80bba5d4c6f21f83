"""The catalog-file source: Backstage `catalog-info.yaml` files from disk.

Accepts a file, a folder (every *.yaml/*.yml below it) or a glob. Documents are
checked for the minimal entity shape and given the annotations Backstage itself
adds (`backstage.io/managed-by-location`), so rules see what the catalog serves.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from scorecards.errors import CatalogError
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
    places: dict[str, str] = {}  # ref -> file:line where it was first defined
    problems: list[str] = []
    for path in catalog_paths(location):
        for entity, problem, line in _read_file(path):
            if problem is not None:
                problems.append(problem)
                continue
            assert entity is not None
            ref = entity_ref(entity)
            if ref in entities:
                problems.append(
                    f"{path}:{line}: entity {ref} is defined twice (first at {places[ref]})"
                )
                continue
            entities[ref] = entity
            places[ref] = f"{path}:{line}"
    if problems:
        raise CatalogError(
            f"{len(problems)} problem(s) in the catalog:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return list(entities.values())


def _read_file(path: Path) -> Iterator[tuple[Entity | None, str | None, int]]:
    try:
        text = path.read_text(encoding="utf-8")
        documents = list(load_located_all(text))
    except yaml.YAMLError as exc:
        line, message, hint = describe_yaml_error(exc)
        yield None, f"{path}:{line}: {message} — {hint}", line
        return
    except (OSError, UnicodeDecodeError) as exc:
        yield None, f"{path}: cannot be read: {exc}", 1
        return
    for document in documents:
        if document is None:
            continue
        line = getattr(document, "line", 1)
        problem = shape_problem(document)
        if problem is not None:
            yield None, _describe_shape(path, document, problem), line
            continue
        entity = normalize_entity(_plain(document))
        location = f"file:{path.resolve()}"
        annotations = entity["metadata"]["annotations"]
        annotations.setdefault("backstage.io/managed-by-location", location)
        annotations.setdefault("backstage.io/managed-by-origin-location", location)
        yield entity, None, line


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
