"""Catalog facts: owners resolved against the catalog, and the group tree for rollups."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scorecards.records.catalog_facts import catalog_fact_values, catalog_facts
from scorecards.records.fact_schemas import CATALOG_FACT_SCHEMA, CATALOG_SOURCE
from scorecards.records.refs import entity_ref, resolve_ref
from scorecards.sources.catalog.files import load_catalog_files
from tests.conftest import NOW, REPO_ROOT
from tests.sources.backstage_server import recorded_entities

EXAMPLES = load_catalog_files(REPO_ROOT / "examples" / "catalog")
VALUES = catalog_fact_values(EXAMPLES)


def entity(kind: str, name: str, namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def test_a_component_owned_by_a_group_that_no_longer_exists_has_no_existing_owner():
    assert VALUES["component:default/legacy-batch"] == {
        "owner_exists": False,
        "owner_ref": "group:default/old-payments-team",
        "owner_kind": "group",
        "dependents": 0,
    }
    assert VALUES["component:default/chargeback-service"]["owner_exists"] is False


def test_only_the_components_of_teams_reorganised_away_lack_an_existing_owner():
    orphans = sorted(ref for ref, facts in VALUES.items() if facts.get("owner_exists") is False)

    assert orphans == ["component:default/chargeback-service", "component:default/legacy-batch"]


def test_a_component_owned_by_an_existing_group_has_an_existing_owner():
    facts = VALUES["component:default/payments-api"]

    assert facts["owner_exists"] is True
    assert facts["owner_ref"] == "group:default/payments-team"
    assert facts["owner_kind"] == "group"


def test_a_user_can_own_a_component():
    facts = VALUES["component:default/status-page"]

    assert facts["owner_exists"] is True
    assert facts["owner_ref"] == "user:default/tom.baker"
    assert facts["owner_kind"] == "user"


def test_a_short_owner_defaults_to_a_group_in_the_entity_namespace():
    entities = [
        entity("Group", "Payments-Team", namespace="finance"),
        entity("Component", "api", namespace="finance", owner="Payments-Team"),
    ]

    facts = catalog_fact_values(entities)["component:finance/api"]

    assert facts["owner_ref"] == "group:finance/payments-team"
    assert facts["owner_exists"] is True


def test_an_owner_that_names_neither_a_group_nor_a_user_does_not_count():
    entities = [entity("System", "core", owner="x"), entity("Component", "a", owner="system:core")]

    facts = catalog_fact_values(entities)["component:default/a"]

    assert facts["owner_exists"] is False
    assert facts["owner_kind"] == "system"


def test_a_component_without_an_owner_has_no_existing_owner_and_no_owner_ref():
    facts = catalog_fact_values([entity("Component", "a", type="service")])

    assert facts["component:default/a"] == {"owner_exists": False, "dependents": 0}


def test_a_malformed_owner_is_not_an_owner():
    facts = catalog_fact_values([entity("Component", "a", owner=["team"])])

    assert facts["component:default/a"]["owner_exists"] is False
    assert "owner_ref" not in facts["component:default/a"]


def test_a_deprecated_library_still_used_by_a_service_has_a_dependent():
    assert VALUES["component:default/iso8583-codec"]["dependents"] == 1


def test_dependents_count_distinct_existing_entities_naming_it_in_depends_on_or_consumes_apis():
    entities = [
        entity("API", "orders", owner="t"),
        entity("Component", "orders", owner="t"),
        entity("Component", "web", dependsOn=["component:orders"], consumesApis=["orders"]),
        entity("Component", "batch", consumesApis=["api:default/orders"]),
        entity("Component", "cli", dependsOn=["orders"]),  # dependsOn must name the kind
    ]

    facts = catalog_fact_values(entities)

    assert facts["api:default/orders"]["dependents"] == 2
    assert facts["component:default/orders"]["dependents"] == 1


def test_groups_know_their_parent_ancestors_and_member_count():
    assert VALUES["group:default/payments-team"] == {
        "parent": "group:default/engineering",
        "ancestors": ["group:default/engineering", "group:default/acme-pay"],
        "members": 3,
    }


def test_the_root_group_has_no_parent_and_no_ancestors():
    assert VALUES["group:default/acme-pay"] == {"ancestors": [], "members": 0}


def test_a_parent_listed_only_through_its_children_is_found():
    entities = [entity("Group", "org", children=["team"]), entity("Group", "team")]

    assert catalog_fact_values(entities)["group:default/team"] == {
        "parent": "group:default/org",
        "ancestors": ["group:default/org"],
        "members": 0,
    }


def test_a_missing_parent_is_named_but_not_climbed():
    facts = catalog_fact_values([entity("Group", "team", parent="gone")])

    assert facts["group:default/team"]["parent"] == "group:default/gone"
    assert facts["group:default/team"]["ancestors"] == []


def test_a_parent_cycle_ends_the_climb():
    entities = [entity("Group", "a", parent="b"), entity("Group", "b", parent="a")]

    facts = catalog_fact_values(entities)

    assert facts["group:default/a"]["ancestors"] == ["group:default/b"]
    assert facts["group:default/b"]["ancestors"] == ["group:default/a"]


def test_a_member_named_from_both_sides_counts_once_and_only_existing_users_count():
    entities = [
        entity("Group", "team", members=["ann", "ghost"]),
        entity("User", "ann", memberOf=["team"]),
        entity("User", "bob", memberOf=["group:default/team"]),
    ]

    facts = catalog_fact_values(entities)

    assert facts["group:default/team"]["members"] == 2
    assert facts["user:default/bob"] == {"member_of": ["group:default/team"]}


def test_users_list_the_groups_they_belong_to():
    assert VALUES["user:default/tom.baker"] == {"member_of": ["group:default/merchant-experience"]}


def test_every_entity_gets_a_catalog_fact_even_when_no_fact_applies():
    facts = catalog_facts([*EXAMPLES, entity("Location", "extra", targets=[])], NOW)

    assert len(facts) == len(EXAMPLES) + 1
    assert {f.source for f in facts} == {CATALOG_SOURCE}
    assert {f.timestamp for f in facts} == {NOW}
    location = next(f for f in facts if f.entity_ref == "location:default/extra")
    assert location.values == {}


def test_the_facts_agree_with_the_relations_the_real_catalog_computed():
    served = recorded_entities()  # as @backstage/plugin-catalog-backend served the examples
    facts = catalog_fact_values(served)
    refs = {entity_ref(e) for e in served}

    for item in served:
        ref = entity_ref(item)
        relations = {(r["type"], r["targetRef"]) for r in item["relations"]}
        if "owner_ref" in facts[ref]:
            assert ("ownedBy", facts[ref]["owner_ref"]) in relations, ref
        if "dependents" in facts[ref]:
            dependents = {t for kind, t in relations if kind in ("dependencyOf", "apiConsumedBy")}
            assert facts[ref]["dependents"] == len(dependents), ref
        if item["kind"] == "Group":
            parents = {t for kind, t in relations if kind == "childOf"}
            assert parents == ({facts[ref]["parent"]} if "parent" in facts[ref] else set()), ref
            members = {t for kind, t in relations if kind == "hasMember" and t in refs}
            assert facts[ref]["members"] == len(members), ref
        if item["kind"] == "User":
            groups = sorted(t for kind, t in relations if kind == "memberOf" and t in refs)
            assert facts[ref]["member_of"] == groups, ref


def test_every_fact_written_is_declared_in_the_fact_schema_with_its_type():
    python_types = {"boolean": bool, "string": str, "integer": int, "set": list}

    for facts in VALUES.values():
        for name, value in facts.items():
            declared = CATALOG_FACT_SCHEMA[name]
            assert isinstance(value, python_types[declared.type]), (name, value)
            assert declared.description


def test_refs_resolve_like_backstage_parses_them():
    assert resolve_ref("team", "group", "ns") == "group:ns/team"
    assert resolve_ref("user:bob", "group", "ns") == "user:ns/bob"
    assert resolve_ref("other/team", "group", "ns") == "group:other/team"
    assert resolve_ref(" Group:Default/Team ", "group", "ns") == "group:default/team"
    assert resolve_ref("a/b/c", "group", "ns") is None
    assert resolve_ref("", "group", "ns") is None
    assert resolve_ref(None, "group", "ns") is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Component", "Group", "User", "API", "Location"]),
            st.sampled_from(["a", "b", "c", "team"]),
            st.dictionaries(
                st.sampled_from(["owner", "parent", "children", "members", "memberOf"]),
                json_values,
                max_size=4,
            ),
        ),
        max_size=8,
    )
)
def test_any_spec_values_give_facts_of_the_declared_types(specs):
    entities = [entity(kind, name, **spec) for kind, name, spec in specs]

    values = catalog_fact_values(entities)

    python_types = {"boolean": bool, "string": str, "integer": int, "set": list}
    for facts in values.values():
        for name, value in facts.items():
            assert isinstance(value, python_types[CATALOG_FACT_SCHEMA[name].type])
