"""A whole `scorecards run` over 100,000 entities x 50 checks: wall time and peak memory.

Generates the catalog (the bundled examples copied, YAML files of 500 entities), the
pushed-style fact files and a 50-check definitions folder in a temporary folder, then
runs `python -m scorecards run` on them into a new embedded SQLite store under
`/usr/bin/time -v`, so the peak resident memory is the operating system's own account
of the process. Targets (issue 17): at most 25 s and 1 GB.

The baseline, measured in the same run on the same files: libyaml's CSafeLoader
reading the catalog and fact files, nothing else; the run's time is printed as a
multiple of it.

Usage: python -m bench.large_run [--entities 100000] [--checks 50]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import REPO, libyaml_seconds, machine
from bench.synthetic import write_catalog, write_definitions
from scorecards.formats.timeutil import utcnow

TARGET_SECONDS = 25.0
TARGET_BYTES = 1_000_000_000
TIME = "/usr/bin/time"


def measured_run(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes and the output of `command` under /usr/bin/time -v."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env |= {"SCORECARDS_CONFIG": os.devnull, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    result = subprocess.run(
        [TIME, "-v", *command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"the run failed ({result.returncode}):\n{result.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", result.stderr)
    if peak is None or wall is None:
        raise SystemExit(f"could not read /usr/bin/time's report:\n{result.stderr[-2000:]}")
    seconds = 0.0
    for part in wall.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, int(peak.group(1)) * 1024, result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=50)
    args = parser.parse_args(argv)
    if not Path(TIME).exists():
        print(f"{TIME} is not installed (Debian package `time`): peak memory cannot be read")
        return 2
    with tempfile.TemporaryDirectory(prefix="scorecards-large-") as folder:
        root = Path(folder)
        definitions = write_definitions(root / "definitions", args.checks)
        catalog, facts = write_catalog(root, args.entities, collected=utcnow())
        baseline = libyaml_seconds([catalog, facts])
        store = root / "scorecards.db"
        command = [sys.executable, "-m", "scorecards", "run", "--catalog", str(catalog)]
        command += ["--facts", str(facts), "--definitions", str(definitions)]
        command += ["--store", f"sqlite:///{store}"]
        seconds, peak, output = measured_run(command, root)
        size = store.stat().st_size + sum(
            p.stat().st_size for p in root.glob("scorecards.db-*") if p.is_file()
        )
    print(f"Large run, embedded SQLite — {machine()}")
    print(f"  {args.entities:,} entities x {args.checks} checks, `scorecards run` whole process")
    print(f"  libyaml reading the same files (baseline)  {baseline:7.2f} s")
    print(
        f"  scorecards run                             {seconds:7.2f} s  "
        f"({seconds / baseline:.1f}x the baseline; {args.entities / seconds:,.0f} entities/s; "
        f"{'meets' if seconds <= TARGET_SECONDS else 'MISSES'} the {TARGET_SECONDS:g} s target)"
    )
    print(
        f"  peak resident memory                       {peak / 1e6:7.0f} MB "
        f"({'meets' if peak <= TARGET_BYTES else 'MISSES'} the {TARGET_BYTES / 1e9:g} GB target)"
    )
    print(
        f"  store                                      {size / args.entities / 1000:7.1f} KB/entity"
    )
    print("  " + (output.strip().splitlines() or ["(no output)"])[-1][:100])
    return 0 if seconds <= TARGET_SECONDS and peak <= TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
