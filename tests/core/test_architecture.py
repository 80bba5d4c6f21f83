"""The tree keeps to docs/architecture.md: what may import what, and folders of a readable size."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO_ROOT

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
PACKAGE = REPO_ROOT / "scorecards"
MAX_LOOSE_MODULES = 12
# The package's own front modules: the public API (lazy) and `python -m scorecards`.
FRONT = frozenset({"__init__", "__main__"})


def import_rules() -> dict[str, set[str]]:
    """The table of docs/architecture.md §7: folder -> the folders it may import."""
    section = ARCHITECTURE.read_text().split("## 7. What may import what", 1)[1]
    rules: dict[str, set[str]] = {}
    for line in section.splitlines():
        match = re.fullmatch(r"\| (\w+) \|([^|]*)\|", line.strip())
        if match and match.group(1) != "folder":
            allowed = {name.strip() for name in match.group(2).split(",") if name.strip()}
            rules[match.group(1)] = allowed
    return rules


def folder_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "worker":
        return "worker"
    if parts[0] != "scorecards" or len(parts) < 2:
        return None
    return parts[1]


def runtime_imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) of each import that runs, not those under `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def source_files() -> Iterator[tuple[str, Path]]:
    for path in sorted([*PACKAGE.rglob("*.py"), *(REPO_ROOT / "worker").rglob("*.py")]):
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        yield module, path


def violations(rules: dict[str, set[str]]) -> list[str]:
    found = []
    for module, path in source_files():
        importer = folder_of(module)
        if importer is None or importer in FRONT:
            continue
        for line, imported in runtime_imports(path):
            target = folder_of(imported)
            if target is None or target == importer:
                continue
            if target not in rules.get(importer, set()):
                where = path.relative_to(REPO_ROOT)
                found.append(f"{where}:{line}: {importer} imports {imported} ({target})")
    return found


def test_every_import_is_allowed_by_the_architecture() -> None:
    problems = violations(import_rules())
    assert not problems, "imports docs/architecture.md §7 does not allow:\n" + "\n".join(problems)


def test_a_forbidden_import_is_caught() -> None:
    """The check itself works: stores importing the engine is reported."""
    rules = import_rules()
    assert "engine" not in rules["stores"]
    probe = PACKAGE / "stores" / "_architecture_probe.py"
    probe.write_text("from scorecards.engine.evaluation import evaluate_entity\n")
    try:
        problems = violations(rules)
    finally:
        probe.unlink()
    assert (
        "scorecards/stores/_architecture_probe.py:1: stores imports "
        "scorecards.engine.evaluation (engine)"
    ) in problems


def test_every_folder_has_a_row_in_the_import_rules() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - FRONT
    assert folders | modules | {"worker"} == set(import_rules())


def test_the_rules_have_no_cycle_between_folders() -> None:
    rules = import_rules()
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(folder: str, path: tuple[str, ...]) -> None:
        assert folder not in visiting, f"cycle: {' -> '.join((*path, folder))}"
        if folder in done:
            return
        visiting.add(folder)
        for other in rules[folder]:
            visit(other, (*path, folder))
        visiting.discard(folder)
        done.add(folder)

    for folder in rules:
        visit(folder, ())


def test_every_folder_is_described_in_the_architecture() -> None:
    text = ARCHITECTURE.read_text()
    for folder in sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()):
        assert f"`{folder}/`" in text, f"docs/architecture.md §2 does not describe {folder}/"


def test_no_folder_holds_more_than_a_dozen_loose_modules() -> None:
    crowded = {
        str(folder.relative_to(REPO_ROOT)): count
        for folder in [PACKAGE, *PACKAGE.rglob("*")]
        if folder.is_dir() and (folder / "__init__.py").exists()
        if (count := len([p for p in folder.glob("*.py") if p.stem not in FRONT]))
        > MAX_LOOSE_MODULES
    }
    assert not crowded, crowded


def test_the_code_cites_no_design_document_outside_the_repository() -> None:
    citing = [
        str(path.relative_to(REPO_ROOT))
        for path in [*PACKAGE.rglob("*.py"), *(REPO_ROOT / "tests").rglob("*.py")]
        if path != Path(__file__)
        if "DESIGN section" in path.read_text() or "DESIGN.md" in path.read_text()
    ]
    assert not citing, f"cite docs/architecture.md instead: {citing}"
