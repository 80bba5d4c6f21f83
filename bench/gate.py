"""Release-gate latency against a running server, beside a trivial request in the same run.

Seeds a temporary SQLite store from the bundled examples (checks/, examples/catalog,
examples/facts) with the real run pipeline, starts `scorecards serve` on a free
loopback port, then times N sequential `POST /api/v1/gate` requests and N
`GET /healthz` requests (the baseline: routing, one store ping, JSON) over one
keep-alive connection. Then what a CI step waits for, each a fresh process, taken in
turns so that the machine's load weighs on all alike: the whole `scorecards gate
--server` CLI (interpreter start-up included), `curl` of the same `POST /api/v1/gate`
(the least a CI step can spend asking), and `python -c pass`. The CLI's p50 is set
against curl's and against the 0.3 s target (issue 17).

    python bench/gate.py [--requests 500] [--cli-runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorecards.engine.loading import load_definitions  # noqa: E402
from scorecards.formats.timeutil import utcnow  # noqa: E402
from scorecards.runs.orchestrator import run_in_process  # noqa: E402
from scorecards.sources.catalog.files import load_catalog_files  # noqa: E402
from scorecards.sources.fact_files import load_fact_files  # noqa: E402
from scorecards.stores import open_store  # noqa: E402

ENTITY = "component:default/payments-api"
QUESTION = {
    "entity": ENTITY,
    "scorecard": "service-maturity",
    "min_level": "Silver",
    "max_age": "1d",
}
CLI_TARGET = 0.3  # seconds, p50 of the whole `scorecards gate --server` (issue 17, item 5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(folder: Path) -> tuple[str, int]:
    url = f"sqlite:///{folder / 'bench.db'}"
    now = utcnow()
    definitions = load_definitions(ROOT / "checks", now=now)
    entities = load_catalog_files(ROOT / "examples" / "catalog")
    facts = load_fact_files(ROOT / "examples" / "facts", now)
    store = open_store(url)
    try:
        run_in_process(store, definitions, entities, facts, now)
    finally:
        store.close()
    return url, len(entities)


def start_server(folder: Path, store_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env |= {"SCORECARDS_CONFIG": os.devnull, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "scorecards", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--store", store_url, "--definitions", str(ROOT / "checks")]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not answer on {url} within 60s")


def timed(call: Callable[[], None], count: int) -> list[float]:
    call()  # warm-up: first-request imports and caches are not what CI waits for twice
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(name: str, seconds: list[float], baseline: list[float] | None = None) -> None:
    p50, p95 = percentile(seconds, 0.50) * 1000, percentile(seconds, 0.95) * 1000
    line = f"{name:<34} n={len(seconds):<5} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms"
    if baseline is not None:
        ratio50 = statistics.median(seconds) / statistics.median(baseline)
        ratio95 = percentile(seconds, 0.95) / percentile(baseline, 0.95)
        line += f"   x{ratio50:.1f} p50, x{ratio95:.1f} p95 vs /healthz"
    print(line, flush=True)


def whole_processes(folder: Path, url: str, runs: int) -> None:
    """The CLI, curl and `python -c pass`, a fresh process each, in turns; their p50s."""
    command = [sys.executable, "-m", "scorecards", "gate", ENTITY]
    command += ["--scorecard", "service-maturity", "--min-level", "Silver", "--max-age", "1d"]
    command += ["--server", url]  # the question QUESTION asks, as curl sends it
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORECARDS_")}
    env |= {"SCORECARDS_CONFIG": os.devnull, "PYTHONPATH": str(ROOT)}
    curl = shutil.which("curl")
    question = json.dumps(QUESTION).encode()

    def cli() -> None:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, check=False)
        assert done.returncode in (0, 1, 2) and b"component:default/payments-api" in done.stdout

    def curl_post() -> None:
        assert curl is not None
        asked = [curl, "-sS", "-X", "POST", "-H", "content-type: application/json", "-d", "@-"]
        done = subprocess.run(
            [*asked, f"{url}/api/v1/gate"], input=question, capture_output=True, check=True
        )
        assert json.loads(done.stdout)["decision"] in ("pass", "fail", "undecidable")

    def startup() -> None:
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)

    kinds: dict[str, Callable[[], None]] = {"python -c pass": startup, "cli": cli}
    if curl is not None:
        kinds["curl"] = curl_post
    print(f"load before {os.getloadavg()}", flush=True)
    seconds: dict[str, list[float]] = {name: [] for name in kinds}
    for call in kinds.values():
        call()  # warm-up: the first run of each reads its files from disk
    for _ in range(runs):
        for name, call in kinds.items():
            start = time.perf_counter()
            call()
            seconds[name].append(time.perf_counter() - start)
    print(f"load after  {os.getloadavg()}", flush=True)
    report("python -c pass (interpreter only)", seconds["python -c pass"])
    if curl is None:
        print("curl: not found on PATH, its line and the ratio to it are skipped")
    else:
        report("curl POST /api/v1/gate (process)", seconds["curl"])
    report("scorecards gate --server (whole)", seconds["cli"])
    cli_p50 = statistics.median(seconds["cli"])
    verdict = "met" if cli_p50 <= CLI_TARGET else "NOT met"
    line = f"scorecards gate --server p50 {cli_p50:.3f} s: target {CLI_TARGET} s {verdict}"
    if curl is not None:
        line += f"; x{cli_p50 / statistics.median(seconds['curl']):.1f} curl's p50"
    line += f"; x{cli_p50 / statistics.median(seconds['python -c pass']):.1f} python -c pass"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--cli-runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scorecards-bench-") as temp:
        folder = Path(temp)
        store_url, entities = seed(folder)
        process, url = start_server(folder, store_url)
        try:
            print(f"server {url}, {entities} entities scored; gate asks {QUESTION}")
            with httpx.Client(base_url=url, timeout=10) as client:

                def health() -> None:
                    client.get("/healthz").raise_for_status()

                def gate() -> None:
                    answer = client.post("/api/v1/gate", json=QUESTION)
                    answer.raise_for_status()
                    assert answer.json()["decision"] in ("pass", "fail", "undecidable")

                baseline = timed(health, args.requests)
                gated = timed(gate, args.requests)
            report("GET /healthz (baseline)", baseline)
            report("POST /api/v1/gate", gated, baseline)
            if args.cli_runs > 0:
                whole_processes(folder, url, args.cli_runs)
        finally:
            process.terminate()
            process.wait(timeout=15)


if __name__ == "__main__":
    main()
