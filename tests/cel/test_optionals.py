"""Optional values: `optional.of`, `.?field`, `[?key]`, `orValue`, chaining, as cel-go defines them."""

from __future__ import annotations

from typing import Any

import pytest

from scorecards.cel import Activation, compile_expression
from scorecards.cel.values import NONE, Optional, Timestamp
from scorecards.errors import CelEvaluationError

ENTITY: dict[str, Any] = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Component",
    "metadata": {
        "name": "payments",
        "annotations": {
            "pagerduty.com/service-id": "P123",
            "github.com/project-slug": "acme/payments",
        },
        "tags": ["java", "tier-1"],
    },
    "spec": {"type": "service", "lifecycle": "production", "owner": "team-payments"},
}
BARE_ENTITY: dict[str, Any] = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Component",
    "metadata": {"name": "x"},
}


def evaluate(source: str, value: Any = None) -> Any:
    return compile_expression(source, ["x"]).evaluate(Activation({"x": value}))


def evaluate_entity(source: str, entity: dict[str, Any]) -> Any:
    return compile_expression(source, ["entity"]).evaluate(Activation({"entity": entity}))


# ------------------------------------------------------------------ scorecards' uses


def test_an_owner_read_through_optional_selection_gives_the_owner() -> None:
    assert evaluate_entity('entity.?spec.?owner.orValue("")', ENTITY) == "team-payments"


def test_an_owner_missing_from_the_entity_gives_the_default() -> None:
    assert evaluate_entity('entity.?spec.?owner.orValue("")', BARE_ENTITY) == ""


def test_a_present_annotation_has_a_value() -> None:
    source = 'entity.metadata.?annotations[?"pagerduty.com/service-id"].hasValue()'
    assert evaluate_entity(source, ENTITY) is True


def test_an_entity_without_annotations_has_no_pagerduty_service() -> None:
    source = 'entity.metadata.?annotations[?"pagerduty.com/service-id"].hasValue()'
    assert evaluate_entity(source, BARE_ENTITY) is False


def test_selection_after_an_optional_selection_stays_optional() -> None:
    assert evaluate_entity('entity.?spec.owner.orValue("nobody")', BARE_ENTITY) == "nobody"


def test_an_annotation_value_is_read_with_value() -> None:
    source = 'entity.metadata.?annotations[?"github.com/project-slug"].value()'
    assert evaluate_entity(source, ENTITY) == "acme/payments"


def test_or_falls_back_to_a_second_optional_read() -> None:
    source = 'entity.?spec.?system.or(entity.?spec.?owner).orValue("none")'
    assert evaluate_entity(source, ENTITY) == "team-payments"


def test_opt_map_transforms_a_present_value() -> None:
    source = "entity.metadata.?tags.optMap(t, t.size()).orValue(0)"
    assert evaluate_entity(source, ENTITY) == 2


def test_opt_map_of_an_absent_value_is_none() -> None:
    assert evaluate_entity("entity.metadata.?tags.optMap(t, t.size()).orValue(0)", BARE_ENTITY) == 0


# ------------------------------------------------------------------ constructing optionals


def test_optional_of_holds_its_value() -> None:
    assert evaluate("optional.of(x)", 42) == Optional(42)


def test_optional_of_null_has_a_value() -> None:
    assert evaluate("optional.of(null).hasValue()") is True


def test_optional_none_has_no_value() -> None:
    assert evaluate("optional.none().hasValue()") is False


@pytest.mark.parametrize("zero", [None, False, 0, 0.0, -0.0, "", b"", [], {}])
def test_of_non_zero_value_gives_none_for_a_zero_value(zero: Any) -> None:
    assert evaluate("optional.ofNonZeroValue(x)", zero) == NONE


def test_of_non_zero_value_gives_none_for_a_zero_duration() -> None:
    assert evaluate('optional.ofNonZeroValue(duration("0s")).hasValue()') is False


def test_of_non_zero_value_treats_the_unix_epoch_as_zero_as_protobuf_and_cel_cpp_do() -> None:
    assert evaluate("optional.ofNonZeroValue(timestamp(0)).hasValue()") is False


def test_of_non_zero_value_keeps_go_zero_time() -> None:
    year_one = Timestamp(-62_135_596_800 * 10**9)
    assert evaluate("optional.ofNonZeroValue(x).hasValue()", year_one) is True


@pytest.mark.parametrize("value", [1, -0.5, "a", [0], {"a": None}, True])
def test_of_non_zero_value_keeps_a_non_zero_value(value: Any) -> None:
    assert evaluate("optional.ofNonZeroValue(x)", value) == Optional(value)


def test_of_non_zero_value_keeps_an_empty_optional_as_a_value() -> None:
    assert evaluate("optional.ofNonZeroValue(optional.none()).hasValue()") is True


def test_the_type_of_an_optional_is_optional_type() -> None:
    assert evaluate("type(optional.of(1)) == optional_type") is True


# ------------------------------------------------------------------ reading optionals


def test_value_of_none_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match=r"optional.none\(\) dereference"):
        evaluate("optional.none().value()")


def test_has_value_of_a_plain_value_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload for 'hasValue'"):
        evaluate("x.hasValue()", 1)


def test_or_value_gives_the_held_value() -> None:
    assert evaluate("optional.of(1).orValue(2)") == 1


def test_or_value_of_none_gives_the_default() -> None:
    assert evaluate("optional.none().orValue(2)") == 2


def test_or_value_does_not_evaluate_an_unneeded_default() -> None:
    assert evaluate("optional.of(1).orValue(1 / 0)") == 1


def test_or_value_of_none_evaluates_the_default() -> None:
    with pytest.raises(CelEvaluationError, match="division by zero"):
        evaluate("optional.none().orValue(1 / 0)")


def test_or_value_on_a_plain_value_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload for 'orValue'"):
        evaluate("x.orValue(2)", 1)


def test_or_keeps_a_present_optional() -> None:
    assert evaluate("optional.of(1).or(optional.of(2))") == Optional(1)


def test_or_does_not_evaluate_an_unneeded_alternative() -> None:
    assert evaluate("optional.of(1).or(optional.of(1 / 0))") == Optional(1)


def test_or_of_none_gives_the_alternative() -> None:
    assert evaluate("optional.none().or(optional.of(2))") == Optional(2)


def test_or_needs_an_optional_alternative() -> None:
    with pytest.raises(CelEvaluationError, match="no matching overload for 'or'"):
        evaluate("optional.none().or(2)")


def test_a_long_chain_of_or_is_compiled() -> None:
    source = "optional.none()" + ".or(optional.none())" * 40 + ".orValue(7)"
    assert evaluate(source) == 7


# ------------------------------------------------------------------ optional chaining


def test_optional_selection_of_a_null_value_is_present() -> None:
    assert evaluate("x.?a.hasValue()", {"a": None}) is True


def test_selecting_a_field_of_an_optional_map_gives_an_optional() -> None:
    assert evaluate("optional.of(x).a", {"a": 1}) == Optional(1)


def test_selecting_a_missing_field_of_an_optional_map_gives_none() -> None:
    assert evaluate("optional.of(x).b", {"a": 1}) == NONE


def test_selecting_a_field_of_none_gives_none() -> None:
    assert evaluate("optional.none().a.b") == NONE


def test_selecting_a_field_of_an_optional_number_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="does not support field selection"):
        evaluate("x.?a.b", {"a": 1})


def test_indexing_an_optional_list_gives_an_optional() -> None:
    assert evaluate("optional.of(x)[1]", ["a", "b"]) == Optional("b")


def test_indexing_an_optional_list_out_of_range_gives_none() -> None:
    assert evaluate("optional.of(x)[2]", ["a", "b"]) == NONE


def test_optional_index_of_a_list_out_of_range_gives_none() -> None:
    assert evaluate("x[?5]", [1]) == NONE


def test_optional_index_finds_a_map_key_across_numeric_types() -> None:
    assert evaluate("{1u: 'one'}[?1.0].value()") == "one"


def test_has_on_an_optional_map_tests_the_held_map() -> None:
    assert evaluate("has(x.?a.b)", {"a": {"b": 1}}) is True


def test_has_on_none_is_false() -> None:
    assert evaluate("has(x.?a.b)", {}) is False


def test_opt_flat_map_gives_the_optional_its_body_returns() -> None:
    assert evaluate("x.?a.optFlatMap(v, v.?b)", {"a": {}}) == NONE


# ------------------------------------------------------------------ optional entries


def test_an_optional_list_element_is_added_only_when_present() -> None:
    assert evaluate("[1, ?x.?a, ?x.?b]", {"b": 3}) == [1, 3]


def test_an_optional_map_entry_is_set_only_when_present() -> None:
    assert evaluate("{'kept': 1, ?'dropped': x.?missing}", {}) == {"kept": 1}


def test_an_optional_entry_needs_an_optional_value() -> None:
    with pytest.raises(CelEvaluationError, match="needs an optional value"):
        evaluate("[?x]", 1)


# ------------------------------------------------------------------ equality


def test_optionals_holding_equal_values_are_equal() -> None:
    assert evaluate("optional.of(1) == optional.of(1.0)") is True


def test_none_differs_from_a_present_optional() -> None:
    assert evaluate("optional.none() != optional.of(null)") is True


# ------------------------------------------------------------------ unwrap


def test_optional_unwrap_keeps_the_present_values() -> None:
    assert evaluate("optional.unwrap([optional.of(1), optional.none(), optional.of(3)])") == [1, 3]


def test_unwrap_opt_is_the_member_form_of_unwrap() -> None:
    assert evaluate("[optional.none(), optional.of('a')].unwrapOpt()") == ["a"]


def test_unwrap_of_a_list_with_a_plain_value_is_an_error() -> None:
    with pytest.raises(CelEvaluationError, match="needs a list of optionals"):
        evaluate("optional.unwrap([optional.of(1), 2])")
