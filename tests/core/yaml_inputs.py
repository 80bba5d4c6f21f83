"""The three readers of users' YAML as the YAML tests call them, and hostile YAML to feed
them: alias bombs, deep nesting, duplicate keys, each placed where a user would write it.

Each reader writes its file into a fresh folder and returns what it read, or raises its
documented error (`READ_ERRORS`); anything else escaping is a defect.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from scorecards.engine.loading import load_definitions
from scorecards.errors import CatalogError, DefinitionsError, FactsError
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from tests.conftest import NOW

READ_ERRORS = (DefinitionsError, CatalogError, FactsError)
Reader = Callable[[Path, str], object]


def read_definitions(folder: Path, text: str) -> object:
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    return load_definitions(folder, now=NOW)


def read_catalog(folder: Path, text: str) -> object:
    (folder / "catalog-info.yaml").write_text(text, encoding="utf-8")
    return load_catalog_files(folder)


def read_facts(folder: Path, text: str) -> object:
    (folder / "ci.yaml").write_text(text, encoding="utf-8")
    return load_fact_files(folder, NOW)


READERS: dict[str, Reader] = {
    "definitions": read_definitions,
    "catalog": read_catalog,
    "facts": read_facts,
}

# Where each reader's users write free-form mappings: an inline test entity's
# annotations, a catalog entity's annotations, a fact's values. `{payload}` is a block
# mapping indented to fit.
PLACES = {
    "definitions": (
        """\
        checks:
          - id: has-owner
            name: Has an owner
            rule: 'true'
            tests:
              - name: hostile
                expect: pass
                entity:
                  kind: Component
                  metadata:
                    name: x
                    annotations:
        """,
        14,
    ),
    "catalog": (
        """\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: x
          annotations:
        """,
        4,
    ),
    "facts": (
        """\
        source: ci
        facts:
          - entity: component:default/x
            values:
        """,
        6,
    ),
}


def placed(reader: str, payload: str) -> str:
    """`payload` (a block mapping) where `reader`'s users write free-form data."""
    template, indent = PLACES[reader]
    return textwrap.dedent(template) + textwrap.indent(payload, " " * indent)


def read_error(reader: str, folder: Path, text: str) -> str:
    """The error `reader` raises for `text`; AssertionError when it reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        READERS[reader](folder, text)
    except READ_ERRORS as exc:
        return str(exc)
    raise AssertionError(f"the {reader} reader accepted the text")


def alias_bomb(levels: int) -> str:
    """A "billion laughs" mapping: `levels` anchors, each a list of nine aliases of the
    one before; 9 ** levels strings once expanded, in a few hundred bytes."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def flow_nesting(levels: int) -> str:
    """A mapping whose one value is `levels` lists, one inside the other, on one line."""
    return "deep: " + "[" * levels + "]" * levels + "\n"


def block_nesting(levels: int) -> str:
    """`levels` mappings, one inside the other, one per line."""
    return (
        "".join(" " * depth + "k:\n" for depth in range(levels - 1)) + " " * (levels - 1) + "k: v\n"
    )


def line_with(text: str, needle: str) -> int:
    """The 1-based line of the first line of `text` containing `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)
