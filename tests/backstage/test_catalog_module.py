"""Our catalog module (backstage/plugins/catalog-backend-module-scorecards) in the REAL
Backstage catalog: after `scorecards run` over the bundled examples and `scorecards serve`,
each entity the catalog processes carries its levels as labels the catalog API filters
on, and its scores and evaluation time as annotations; with scorecards stopped the
catalog goes on processing and keeps the last values.

Real packages (tests/backstage/modules/install.sh): backend-defaults, the catalog
backend, and our modules built with tsc, added with `backend.add(import(...))`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import TOKEN as SCORECARDS_TOKEN
from tests.api.conftest import ApiServer, start_server
from tests.backstage.scorecards_modules import (
    CATALOG_MODULE,
    TOKEN_VARIABLE,
    ModulesBackend,
    built_modules,
)
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.backstage

CATALOG_TOKEN = "scorecards-backstage-test-token"
EXAMPLES = sorted((REPO_ROOT / "examples" / "catalog").glob("*.yaml"))
SMALL = REPO_ROOT / "tests" / "data" / "cli"
SCORECARD = "service-maturity"
PREFIX = "scorecards.dev"
EVALUATED_AT = f"{PREFIX}/evaluated-at"


@pytest.fixture(scope="module")
def built() -> Path:
    return built_modules()


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The store of one `scorecards run` over the bundled examples, as the README's quick start."""
    return scorecards_run(tmp_path_factory.mktemp("run"))


def scorecards_run(folder: Path, *options: str) -> str:
    """`scorecards run` with `options` into a new store in `folder`; the store's URL."""
    url = f"sqlite:///{folder / 'scores.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORECARDS_", "GITHUB_"))}
    done = subprocess.run(
        [sys.executable, "-m", "scorecards", "run", "--store", url, *options],
        cwd=folder,
        env={**env, "SCORECARDS_CONFIG": os.devnull, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return url


def start_scorecards(folder: Path, store_url: str) -> ApiServer:
    # Reads need the token, so the module is seen to send it.
    return start_server(folder, store_url, SCORECARDS_API_READ_REQUIRES_TOKEN="true")


def start_backstage(
    built: Path, folder: Path, scorecards_url: str, refresh_seconds: int
) -> ModulesBackend:
    backend = ModulesBackend(
        built,
        folder,
        EXAMPLES,
        free_port(),
        CATALOG_TOKEN,
        features=[
            "require('@backstage/plugin-catalog-backend')",
            f"import('{CATALOG_MODULE}')",
        ],
        config={
            "scorecards": {
                "baseUrl": scorecards_url,
                "token": f"${{{TOKEN_VARIABLE}}}",
                "refreshSeconds": refresh_seconds,
                "timeoutSeconds": 5,
            },
            # Reprocess often, so the tests see changes in seconds rather than minutes.
            "catalog": {"processingInterval": {"seconds": 1}},
        },
        scorecards_token=SCORECARDS_TOKEN,
    )
    backend.start()
    return backend


@pytest.fixture(scope="module")
def scorecards(tmp_path_factory: pytest.TempPathFactory, store_url: str) -> Iterator[ApiServer]:
    server = start_scorecards(tmp_path_factory.mktemp("scorecards"), store_url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def listed(scorecards: ApiServer) -> dict[str, dict[str, Any]]:
    """Every scored entity as our own API lists it, by ref."""
    with scorecards.client(SCORECARDS_TOKEN) as client:
        response = client.get("/api/v1/entities", params={"limit": 500})
    response.raise_for_status()
    return {item["ref"]: item for item in response.json()["items"] if item["evaluated_at"]}


@pytest.fixture(scope="module")
def levels(scorecards: ApiServer) -> list[str]:
    """The levels of SCORECARD, lowest first."""
    with scorecards.client(SCORECARDS_TOKEN) as client:
        response = client.get(f"/api/v1/scorecards/{SCORECARD}")
    response.raise_for_status()
    return [level["name"] for level in response.json()["levels"]]


@pytest.fixture(scope="module")
def backstage(
    tmp_path_factory: pytest.TempPathFactory,
    built: Path,
    scorecards: ApiServer,
    listed: dict[str, dict[str, Any]],
) -> Iterator[ModulesBackend]:
    backend = start_backstage(built, tmp_path_factory.mktemp("backstage"), scorecards.url, 60)
    try:
        wait_until_annotated(backend, set(listed))
        yield backend
    finally:
        backend.stop()


def wait_until_annotated(backend: ModulesBackend, refs: set[str]) -> dict[str, dict[str, Any]]:
    def annotated() -> dict[str, dict[str, Any]] | None:
        entities = backend.entities()
        done = {r for r, e in entities.items() if EVALUATED_AT in annotations_of(e)}
        return entities if done >= refs else None

    found: dict[str, dict[str, Any]] = backend.wait_until(
        f"every scored entity carries {EVALUATED_AT}", annotated
    )
    return found


def annotations_of(entity: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = entity["metadata"].get("annotations") or {}
    return found


def labels(entity: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = entity["metadata"].get("labels") or {}
    return found


def ours(entity: dict[str, Any]) -> dict[str, str]:
    """The labels and annotations our module wrote on an entity."""
    both = {**labels(entity), **annotations_of(entity)}
    return {key: value for key, value in both.items() if key.startswith(f"{PREFIX}/")}


def expected_marks(item: dict[str, Any]) -> dict[str, str]:
    """What the module should write for an entity our API lists as `item`."""
    marks = {EVALUATED_AT: item["evaluated_at"]}
    for card in item["scorecards"]:
        marks[f"{PREFIX}/{card['id']}"] = (card["level"] or "none").lower()
        if card["score"] is not None:
            marks[f"{PREFIX}/{card['id']}-score"] = card["score"]
    return marks


def level_filter(level: str) -> str:
    return f"metadata.labels.{PREFIX}/{SCORECARD}={level.lower()}"


def test_a_label_filter_returns_exactly_the_entities_at_that_level(backstage, listed):
    silver = {
        ref
        for ref, item in listed.items()
        for card in item["scorecards"]
        if card["id"] == SCORECARD and card["level"] == "Silver"
    }
    assert silver, "the examples should have Silver entities"
    assert set(backstage.entities(level_filter("Silver"))) == silver


def test_label_filters_return_exactly_the_silver_or_better_entities(backstage, listed, levels):
    better = levels[levels.index("Silver") :]
    expected = {
        ref
        for ref, item in listed.items()
        for card in item["scorecards"]
        if card["id"] == SCORECARD and card["level"] in better
    }
    found = backstage.entities(*(level_filter(level) for level in better))
    assert set(found) == expected
    assert len(expected) < len(listed)


def test_entities_without_a_level_are_labelled_none(backstage, listed):
    unlevelled = {
        ref
        for ref, item in listed.items()
        for card in item["scorecards"]
        if card["id"] == SCORECARD and card["level"] is None
    }
    assert unlevelled
    assert set(backstage.entities(level_filter("none"))) == unlevelled


def test_every_scored_entity_carries_its_scores_levels_and_evaluation_time(backstage, listed):
    entities = backstage.entities()
    written = {ref: ours(entities[ref]) for ref in listed}
    expected = {ref: expected_marks(item) for ref, item in listed.items()}
    scores = {
        ref: {k: float(v) for k, v in marks.items() if k.endswith("-score")}
        for ref, marks in written.items()
    }
    assert scores == {
        ref: {k: float(v) for k, v in marks.items() if k.endswith("-score")}
        for ref, marks in expected.items()
    }
    assert {
        r: {k: v for k, v in m.items() if not k.endswith("-score")} for r, m in written.items()
    } == {r: {k: v for k, v in m.items() if not k.endswith("-score")} for r, m in expected.items()}


def test_entities_scorecards_has_not_scored_are_left_alone(backstage, listed):
    unscored = {ref: e for ref, e in backstage.entities().items() if ref not in listed}
    assert unscored, "the catalog's Location entities are not scored"
    assert {ref: ours(e) for ref, e in unscored.items()} == {ref: {} for ref in unscored}


NEW_ENTITY = """
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: added-while-scorecards-is-down
spec: {type: service, lifecycle: experimental, owner: group:default/payments-team}
"""


def test_with_scorecards_stopped_the_catalog_keeps_processing_and_the_last_values(
    tmp_path: Path, built: Path, store_url: str, listed: dict[str, dict[str, Any]]
) -> None:
    server = start_scorecards(tmp_path / "scorecards", store_url)
    backend = start_backstage(built, tmp_path / "backstage", server.url, 1)
    try:
        before = {ref: ours(e) for ref, e in wait_until_annotated(backend, set(listed)).items()}
        server.stop()
        components = backend.catalog_folder / "components.yaml"
        text = components.read_text()
        edited = text.replace("title: Payments API\n", "title: Edited\n", 1)
        assert edited != text
        components.write_text(edited + NEW_ENTITY)

        def processed() -> dict[str, dict[str, Any]] | None:
            entities = backend.entities()
            new = entities.get("component:default/added-while-scorecards-is-down")
            edits = entities["component:default/payments-api"]["metadata"].get("title")
            return entities if new is not None and edits == "Edited" else None

        after = backend.wait_until("the new and the edited entity are processed", processed)
        assert {ref: ours(after[ref]) for ref in before} == before
        assert ours(after["component:default/added-while-scorecards-is-down"]) == {}
        log = backend.log_path.read_text(errors="replace")
        assert log.count("cannot be read, so entities keep their last known") == 1, log[-3000:]
    finally:
        backend.stop()
        server.stop()


def test_unreachable_from_the_start_entities_are_ingested_unmarked_until_scorecards_answers(
    tmp_path: Path, built: Path, store_url: str, listed: dict[str, dict[str, Any]]
) -> None:
    port = free_port()
    nowhere = f"http://127.0.0.1:{port}"
    backend = start_backstage(built, tmp_path / "backstage", nowhere, 1)
    server = None
    try:
        backend.wait_for_entities(set(listed))
        entities = backend.entities()
        assert {ref: ours(e) for ref, e in entities.items()} == {ref: {} for ref in entities}
        server = start_server(
            tmp_path / "scorecards", store_url, port, SCORECARDS_API_READ_REQUIRES_TOKEN="true"
        )
        marked = wait_until_annotated(backend, set(listed))
        assert {ref: ours(marked[ref])[EVALUATED_AT] for ref in listed} == {
            ref: item["evaluated_at"] for ref, item in listed.items()
        }
        log = backend.log_path.read_text(errors="replace")
        # Read every second while down, yet one warning for the outage and one line at its end.
        assert log.count(f"scorecards at {nowhere} cannot be read") == 1, log[-3000:]
        assert log.count(f"scorecards at {nowhere} answers again") == 1, log[-3000:]
    finally:
        backend.stop()
        if server is not None:
            server.stop()


def test_the_module_sends_the_token_scorecards_asks_for(scorecards):
    response = httpx.get(f"{scorecards.url}/api/v1/entities", timeout=10)
    assert response.status_code == 401


def test_level_names_become_valid_label_values(built: Path) -> None:
    names = ["Silver", "Gold Plus", "  Tier 1 (best)!", "x" * 80, None]
    module = built / "plugins" / "catalog-backend-module-scorecards"
    script = (
        f"const {{ labelValue }} = require({json.dumps(str(module))});"
        "const { KubernetesValidatorFunctions: k } = require('@backstage/catalog-model');"
        f"const values = {json.dumps(names)}.map(labelValue);"
        "console.log(JSON.stringify(values.map(v => [v, k.isValidLabelValue(v)])));"
    )
    done = subprocess.run(
        ["node", "-e", script],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        ["silver", True],
        ["gold-plus", True],
        ["tier-1-best", True],
        ["x" * 63, True],
        ["none", True],
    ]


LONG_ID = "a-scorecard-whose-id-is-longer-than-a-label-key-may-be-" + "x" * 10
LONG_SCORECARD = f"""
  - id: {LONG_ID}
    name: Long
    applies: entity.kind == "Component"
    checks: [has-owner]
    levels:
      - {{name: Gold Plus, checks: [has-owner]}}
"""
# Our processor, its cache and client as the module wires them, on an entity processed twice.
PROCESS_TWICE = """
const [plugins, baseUrl, token] = process.argv.slice(1);
const { ScorecardsClient } = require(`${plugins}/scorecards-node`);
const { CachedResults, ScorecardsEntityProcessor } = require(
  `${plugins}/catalog-backend-module-scorecards`);
const warnings = [];
const logger = { warn: m => warnings.push(m), info: () => {}, error: () => {}, debug: () => {},
  child: () => logger };
const client = new ScorecardsClient({ baseUrl, token, refreshSeconds: 60, timeoutSeconds: 10 });
const processor = new ScorecardsEntityProcessor(new CachedResults(client, logger, 60), logger);
const entity = { apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
  metadata: { name: 'payments-api' }, spec: {} };
(async () => {
  await processor.preProcessEntity(entity);
  const processed = await processor.preProcessEntity(entity);
  console.log(JSON.stringify({ metadata: processed.metadata, warnings }));
})();
"""


def test_a_scorecard_id_too_long_for_a_key_is_left_out_with_one_warning_per_key(
    tmp_path: Path, built: Path
) -> None:
    definitions = tmp_path / "checks"
    definitions.mkdir()
    (definitions / "basics.yaml").write_text(
        (SMALL / "checks" / "basics.yaml").read_text() + LONG_SCORECARD
    )
    no_facts = tmp_path / "no-facts"
    no_facts.mkdir()
    store = scorecards_run(
        tmp_path,
        *("--definitions", str(definitions), "--catalog", str(SMALL / "catalog")),
        *("--facts", str(no_facts)),
    )
    server = start_server(tmp_path / "server", store, SCORECARDS_DEFINITIONS=str(definitions))
    try:
        done = subprocess.run(
            ["node", "-e", PROCESS_TWICE, str(built / "plugins"), server.url, SCORECARDS_TOKEN],
            cwd=built,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    marks = {**result["metadata"]["labels"], **result["metadata"]["annotations"]}
    assert marks.keys() == {f"{PREFIX}/basics", f"{PREFIX}/basics-score", EVALUATED_AT}
    # One warning per key left out, though the entity was processed twice.
    label, annotation = result["warnings"]
    assert f"left out {PREFIX}/{LONG_ID}: it is not a valid label key" in label
    assert f"left out {PREFIX}/{LONG_ID}-score: it is not a valid annotation key" in annotation
