"""Pushed facts are checked against their source's declared schema; a source without one
takes no pushes. The README's own definitions and `curl` example are what is served."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import TOKEN, ApiServer, ServerFactory
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
UNDECLARED = """
sources:
  - id: deploys
    type: push
"""


def readme_definitions() -> str:
    """The README's definitions example: the yaml block that declares the `ci` source."""
    blocks = re.findall(r"```yaml\n(.*?)```", README, re.DOTALL)
    (block,) = [b for b in blocks if "  - id: ci " in b and "checks:" in b]
    return str(block)


def readme_push_body() -> dict[str, Any]:
    """The body of the README's `curl ... /api/v1/facts` example."""
    match = re.search(r"curl [^`]*?/api/v1/facts.*?-d '(\{.*?\})'", README, re.DOTALL)
    assert match is not None, "the README shows no push example"
    body: dict[str, Any] = json.loads(match.group(1))
    return body


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory, tmp_path_factory: pytest.TempPathFactory) -> ApiServer:
    """A server on the README's definitions, plus a push source that declares no schema."""
    folder = tmp_path_factory.mktemp("definitions")
    (folder / "readme.yaml").write_text(readme_definitions(), encoding="utf-8")
    (folder / "undeclared.yaml").write_text(UNDECLARED, encoding="utf-8")
    return server_factory(SCORECARDS_DEFINITIONS=str(folder))


def push(server: ApiServer, body: dict[str, Any]) -> httpx.Response:
    with server.client(TOKEN) as client:
        return client.post("/api/v1/facts", json=body)


def with_values(body: dict[str, Any], **values: Any) -> dict[str, Any]:
    (fact,) = body["facts"]
    return {**body, "facts": [{**fact, "values": {**fact["values"], **values}}]}


def test_the_readme_push_example_is_accepted_by_the_readme_definitions(server):
    response = push(server, readme_push_body())
    assert response.status_code == 201, response.text


def test_a_mistyped_value_for_a_declared_schema_is_a_422_naming_the_field(server):
    response = push(server, with_values(readme_push_body(), coverage="high"))
    assert response.status_code == 422
    details = {d["field"]: d["message"] for d in response.json()["details"]}
    assert details == {"body.facts[0].values.coverage": "string 'high' is not a float"}


def test_a_push_to_a_source_without_a_schema_is_a_422_saying_how_to_declare_one(server):
    body = {**readme_push_body(), "source": "deploys"}
    response = push(server, body)
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "source 'deploys' declares no fact schema" in message
    assert "schema: {coverage: {type: float}}" in message


def test_validate_warns_of_a_push_source_without_a_schema(tmp_path: Path):
    from scorecards.engine.loading import load_definitions

    (tmp_path / "undeclared.yaml").write_text(UNDECLARED, encoding="utf-8")
    definitions = load_definitions(tmp_path)
    (warning,) = definitions.warnings
    assert str(warning).startswith(f"{tmp_path / 'undeclared.yaml'}:3: source 'deploys': ")
    assert "declares no schema" in str(warning)
