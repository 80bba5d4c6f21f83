"""The catalog-file source: Backstage catalog-info.yaml files from disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scorecards.errors import CatalogError
from scorecards.formats.yaml_fast import load_plain_all
from scorecards.formats.yamlfile import load_located_all
from scorecards.records.entities import normalize_entity
from scorecards.records.refs import entity_ref
from scorecards.sources.catalog.files import load_catalog_files, read_catalog_file
from tests.conftest import REPO_ROOT

PAYMENTS = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Payments-API
  annotations:
    github.com/project-slug: acme/payments-api
spec:
  type: service
  lifecycle: production
  owner: team-payments
"""

SEARCH = """
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search
  namespace: Platform
spec:
  type: service
  lifecycle: experimental
  owner: team-search
"""

TEAM = """
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
spec:
  type: team
  children: []
"""


def write(folder: Path, name: str, *documents: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---".join(textwrap.dedent(d) for d in documents))
    return path


def refs(location: str | Path) -> list[str]:
    return sorted(entity_ref(e) for e in load_catalog_files(location))


def catalog_error(location: str | Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog_files(location)
    return str(caught.value)


def test_a_single_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS)
    assert refs(path) == ["component:default/payments-api"]


def test_every_document_of_a_multi_document_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, SEARCH, TEAM)
    assert refs(path) == [
        "component:default/payments-api",
        "component:platform/search",
        "group:default/team-payments",
    ]


def test_empty_documents_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, "\n", TEAM)
    assert len(refs(path)) == 2


def test_a_folder_is_read_recursively_for_yaml_and_yml_files(tmp_path: Path) -> None:
    write(tmp_path, "services/payments/catalog-info.yaml", PAYMENTS)
    write(tmp_path, "services/search/catalog-info.yml", SEARCH)
    write(tmp_path, "org.yaml", TEAM)
    (tmp_path / "README.md").write_text("# not a catalog file\n")
    assert len(refs(tmp_path)) == 3


def test_a_glob_reads_only_the_files_it_matches(tmp_path: Path) -> None:
    write(tmp_path, "services/payments/catalog-info.yaml", PAYMENTS)
    write(tmp_path, "services/search/catalog-info.yaml", SEARCH)
    write(tmp_path, "org.yaml", TEAM)
    assert refs(f"{tmp_path}/services/*/catalog-info.yaml") == [
        "component:default/payments-api",
        "component:platform/search",
    ]


def test_refs_are_lower_cased_with_the_default_namespace(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS)
    assert refs(path) == ["component:default/payments-api"]


def test_entity_documents_keep_their_own_spelling(tmp_path: Path) -> None:
    (entity,) = load_catalog_files(write(tmp_path, "catalog-info.yaml", PAYMENTS))
    assert entity["metadata"]["name"] == "Payments-API"
    assert entity["metadata"]["namespace"] == "default"


def test_the_managed_by_location_annotation_is_added(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS)
    (entity,) = load_catalog_files(path)
    annotations = entity["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == f"file:{path.resolve()}"
    assert annotations["github.com/project-slug"] == "acme/payments-api"


def test_an_existing_managed_by_location_annotation_is_kept(tmp_path: Path) -> None:
    text = PAYMENTS.replace(
        "    github.com/project-slug: acme/payments-api",
        "    backstage.io/managed-by-location: url:https://github.com/acme/payments-api",
    )
    (entity,) = load_catalog_files(write(tmp_path, "catalog-info.yaml", text))
    annotations = entity["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == (
        "url:https://github.com/acme/payments-api"
    )


def test_an_entity_without_annotations_gets_an_annotations_map(tmp_path: Path) -> None:
    (entity,) = load_catalog_files(write(tmp_path, "org.yaml", TEAM))
    assert set(entity["metadata"]["annotations"]) == {
        "backstage.io/managed-by-location",
        "backstage.io/managed-by-origin-location",
    }


def test_an_unquoted_date_stays_text_as_in_backstage(tmp_path: Path) -> None:
    text = PAYMENTS + "  since: 2024-01-31\n"
    (entity,) = load_catalog_files(write(tmp_path, "catalog-info.yaml", text))
    assert entity["spec"]["since"] == "2024-01-31"


def test_a_document_that_is_not_a_mapping_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", "- just\n- a list\n")
    message = catalog_error(path)
    assert f"{path}:1: not a Backstage entity: an entity must be a mapping, got list" in message


def test_a_document_without_a_kind_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, SEARCH.replace("kind: Component\n", ""))
    line = path.read_text().splitlines().index("---") + 2
    message = catalog_error(path)
    assert f"{path}:{line}: not a Backstage entity: missing kind" in message
    assert "an entity needs apiVersion, kind and metadata.name" in message


def test_a_document_without_a_name_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS.replace("  name: Payments-API\n", ""))
    message = catalog_error(path)
    assert f"{path}:2: not a Backstage entity: metadata.name must be a non-empty string" in message


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS.replace("type: service", "type: [service"))
    line = path.read_text().splitlines().index("  type: [service") + 1
    message = catalog_error(path)
    # The parser notices the unclosed bracket where the next key starts.
    assert f"{path}:{line + 1}: YAML syntax error" in message


def test_an_entity_defined_twice_is_an_error_naming_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a/catalog-info.yaml", PAYMENTS)
    second = write(
        tmp_path, "b/catalog-info.yaml", TEAM, PAYMENTS.replace("Payments-API", "payments-api")
    )
    line = second.read_text().splitlines().index("---") + 2
    message = catalog_error(tmp_path)
    assert (
        f"{second}:{line}: entity component:default/payments-api is defined twice "
        f"(first at {first}:2)"
    ) in message


def test_every_bad_document_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- a list\n")
    write(tmp_path, "b.yaml", PAYMENTS.replace("kind: Component\n", ""))
    write(tmp_path, "c.yaml", "kind: [\n")
    message = catalog_error(tmp_path)
    assert message.startswith("3 problem(s) in the catalog")
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        assert f"{tmp_path / name}:" in message


@pytest.mark.parametrize(
    ("annotations", "shape"),
    [("[pagerduty.com/service-id, P1]", "a list"), ("pagerduty", "a string")],
)
def test_annotations_that_are_not_a_mapping_are_an_error_naming_the_entity_and_field(
    tmp_path: Path, annotations: str, shape: str
) -> None:
    bad = SEARCH.replace("  namespace: Platform\n", f"  annotations: {annotations}\n")
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, bad)
    message = catalog_error(path)
    line = path.read_text().splitlines().index(f"  annotations: {annotations}") + 1
    assert message == (
        "1 problem(s) in the catalog:\n"
        f"  {path}:{line}: entity component:default/search: metadata.annotations must be a "
        f"mapping of names to values, got {shape} — write one 'name: value' per line under "
        "annotations:"
    )


def test_labels_that_are_not_a_mapping_are_an_error_naming_the_entity_and_field(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        "catalog-info.yaml",
        PAYMENTS.replace("  annotations:", "  labels: [a]\n  annotations:"),
    )
    line = path.read_text().splitlines().index("  labels: [a]") + 1
    message = catalog_error(path)
    assert f"{path}:{line}: entity component:default/payments-api: metadata.labels must be" in (
        message
    )


def test_a_bad_entity_is_reported_with_every_other_bad_one(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", PAYMENTS.replace("  annotations:\n", "  annotations: oops\n  x:\n"))
    write(tmp_path, "b.yaml", SEARCH.replace("  name: search\n", ""))
    write(tmp_path, "c.yaml", TEAM)
    message = catalog_error(tmp_path)
    assert message.startswith("2 problem(s) in the catalog")
    assert "entity component:default/payments-api: metadata.annotations" in message
    assert f"{tmp_path / 'b.yaml'}:2: not a Backstage entity: metadata.name" in message


def test_a_location_that_matches_nothing_is_an_error_saying_what_to_pass(tmp_path: Path) -> None:
    message = catalog_error(tmp_path / "services/*/catalog-info.yaml")
    assert "names no YAML files" in message
    assert "a folder of them, or a glob" in message


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert "names no YAML files" in catalog_error(tmp_path)


def test_the_bundled_example_catalog_loads() -> None:
    entities = load_catalog_files(REPO_ROOT / "examples" / "catalog")
    kinds = {e["kind"] for e in entities}
    assert len(entities) >= 40
    assert {"Component", "Group", "User", "System", "API", "Resource"} <= kinds


def test_one_file_is_read_into_its_entities_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, TEAM)
    entities, problems = read_catalog_file(path)
    assert [entity_ref(e) for e in entities] == [
        "component:default/payments-api",
        "group:default/team-payments",
    ]
    assert problems == []


def test_one_file_with_a_bad_document_gives_its_line_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "catalog-info.yaml", TEAM, PAYMENTS.replace("kind: Component\n", ""))
    assert load_plain_all(path.read_text()) is not None  # read by the fast path first
    entities, problems = read_catalog_file(path)
    line = path.read_text().splitlines().index("---") + 2
    assert [entity_ref(e) for e in entities] == ["group:default/team-payments"]
    assert problems == [
        f"{path}:{line}: not a Backstage entity: missing kind — " + problems[0].split(" — ", 1)[1]
    ]


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_bytes(b"kind: \xff\n")
    entities, problems = read_catalog_file(path)
    assert entities == []
    assert len(problems) == 1 and problems[0].startswith(f"{path}: cannot be read:")


def test_the_example_catalog_reads_the_same_through_the_fast_path() -> None:
    for path in sorted((REPO_ROOT / "examples" / "catalog").glob("*.yaml")):
        text = path.read_text()
        assert load_plain_all(text) is not None, f"{path} declined the fast path"
        located = [normalize_entity(d) for d in load_located_all(text) if d is not None]
        entities, _ = read_catalog_file(path)
        for entity in entities:
            for key in (
                "backstage.io/managed-by-location",
                "backstage.io/managed-by-origin-location",
            ):
                del entity["metadata"]["annotations"][key]
        assert entities == located


def test_an_entity_defined_twice_in_one_file_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "catalog-info.yaml", PAYMENTS, TEAM, PAYMENTS)
    second = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line == "---"][1]
    message = catalog_error(tmp_path)
    assert (
        f"{path}:{second + 1}: entity component:default/payments-api is defined twice "
        f"(first at {path}:2)"
    ) in message
