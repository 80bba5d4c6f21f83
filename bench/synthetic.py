"""A large catalog and a 50-check definitions folder on disk, for the run benches.

The catalog is the bundled example catalog copied until it holds the requested
number of entities (names suffixed, so refs stay unique), written as YAML files
the way `scorecards run --catalog` reads them, with the example GitHub and CI
facts copied alongside as pushed-style fact files. The definitions are the
bundled packs, topped up with checks shaped like them until there are 50.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bench.common import NOW, REPO
from scorecards.formats.yamlfile import load_located
from scorecards.records.refs import entity_ref, normalize_ref
from scorecards.sources.catalog.files import load_catalog_files

ENTITIES_PER_FILE = 500
EXTRA_CHECK_SHAPES = [
    (
        'entity.kind == "Component"',
        '"annotations" in entity.metadata && "bench.example.com/key-{n}" in entity.metadata.annotations',
    ),
    (
        'entity.kind in ["Component", "API"]',
        '"tags" in entity.metadata && entity.metadata.tags.exists(t, t == "tier-{n}")',
    ),
    (
        'entity.kind == "Component" && entity.spec.type == "service"',
        '"lifecycle" in entity.spec && entity.spec.lifecycle != "experimental-{n}"',
    ),
    (
        'entity.kind in ["Component", "API", "Resource", "System", "Domain"]',
        '"description" in entity.metadata && size(entity.metadata.description) > {n}',
    ),
]


class PlainDumper(yaml.SafeDumper):
    """Writes shared values out in full: the loader bounds aliases, and real files have none."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_definitions(folder: Path, checks: int = 50) -> Path:
    """The bundled packs plus generated checks, `checks` in all."""
    folder.mkdir(parents=True, exist_ok=True)
    bundled = 0
    for pack in sorted((REPO / "checks").glob("*.yaml")):
        shutil.copy(pack, folder / pack.name)
        data = yaml.safe_load(pack.read_text()) or {}
        bundled += len(data.get("checks", []))
    extra = []
    for n in range(max(0, checks - bundled)):
        applies, rule = EXTRA_CHECK_SHAPES[n % len(EXTRA_CHECK_SHAPES)]
        extra.append(
            {
                "id": f"bench-extra-{n}",
                "name": f"Bench extra check {n}",
                "severity": "low",
                "applies": applies,
                "rule": rule.format(n=n),
            }
        )
    if extra:
        (folder / "zz-bench-extra.yaml").write_text(
            yaml.dump({"checks": extra}, Dumper=PlainDumper)
        )
    return folder


def write_catalog(folder: Path, entities: int, collected: datetime = NOW) -> tuple[Path, Path]:
    """A catalog folder of about `entities` entities and a facts folder (facts collected
    at `collected`); returns both."""
    examples = load_catalog_files(REPO / "examples" / "catalog")
    facts_by_source = _example_facts(collected)
    catalog, facts = folder / "catalog", folder / "facts"
    catalog.mkdir(parents=True, exist_ok=True)
    facts.mkdir(parents=True, exist_ok=True)
    documents: list[dict[str, Any]] = []
    pushed: dict[str, list[dict[str, Any]]] = {source: [] for source in facts_by_source}
    copy = 0
    while len(documents) < entities:
        for example in examples:
            if len(documents) >= entities:
                break
            document = _renamed(example, copy)
            documents.append(document)
            for source, by_ref in facts_by_source.items():
                entry = by_ref.get(entity_ref(example))
                if entry is not None:
                    pushed[source].append({**entry, "entity": entity_ref(document)})
        copy += 1
    for start in range(0, len(documents), ENTITIES_PER_FILE):
        chunk = documents[start : start + ENTITIES_PER_FILE]
        path = catalog / f"catalog-{start // ENTITIES_PER_FILE:04d}.yaml"
        path.write_text(yaml.dump_all(chunk, Dumper=PlainDumper, sort_keys=False))
    for source, entries in pushed.items():
        (facts / f"{source}.yaml").write_text(
            yaml.dump({"source": source, "facts": entries}, Dumper=PlainDumper, sort_keys=False)
        )
    return catalog, facts


def _renamed(example: dict[str, Any], copy: int) -> dict[str, Any]:
    metadata = {
        k: v
        for k, v in example["metadata"].items()
        if k != "annotations" or not isinstance(v, dict)
    }
    annotations = {
        k: v
        for k, v in example["metadata"].get("annotations", {}).items()
        if not k.startswith("backstage.io/managed-by")
    }
    if annotations:
        metadata["annotations"] = annotations
    metadata["name"] = f"{example['metadata']['name']}-{copy}"
    return {**example, "metadata": metadata}


def _example_facts(collected: datetime) -> dict[str, dict[str, dict[str, Any]]]:
    """source -> example entity ref -> the fact file entry, timestamps made recent."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted((REPO / "examples" / "facts").glob("*.yaml")):
        data = load_located(path.read_text())
        by_ref = found.setdefault(data["source"], {})
        for entry in data["facts"]:
            # Recent, so maxAge leaves every check decidable at the run's time.
            plain = {"entity": entry["entity"], "values": dict(entry["values"])}
            plain["timestamp"] = collected.isoformat().replace("+00:00", "Z")
            by_ref[normalize_ref(str(entry["entity"]))] = plain
    return found
