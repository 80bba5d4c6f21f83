"""YAML reading: the bounded loader (scorecards/yamlfile.py) against PyYAML's own libyaml
loader, over the 10,000-entity catalog, and the time to refuse hostile files.

The baseline, `yaml.CSafeLoader` with no line tracking and no limits, is measured in the
same run; the difference is what line numbers and the limits cost an ordinary catalog.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.common import best_of, machine
from bench.synthetic import write_catalog
from scorecards.formats.yamlfile import load_located, load_located_all
from scorecards.sources.catalog.files import load_catalog_files

REPEATS = 7


def _refusal_seconds(text: str) -> float:
    start = time.perf_counter()
    try:
        load_located(text)
    except yaml.YAMLError:
        return time.perf_counter() - start
    raise AssertionError("the hostile text was read")


def _hostile_texts() -> dict[str, str]:
    bomb = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    entries = "".join(f"key{n}: {'x' * 80}\n" for n in range(10_000))
    return {
        "alias bomb (9 ** 9 strings, 500 bytes)": "\n".join(bomb) + "\n",
        "nesting 5,000 levels, one line": "x: " + "[" * 5000 + "]" * 5000 + "\n",
        "nesting 900 levels, one per line": "".join(" " * n + "k:\n" for n in range(900)),
        "duplicate key after 10,000 (900 KB)": entries + "key0: again\n",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=10_000)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scorecards-yaml-") as folder:
        catalog, _ = write_catalog(Path(folder), args.entities)
        texts = [path.read_text(encoding="utf-8") for path in sorted(catalog.glob("*.yaml"))]
        size_mb = sum(len(text.encode()) for text in texts) / 1e6
        baseline = best_of(
            REPEATS, lambda: [list(yaml.load_all(t, Loader=yaml.CSafeLoader)) for t in texts]
        )
        bounded = best_of(REPEATS, lambda: [list(load_located_all(t)) for t in texts])
        whole = best_of(REPEATS, lambda: load_catalog_files(catalog))

    print(f"YAML reading — {machine()}")
    print(
        f"  {args.entities:,} entities in {len(texts)} files, {size_mb:.1f} MB; best of {REPEATS}"
    )
    print(f"  yaml.CSafeLoader (baseline)          {baseline:6.2f} s")
    print(f"  load_located_all (lines + limits)    {bounded:6.2f} s  ({bounded / baseline:.2f}x)")
    print(f"  load_catalog_files (read + shape)    {whole:6.2f} s")
    print("  refusing hostile files:")
    for name, text in _hostile_texts().items():
        print(f"    {name:<40} {_refusal_seconds(text) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
