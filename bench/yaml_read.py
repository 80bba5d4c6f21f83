"""YAML reading: the bounded loader (scorecards/yamlfile.py) against PyYAML's own libyaml
loader and the fast path (scorecards/formats/yaml_fast.py), over the 10,000-entity catalog
and its fact files, and the time to refuse hostile files.

The baseline, `yaml.CSafeLoader` with no line tracking and no limits, is measured in the
same run; the difference is what line numbers and the limits cost an ordinary catalog.
The fast path reads what the located loader reads, or declines: files it declined are
counted (ordinary catalogs: none).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.common import NOW, best_of, machine
from bench.synthetic import write_catalog
from scorecards.formats.yaml_fast import load_plain_all
from scorecards.formats.yamlfile import load_located, load_located_all
from scorecards.sources.catalog.files import load_catalog_files, read_catalog_file
from scorecards.sources.fact_files import load_fact_files, read_fact_file

REPEATS = 7


def _refusal_seconds(text: str) -> float:
    start = time.perf_counter()
    try:
        load_located(text)
    except yaml.YAMLError:
        return time.perf_counter() - start
    raise AssertionError("the hostile text was read")


def _decline_seconds(text: str) -> float:
    start = time.perf_counter()
    if load_plain_all(text) is not None:
        raise AssertionError("the fast path read the hostile text")
    return time.perf_counter() - start


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
        catalog, facts = write_catalog(Path(folder), args.entities)
        paths = sorted(catalog.glob("*.yaml"))
        fact_paths = sorted(facts.glob("*.yaml"))
        texts = [path.read_text(encoding="utf-8") for path in paths]
        fact_texts = [path.read_text(encoding="utf-8") for path in fact_paths]
        size_mb = sum(len(text.encode()) for text in texts) / 1e6
        facts_mb = sum(len(text.encode()) for text in fact_texts) / 1e6
        declined = sum(load_plain_all(text) is None for text in texts + fact_texts)
        load = os.getloadavg()[0]
        baseline = best_of(
            REPEATS, lambda: [list(yaml.load_all(t, Loader=yaml.CSafeLoader)) for t in texts]
        )
        bounded = best_of(REPEATS, lambda: [list(load_located_all(t)) for t in texts])
        fast = best_of(REPEATS, lambda: [load_plain_all(t) for t in texts])
        per_file = best_of(REPEATS, lambda: [read_catalog_file(path) for path in paths])
        whole = best_of(REPEATS, lambda: load_catalog_files(catalog))
        fact_fast = best_of(REPEATS, lambda: [load_plain_all(t) for t in fact_texts])
        fact_per_file = best_of(REPEATS, lambda: [read_fact_file(p, NOW) for p in fact_paths])
        fact_whole = best_of(REPEATS, lambda: load_fact_files(facts, NOW))
        load_after = os.getloadavg()[0]

    print(f"YAML reading — {machine()}; load average {load:.2f} before, {load_after:.2f} after")
    print(
        f"  {args.entities:,} entities in {len(texts)} files, {size_mb:.1f} MB; "
        f"facts in {len(fact_texts)} files, {facts_mb:.1f} MB; best of {REPEATS}"
    )
    print(f"  files the fast path declined          {declined:6d}")
    print(f"  yaml.CSafeLoader (baseline)          {baseline:6.2f} s")
    print(f"  load_located_all (lines + limits)    {bounded:6.2f} s  ({bounded / baseline:.2f}x)")
    print(f"  load_plain_all (fast path)           {fast:6.2f} s  ({fast / baseline:.2f}x)")
    print(f"  read_catalog_file, each file         {per_file:6.2f} s")
    print(f"  load_catalog_files (read + shape)    {whole:6.2f} s")
    print(f"  facts: load_plain_all (fast path)    {fact_fast:6.2f} s")
    print(f"  facts: read_fact_file, each file     {fact_per_file:6.2f} s")
    print(f"  facts: load_fact_files               {fact_whole:6.2f} s")
    print("  refusing hostile files (located loader; fast path declining):")
    for name, text in _hostile_texts().items():
        refusal = _refusal_seconds(text) * 1000
        print(f"    {name:<40} {refusal:8.1f} ms {_decline_seconds(text) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
