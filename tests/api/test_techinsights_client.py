"""Backstage's own Tech Insights client (npm `@backstage-community/plugin-tech-insights-common`,
the class the Backstage frontend uses) against a real server: every call succeeds and
the results say what `scorecards score` says.

Needs Node and npm: tests/api/techinsights/install.sh installs the pinned client into
a cache folder outside the tracked tree (`.ci/run` may run it beforehand).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scorecards.cli import app
from scorecards.records.results import COUNTS_FOR, Status
from tests.api.conftest import ApiServer

pytestmark = pytest.mark.techinsights

HERE = Path(__file__).resolve().parent / "techinsights"
PROBE = HERE / "client-probe.cjs"
ENTITIES = [
    "component:default/payments-api",  # every check passes
    "component:default/legacy-batch",  # failing checks, no level
    "component:default/card-authorizer",  # an exemption
    "component:default/notification-service",  # unknown: no GitHub facts
    "api:default/fx-rates-api",  # another kind
]
INSTALL_SECONDS = 600
PROBE_SECONDS = 120


@pytest.fixture(scope="module")
def node_modules() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "Node and npm are not installed, so Backstage's Tech Insights client cannot run"
        )
    done = subprocess.run(
        ["bash", str(HERE / "install.sh")],
        capture_output=True,
        text=True,
        timeout=INSTALL_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"installing the Tech Insights client failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1]) / "node_modules"


def probe(server: ApiServer, node_modules: Path, ref: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(PROBE), f"{server.url}/api/tech-insights", ref],
        capture_output=True,
        text=True,
        timeout=PROBE_SECONDS,
        env={**os.environ, "NODE_PATH": str(node_modules)},
        check=False,
    )
    assert done.returncode == 0, f"the client failed for {ref}:\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def score(server: ApiServer, ref: str) -> dict[str, Any]:
    """What `scorecards score REF --format json` says about the server's store."""
    outcome = CliRunner().invoke(
        app,
        ["score", ref, "--format", "json", "--store", server.store_url],
    )
    assert outcome.exit_code == 0, outcome.output
    result: dict[str, Any] = json.loads(outcome.stdout)  # stderr may carry the demo note
    return result


@pytest.fixture(scope="module")
def probes(api: ApiServer, node_modules: Path) -> dict[str, dict[str, Any]]:
    return {ref: probe(api, node_modules, ref) for ref in ENTITIES}


@pytest.fixture(scope="module")
def scores(api: ApiServer) -> dict[str, dict[str, Any]]:
    return {ref: score(api, ref) for ref in ENTITIES}


@pytest.mark.parametrize("ref", ENTITIES)
def test_the_client_reads_every_check_as_a_json_rules_engine_check(probes, ref):
    checks = probes[ref]["checks"]
    assert checks
    assert {c["type"] for c in checks} == {"json-rules-engine"}
    assert all(isinstance(c["metadata"]["rank"], int) for c in checks)


@pytest.mark.parametrize("ref", ENTITIES)
def test_the_client_gets_the_results_scorecards_score_reports(scores, probes, ref):
    explained = scores[ref]
    expected = {
        c["check"]: Status(c["status"]) in COUNTS_FOR
        for c in explained["checks"]
        if c["status"] != Status.SKIP.value
    }
    results = {r["check"]["id"]: r["result"] for r in probes[ref]["run"]}
    assert {k: v for k, v in results.items() if ":at-least:" not in k} == expected
    assert all(isinstance(value, bool) for value in results.values())


@pytest.mark.parametrize("ref", ENTITIES)
def test_the_client_sees_the_level_scorecards_score_reports(scores, probes, ref):
    explained = scores[ref]
    checks = {c["id"]: c for c in probes[ref]["checks"]}
    results = {r["check"]["id"]: r["result"] for r in probes[ref]["run"]}
    for card in explained["scorecards"]:
        levels = [
            c["metadata"]["level"]
            for c in checks.values()
            if c["metadata"].get("scorecard") == card["scorecard"]
        ]
        reached = levels.index(card["level"]) if card["level"] else -1
        for index, level in enumerate(levels):
            assert results[f"{card['scorecard']}:at-least:{level}"] is (index <= reached)


@pytest.mark.parametrize("ref", ENTITIES)
def test_the_client_runs_named_checks_and_bulk_checks(probes, ref):
    out = probes[ref]
    first_two = [c["id"] for c in out["checks"][:2]]
    applicable = [r["check"]["id"] for r in out["run"] if r["check"]["id"] in first_two]
    assert [r["check"]["id"] for r in out["runSome"]] == applicable
    [entry] = out["bulk"]
    assert entry["entity"] == ref
    assert [r["check"]["id"] for r in entry["results"]] == applicable


@pytest.mark.parametrize("ref", ENTITIES)
def test_the_client_reads_the_facts_behind_the_checks(scores, probes, ref):
    out = probes[ref]
    fact_ids = {i for c in out["checks"] for i in c["factIds"]}
    assert set(out["facts"]) <= fact_ids
    flat = out["facts"]["scorecards"]["facts"]
    for card in scores[ref]["scorecards"]:
        assert flat.get(f"{card['scorecard']}.score") == card["score"]
    assert {s["id"] for s in out["factSchemas"]} >= {"scorecards", "github"}
