"""`POST /api/v1/what-if` with hostile YAML on a real server: alias bombs, deep nesting and
duplicate keys are a 422 naming the sent file and line, and the server keeps answering."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import TOKEN, ApiServer
from tests.core.yaml_inputs import alias_bomb, flow_nesting, line_with, placed

from .test_what_if import AT


def post_files(server: ApiServer, files: dict[str, str]) -> Any:
    with server.client(TOKEN) as client:
        return client.post("/api/v1/what-if", json={"files": files, "at": AT}, timeout=60)


def only_detail(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text[:500]
    details = response.json()["details"]
    assert len(details) == 1, details
    return dict(details[0])


def test_an_alias_bomb_sent_to_what_if_is_a_422_naming_the_file_and_line(api: ApiServer) -> None:
    text = placed("definitions", alias_bomb(9))
    detail = only_detail(post_files(api, {"bomb.yaml": text}))
    assert detail["file"] == "bomb.yaml"
    assert detail["line"] == line_with(text, "l4: &l4")
    assert "YAML aliases here expand beyond the limit" in detail["message"]


def test_yaml_nested_a_thousand_levels_sent_to_what_if_is_a_422(api: ApiServer) -> None:
    detail = only_detail(post_files(api, {"deep.yaml": placed("definitions", flow_nesting(1000))}))
    assert "YAML nests deeper than 64 levels" in detail["message"]


def test_a_duplicate_rule_key_sent_to_what_if_is_a_422_naming_the_line(api: ApiServer) -> None:
    text = "checks:\n  - id: a\n    name: A\n    rule: 'true'\n    rule: 'false'\n"
    detail = only_detail(post_files(api, {"dup.yaml": text}))
    assert (detail["file"], detail["line"]) == ("dup.yaml", 5)
    assert "duplicate key 'rule' (first at line 4)" in detail["message"]


HOSTILE_PIECES = [
    alias_bomb(9),
    flow_nesting(2000),
    "a: 1\na: 2\n",
    "x: &x [*x]\n",
    "x: !!binary aGVsbG8=\n",
    "x: .nan\n",
    "x: 0x" + "f" * 3000 + "\n",
    'x: "\\ud800"\n',
    "checks: oops\n",
    "- a list\n",
    "? [a, b]\n: c\n",
]


@settings(
    max_examples=25,
    deadline=None,  # the request has its own timeout; the server is shared with other tests
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(pieces=st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=3))
def test_hostile_yaml_sent_to_what_if_is_always_a_422_and_the_server_keeps_answering(
    api: ApiServer, pieces: list[str]
) -> None:
    files = {f"f{index}.yaml": piece for index, piece in enumerate(pieces)}
    response = post_files(api, files)
    assert response.status_code == 422, response.text[:500]
    assert response.json()["error"]["message"].startswith("the edited definitions are not valid")
    with api.client() as client:
        assert client.get("/healthz", timeout=10).status_code == 200
