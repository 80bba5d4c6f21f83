"""Reading entity documents: the owner as a full ref, and the minimal shape."""

from __future__ import annotations

import pytest

from scorecards.records.entities import owner_ref, shape_problem


def component(owner: object, namespace: str | None = None) -> dict[str, object]:
    metadata: dict[str, object] = {"name": "a"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"kind": "Component", "metadata": metadata, "spec": {"owner": owner}}


def test_a_bare_owner_name_is_a_group_in_the_entity_namespace() -> None:
    assert owner_ref(component("payments-team", "finance")) == "group:finance/payments-team"


def test_a_bare_owner_name_without_a_namespace_is_in_default() -> None:
    assert owner_ref(component("payments-team")) == "group:default/payments-team"


def test_an_owner_with_a_kind_keeps_it_and_is_lower_cased() -> None:
    assert owner_ref(component("User:Tom.Baker", "finance")) == "user:finance/tom.baker"


def test_an_owner_naming_its_namespace_keeps_it() -> None:
    assert owner_ref(component("group:default/sre", "finance")) == "group:default/sre"


def test_no_owner_or_a_malformed_one_gives_none() -> None:
    assert owner_ref({"kind": "Component", "metadata": {"name": "a"}, "spec": {}}) is None
    assert owner_ref(component("")) is None
    assert owner_ref(component(42)) is None
    assert owner_ref(component("a/b/c")) is None


@pytest.mark.parametrize("field", ["annotations", "labels"])
@pytest.mark.parametrize("value", [["a", "b"], "a", 3])
def test_annotations_or_labels_that_are_not_a_mapping_are_a_shape_problem_naming_the_field(
    field: str, value: object
) -> None:
    document = {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a", field: value}}
    problem = shape_problem(document)
    assert problem is not None
    assert problem.field == ("metadata", field)
    assert str(problem).startswith(f"metadata.{field} must be a mapping of names to values, got ")


def test_absent_or_null_annotations_are_no_shape_problem() -> None:
    document = {"apiVersion": "v1", "kind": "Component", "metadata": {"name": "a"}}
    assert shape_problem(document) is None
    assert shape_problem({**document, "metadata": {"name": "a", "annotations": None}}) is None
