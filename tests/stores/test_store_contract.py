"""The Store contract: what every store (SQLite, Redis) does, tested against each of them."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from scorecards.errors import ScorecardsError, StoreError
from scorecards.formats.timeutil import format_timestamp
from scorecards.records.results import CheckResult, EntityEvaluation, ScorecardResult, Status
from scorecards.records.runs import MAX_RUN_ERRORS, RunOwner
from scorecards.stores import RESULTS_SOURCE, BatchOutcome, Fact, Retention, Run, RunState, Store
from tests.conftest import NOW
from tests.stores.conftest import MakeStore

API = "component:default/payments-api"
LEDGER = "component:default/ledger-service"
WEB = "component:default/checkout-web"


def entity(name: str, kind: str = "Component", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "default", "annotations": {}},
        "spec": spec,
    }


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def fact(ref: str, source: str, hours: float, **values: Any) -> Fact:
    return Fact(ref, source, at(hours), values)


def evaluation(ref: str, hours: float, score: float, version: str = "v1") -> EntityEvaluation:
    return EntityEvaluation(
        entity_ref=ref,
        evaluated_at=at(hours),
        definitions_version=version,
        checks=[
            CheckResult(
                "has-owner", Status.PASS, fact_timestamps={"github": "2026-11-24T00:00:00Z"}
            ),
            CheckResult("has-runbook", Status.FAIL, "no runbook link"),
        ],
        scorecards=[ScorecardResult("readiness", score, "Bronze", {"pass": 1, "fail": 1})],
        input_hash="abc123",
    )


def new_run(run_id: str = "run-1", hours: float = 0, batches: int = 3, entities: int = 30) -> Run:
    return Run(
        id=run_id,
        state=RunState.RUNNING,
        created_at=at(hours),
        evaluated_at=at(hours),
        definitions_version="v1",
        entities_total=entities,
        batches_total=batches,
    )


# ------------------------------------------------------------------ entities


def test_put_entities_are_returned_by_their_lower_cased_ref(store: Store) -> None:
    document = entity("Payments-API", owner="group:default/payments")
    store.put_entities([document])
    assert store.get_entities([API]) == {API: document}


def test_get_entities_leaves_out_unknown_refs(store: Store) -> None:
    store.put_entities([entity("payments-api")])
    assert list(store.get_entities([API, "component:default/nobody"])) == [API]


def test_get_entity_of_an_unknown_ref_is_none(store: Store) -> None:
    assert store.get_entity(API) is None


def test_putting_an_entity_again_replaces_its_document(store: Store) -> None:
    store.put_entities([entity("payments-api", lifecycle="experimental")])
    store.put_entities([entity("payments-api", lifecycle="production")])
    stored = store.get_entity(API)
    assert stored is not None
    assert stored["spec"] == {"lifecycle": "production"}


def test_entity_refs_are_listed_sorted(store: Store) -> None:
    store.put_entities([entity("payments-api"), entity("checkout-web"), entity("ledger-service")])
    assert store.list_entity_refs() == [WEB, LEDGER, API]


def test_thousands_of_entities_are_read_back_in_one_call(store: Store) -> None:
    documents = [entity(f"service-{index:04d}", index=index) for index in range(1234)]
    store.put_entities(documents)
    refs = [f"component:default/service-{index:04d}" for index in range(1234)]
    found = store.get_entities(refs)
    assert len(found) == 1234
    assert found["component:default/service-1000"]["spec"] == {"index": 1000}


def test_putting_no_entities_changes_nothing(store: Store) -> None:
    store.put_entities([])
    assert store.list_entity_refs() == []


def test_a_removed_entity_loses_its_document_latest_facts_and_results(store: Store) -> None:
    store.put_entities([entity("payments-api"), entity("ledger-service")])
    store.write_facts([fact(API, "github", 0, archived=False), fact(LEDGER, "github", 0, a=1)])
    store.write_evaluations([evaluation(API, 0, 50.0), evaluation(LEDGER, 0, 60.0)])
    store.remove_entities([API])
    assert store.list_entity_refs() == [LEDGER]
    assert store.get_entity(API) is None
    assert list(store.latest_facts()) == [LEDGER]
    assert list(store.latest_evaluations()) == [LEDGER]
    assert store.latest_evaluation_stamps([API]) == {}


def test_a_removed_entity_keeps_its_history(store: Store) -> None:
    store.put_entities([entity("payments-api")])
    store.write_facts([fact(API, "github", 0, archived=False)])
    store.write_evaluations([evaluation(API, 0, 50.0)])
    store.remove_entities([API])
    assert len(store.fact_history(API, "github")) == 1
    assert store.evaluation_history(API) == [evaluation(API, 0, 50.0)]


def test_removing_unknown_or_no_entities_changes_nothing(store: Store) -> None:
    store.put_entities([entity("payments-api")])
    store.remove_entities([])
    store.remove_entities(["component:default/nobody"])
    assert store.list_entity_refs() == [API]


def test_thousands_of_entities_are_removed_in_one_call(store: Store) -> None:
    documents = [entity(f"service-{index:04d}") for index in range(1234)]
    store.put_entities(documents)
    refs = [f"component:default/service-{index:04d}" for index in range(1234)]
    store.remove_entities(refs[:1200])
    assert store.list_entity_refs() == refs[1200:]


# ------------------------------------------------------------------ facts: latest and history


def test_a_written_fact_is_the_latest_and_in_the_history(store: Store) -> None:
    written = fact(API, "github", 0, archived=False, required_reviews=2)
    store.write_facts([written])
    assert store.latest_facts([API]) == {API: {"github": written}}
    assert store.fact_history(API, "github") == [written]


def test_a_newer_fact_becomes_latest_and_history_keeps_both(store: Store) -> None:
    older, newer = fact(API, "github", 0, reviews=1), fact(API, "github", 1, reviews=2)
    store.write_facts([older])
    store.write_facts([newer])
    assert store.latest_facts([API])[API]["github"] == newer
    assert store.fact_history(API, "github") == [older, newer]


def test_an_older_fact_never_replaces_a_newer_latest(store: Store) -> None:
    older, newer = fact(API, "github", 0, reviews=1), fact(API, "github", 1, reviews=2)
    store.write_facts([newer])
    store.write_facts([older])
    assert store.latest_facts([API])[API]["github"] == newer
    assert store.fact_history(API, "github") == [older, newer]


def test_rewriting_a_fact_with_the_same_timestamp_replaces_it_without_a_duplicate(
    store: Store,
) -> None:
    store.write_facts([fact(API, "github", 0, reviews=1)])
    store.write_facts([fact(API, "github", 0, reviews=2)])
    store.write_facts([fact(API, "github", 0, reviews=2)])
    assert store.latest_facts([API])[API]["github"].values == {"reviews": 2}
    assert [f.values for f in store.fact_history(API, "github")] == [{"reviews": 2}]


def test_in_one_write_the_newest_fact_of_an_entity_and_source_is_latest(store: Store) -> None:
    newest = fact(API, "ci", 2, coverage=80.0)
    store.write_facts(
        [fact(API, "ci", 1, coverage=70.0), newest, fact(API, "ci", 0, coverage=60.0)]
    )
    assert store.latest_facts([API])[API]["ci"] == newest
    assert len(store.fact_history(API, "ci")) == 3


def test_a_fact_collected_again_with_the_same_values_only_moves_the_latest_timestamp(
    store: Store,
) -> None:
    first = fact(API, "github", 0, reviews=2)
    store.write_facts([first])
    store.write_facts([fact(API, "github", 6, reviews=2)])
    assert store.latest_facts([API])[API]["github"] == fact(API, "github", 6, reviews=2)
    assert store.fact_history(API, "github") == [first]


def test_the_same_values_in_another_key_order_are_no_new_history_point(store: Store) -> None:
    first = fact(API, "github", 0, reviews=2, archived=False)
    store.write_facts([first])
    store.write_facts([fact(API, "github", 6, archived=False, reviews=2)])
    assert store.fact_history(API, "github") == [first]


def test_a_fact_with_changed_values_is_a_new_history_point(store: Store) -> None:
    store.write_facts([fact(API, "github", 0, reviews=2)])
    store.write_facts([fact(API, "github", 6, reviews=2)])
    changed = fact(API, "github", 12, reviews=1)
    store.write_facts([changed])
    assert store.latest_facts([API])[API]["github"] == changed
    assert [(f.timestamp, f.values) for f in store.fact_history(API, "github")] == [
        (at(0), {"reviews": 2}),
        (at(12), {"reviews": 1}),
    ]


def test_values_that_change_back_are_a_new_history_point(store: Store) -> None:
    for hours, reviews in ((0, 2), (1, 1), (2, 2)):
        store.write_facts([fact(API, "github", hours, reviews=reviews)])
    assert [f.values["reviews"] for f in store.fact_history(API, "github")] == [2, 1, 2]


def test_in_one_write_repeated_values_are_a_point_only_where_they_change(store: Store) -> None:
    store.write_facts([fact(API, "ci", hours, n=hours // 2) for hours in range(4)])
    assert [f.timestamp for f in store.fact_history(API, "ci")] == [at(0), at(2)]
    assert store.latest_facts([API])[API]["ci"] == fact(API, "ci", 3, n=1)


def test_the_same_values_from_another_source_or_entity_are_their_own_point(
    store: Store,
) -> None:
    store.write_facts([fact(API, "ci", 0, n=1)])
    store.write_facts([fact(API, "github", 1, n=1), fact(LEDGER, "ci", 1, n=1)])
    assert len(store.fact_history(API, "github")) == 1
    assert len(store.fact_history(LEDGER, "ci")) == 1


def test_fact_values_round_trip_as_json(store: Store) -> None:
    values = {
        "text": "naïve ☃",
        "count": 3,
        "ratio": 87.25,
        "flag": True,
        "nothing": None,
        "nested": {"list": [1, "two", {"three": 3.0}], "empty": {}},
    }
    store.write_facts([Fact(API, "ci", NOW, values)])
    assert store.latest_facts([API])[API]["ci"].values == values
    assert store.fact_history(API, "ci")[0].values == values


def test_timestamps_keep_microseconds_and_come_back_in_utc(store: Store) -> None:
    moment = datetime(2026, 11, 25, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    store.write_facts([Fact(API, "ci", moment, {"coverage": 1})])
    stored = store.latest_facts([API])[API]["ci"].timestamp
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert stored.microsecond == 123456


def test_history_is_kept_per_entity_and_source(store: Store) -> None:
    store.write_facts(
        [
            fact(API, "github", 0, n=1),
            fact(API, "ci", 1, n=2),
            fact(LEDGER, "github", 2, n=3),
        ]
    )
    assert [f.values for f in store.fact_history(API, "github")] == [{"n": 1}]
    assert [f.values for f in store.fact_history(API, "ci")] == [{"n": 2}]
    assert [f.values for f in store.fact_history(LEDGER, "github")] == [{"n": 3}]


def test_history_of_an_unknown_entity_or_source_is_empty(store: Store) -> None:
    store.write_facts([fact(API, "github", 0, n=1)])
    assert store.fact_history(API, "sonarqube") == []
    assert store.fact_history(LEDGER, "github") == []


def test_history_keys_are_every_entity_and_source_with_history_sorted_removed_ones_too(
    store: Store,
) -> None:
    store.write_facts([fact(WEB, "ci", 0, n=1), fact(API, "github", 0, n=1), fact(API, "ci", 1)])
    store.remove_entities([WEB])
    assert store.history_keys() == [(WEB, "ci"), (API, "ci"), (API, "github")]


def test_history_keys_of_an_empty_store_are_none(store: Store) -> None:
    assert store.history_keys() == []


def test_fact_histories_are_each_pair_s_history_leaving_out_pairs_without_one(
    store: Store,
) -> None:
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in (2, 0, 1)])
    store.write_facts([fact(LEDGER, "github", 0, n=9)])
    histories = store.fact_histories([(API, "ci"), (LEDGER, "github"), (API, "github")])
    assert histories == {
        (API, "ci"): store.fact_history(API, "ci"),
        (LEDGER, "github"): store.fact_history(LEDGER, "github"),
    }
    assert [f.values["n"] for f in histories[API, "ci"]] == [0, 1, 2]


def test_fact_histories_of_more_pairs_than_one_query_takes_come_back_whole(store: Store) -> None:
    refs = [f"component:default/service-{index:04d}" for index in range(1100)]
    store.write_facts([Fact(ref, "github", NOW, {"i": i}) for i, ref in enumerate(refs)])
    histories = store.fact_histories([(ref, "github") for ref in refs])
    assert len(histories) == 1100
    assert histories[refs[777], "github"][0].values == {"i": 777}


def test_fact_history_between_since_and_until_is_inclusive_and_in_time_order(
    store: Store,
) -> None:
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in (3, 0, 4, 1, 2)])
    window = store.fact_history(API, "ci", since=at(1), until=at(3))
    assert [f.values["n"] for f in window] == [1, 2, 3]
    assert [f.values["n"] for f in store.fact_history(API, "ci", since=at(3))] == [3, 4]
    assert [f.values["n"] for f in store.fact_history(API, "ci", until=at(0))] == [0]


def test_writing_no_facts_changes_nothing(store: Store) -> None:
    store.write_facts([])
    assert store.latest_facts() == {}


# ------------------------------------------------------------------ retention


def test_history_keeps_only_the_newest_max_items(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=3, max_age=None))
    for hours in range(6):
        store.write_facts([fact(API, "ci", hours, n=hours)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [3, 4, 5]


def test_retention_by_count_applies_within_one_write(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=2, max_age=None))
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in range(5)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [3, 4]


def test_history_drops_facts_older_than_max_age_before_the_newest(
    make_store: MakeStore,
) -> None:
    store = make_store(Retention(max_items=None, max_age=timedelta(hours=24)))
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in (0, 10, 20)])
    assert len(store.fact_history(API, "ci")) == 3
    store.write_facts([fact(API, "ci", 30, n=30)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [10, 20, 30]


def test_a_fact_exactly_max_age_older_than_the_newest_is_kept(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=None, max_age=timedelta(hours=24)))
    store.write_facts([fact(API, "ci", 0, n=0), fact(API, "ci", 24, n=24)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [0, 24]


def test_retention_of_one_history_leaves_other_histories_alone(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=1, max_age=None))
    store.write_facts([fact(LEDGER, "ci", 0, n=0), fact(LEDGER, "ci", 1, n=1)])
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in range(4)])
    assert [f.values["n"] for f in store.fact_history(LEDGER, "ci")] == [1]
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [3]


def test_retention_never_drops_the_latest_fact(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=1, max_age=timedelta(hours=1)))
    newest = fact(API, "ci", 10, n=10)
    store.write_facts([newest])
    store.write_facts([fact(API, "ci", 0, n=0)])
    assert store.latest_facts([API])[API]["ci"] == newest
    assert store.fact_history(API, "ci") == [newest]


def test_facts_collected_again_unchanged_do_not_count_against_max_items(
    make_store: MakeStore,
) -> None:
    store = make_store(Retention(max_items=2, max_age=None))
    for hours in range(6):
        store.write_facts([fact(API, "ci", hours, n=min(hours, 1))])
    assert [(f.timestamp, f.values["n"]) for f in store.fact_history(API, "ci")] == [
        (at(0), 0),
        (at(1), 1),
    ]


def test_max_age_counts_from_the_newest_change_when_values_change_again(
    make_store: MakeStore,
) -> None:
    store = make_store(Retention(max_items=None, max_age=timedelta(hours=24)))
    store.write_facts([fact(API, "ci", 0, n=0), fact(API, "ci", 10, n=1)])
    store.write_facts([fact(API, "ci", 40, n=1)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [0, 1]
    store.write_facts([fact(API, "ci", 50, n=2)])
    assert [f.values["n"] for f in store.fact_history(API, "ci")] == [2]


def test_without_limits_history_keeps_everything(make_store: MakeStore) -> None:
    store = make_store(Retention(max_items=None, max_age=None))
    store.write_facts([fact(API, "ci", hours * 24 * 365, n=hours) for hours in range(150)])
    assert len(store.fact_history(API, "ci")) == 150


def test_default_retention_keeps_a_hundred_items(store: Store) -> None:
    store.write_facts([fact(API, "ci", hours, n=hours) for hours in range(105)])
    history = store.fact_history(API, "ci")
    assert len(history) == 100
    assert history[0].values["n"] == 5


# ------------------------------------------------------------------ facts: latest queries


@pytest.fixture
def three_entities(store: Store) -> Store:
    store.write_facts(
        [
            fact(API, "github", 0, a=1),
            fact(API, "ci", 0, b=1),
            fact(LEDGER, "github", 0, a=2),
            fact(WEB, "ci", 0, b=3),
        ]
    )
    return store


def test_latest_facts_without_filters_cover_every_entity_and_source(three_entities: Store) -> None:
    latest = three_entities.latest_facts()
    assert {ref: sorted(by_source) for ref, by_source in latest.items()} == {
        API: ["ci", "github"],
        LEDGER: ["github"],
        WEB: ["ci"],
    }


def test_latest_facts_filtered_by_refs(three_entities: Store) -> None:
    latest = three_entities.latest_facts([API, WEB])
    assert sorted(latest) == [WEB, API]
    assert sorted(latest[API]) == ["ci", "github"]


def test_latest_facts_filtered_by_sources(three_entities: Store) -> None:
    latest = three_entities.latest_facts(sources=["github"])
    assert {ref: sorted(by_source) for ref, by_source in latest.items()} == {
        API: ["github"],
        LEDGER: ["github"],
    }


def test_latest_facts_filtered_by_refs_and_sources(three_entities: Store) -> None:
    latest = three_entities.latest_facts([API, WEB], ["ci"])
    assert {ref: sorted(by_source) for ref, by_source in latest.items()} == {
        API: ["ci"],
        WEB: ["ci"],
    }


def test_latest_facts_leave_out_refs_without_facts(three_entities: Store) -> None:
    assert three_entities.latest_facts(["component:default/nobody"]) == {}
    assert three_entities.latest_facts([LEDGER], ["ci"]) == {}


def test_latest_facts_of_no_refs_or_no_sources_are_empty(three_entities: Store) -> None:
    assert three_entities.latest_facts([]) == {}
    assert three_entities.latest_facts(None, []) == {}


def test_latest_facts_of_thousands_of_entities_come_back_in_one_call(store: Store) -> None:
    refs = [f"component:default/service-{index:04d}" for index in range(1100)]
    store.write_facts([Fact(ref, "github", NOW, {"i": i}) for i, ref in enumerate(refs)])
    latest = store.latest_facts(refs, ["github"])
    assert len(latest) == 1100
    assert latest[refs[777]]["github"].values == {"i": 777}


# ------------------------------------------------------------------ atomicity and concurrency


def test_a_write_that_fails_part_way_stores_none_of_its_facts(store: Store) -> None:
    unstorable = Fact(LEDGER, "github", NOW, {"alerts": {("not", "a", "key"): 1}})
    with pytest.raises((TypeError, ValueError, ScorecardsError)):
        store.write_facts([fact(API, "github", 0, ok=True), unstorable])
    assert store.latest_facts() == {}
    assert store.fact_history(API, "github") == []


def test_concurrent_writers_leave_the_newest_fact_latest(store: Store) -> None:
    def write(hours: list[int]) -> None:
        for hour in hours:
            store.write_facts([fact(API, "ci", hour, n=hour)])

    evens = threading.Thread(target=write, args=(list(range(0, 60, 2)),))
    odds = threading.Thread(target=write, args=(list(range(59, 0, -2)),))
    for thread in (evens, odds):
        thread.start()
    for thread in (evens, odds):
        thread.join(timeout=60)
    assert store.latest_facts([API])[API]["ci"].values == {"n": 59}
    assert len(store.fact_history(API, "ci")) == 60


def test_writes_are_visible_to_another_connection(make_store: MakeStore) -> None:
    writer, reader = make_store(), make_store()
    writer.put_entities([entity("payments-api")])
    writer.write_facts([fact(API, "ci", 0, n=1)])
    writer.create_run(new_run())
    assert reader.list_entity_refs() == [API]
    assert reader.latest_facts()[API]["ci"].values == {"n": 1}
    assert reader.get_run("run-1") is not None


# ------------------------------------------------------------------ evaluations


def test_evaluations_are_stored_as_facts_of_source_scorecards(store: Store) -> None:
    stored = evaluation(API, 0, 50.0)
    store.write_evaluations([stored])
    as_fact = store.latest_facts([API], [RESULTS_SOURCE])[API][RESULTS_SOURCE]
    assert as_fact.timestamp == stored.evaluated_at
    assert as_fact.values == stored.to_dict()


def test_latest_evaluations_round_trip(store: Store) -> None:
    stored = [evaluation(API, 0, 50.0), evaluation(LEDGER, 0, 100.0)]
    store.write_evaluations(stored)
    assert store.latest_evaluations([API, LEDGER]) == {API: stored[0], LEDGER: stored[1]}
    assert store.latest_evaluations() == {API: stored[0], LEDGER: stored[1]}


def test_latest_result_documents_read_in_chunks_are_every_ref_scored(store: Store) -> None:
    refs = [f"component:default/service-{n}" for n in range(7)]
    stored = [evaluation(ref, 0, float(n)) for n, ref in enumerate(refs)]
    store.write_evaluations(stored[:-1])  # the last was never scored
    read = list(store.latest_result_documents(refs, chunk_size=3))
    assert sorted(read, key=lambda d: d["entity"]) == [e.to_dict() for e in stored[:-1]]


def test_latest_evaluations_leave_out_entities_never_scored(store: Store) -> None:
    store.write_facts([fact(API, "github", 0, a=1)])
    assert store.latest_evaluations([API]) == {}


def test_evaluation_history_keeps_one_entry_per_changed_result(store: Store) -> None:
    first, second = evaluation(API, 0, 50.0), evaluation(API, 6, 75.0)
    store.write_evaluations([first])
    store.write_evaluations([second])
    assert store.evaluation_history(API) == [first, second]
    assert store.latest_evaluations([API])[API] == second
    assert store.evaluation_history(API, since=at(1)) == [second]


def test_histories_of_many_refs_are_each_ref_s_history_leaving_out_refs_without_one(
    store: Store,
) -> None:
    store.write_evaluations([evaluation(API, 0, 50.0), evaluation(LEDGER, 1, 60.0)])
    store.write_evaluations([evaluation(API, 6, 75.0)])
    histories = store.evaluation_histories([API, LEDGER, WEB])
    assert histories == {
        API: store.evaluation_history(API),
        LEDGER: store.evaluation_history(LEDGER),
    }
    assert [e.evaluated_at for e in histories[API]] == [at(0), at(6)]


def test_histories_of_more_refs_than_one_query_takes_come_back_whole(store: Store) -> None:
    refs = [f"component:default/service-{index:04d}" for index in range(1100)]
    store.write_evaluations([evaluation(ref, 0, 50.0) for ref in refs])
    histories = store.evaluation_histories(refs)
    assert len(histories) == 1100
    assert histories[refs[777]] == [evaluation(refs[777], 0, 50.0)]


def test_a_confirmed_result_is_evaluated_at_the_confirmation_without_a_history_point(
    store: Store,
) -> None:
    first = evaluation(API, 0, 50.0)
    store.write_evaluations([first])
    store.confirm_evaluations([API], at(6))
    latest = store.latest_evaluations([API])[API]
    assert latest.evaluated_at == at(6)
    assert latest.to_dict() == {**first.to_dict(), "evaluated_at": latest.to_dict()["evaluated_at"]}
    assert store.latest_evaluation_stamps([API])[API].evaluated_at == at(6)
    assert store.evaluation_history(API) == [first]


def test_a_result_that_changes_after_a_confirmation_is_a_new_history_point(
    store: Store,
) -> None:
    first, changed = evaluation(API, 0, 50.0), evaluation(API, 12, 75.0)
    store.write_evaluations([first])
    store.confirm_evaluations([API], at(6))
    store.write_evaluations([changed])
    assert store.evaluation_history(API) == [first, changed]
    assert store.latest_evaluations([API])[API] == changed


def test_confirming_never_moves_a_result_back_in_time(store: Store) -> None:
    store.write_evaluations([evaluation(API, 6, 50.0)])
    store.confirm_evaluations([API], at(0))
    assert store.latest_evaluations([API])[API].evaluated_at == at(6)


def test_confirming_entities_never_scored_stores_nothing(store: Store) -> None:
    store.write_facts([fact(API, "github", 0, a=1)])
    store.confirm_evaluations([API, LEDGER], at(6))
    assert store.latest_evaluations() == {}
    assert store.latest_facts([API])[API]["github"].timestamp == at(0)


def test_confirming_leaves_the_other_facts_of_the_entity_alone(store: Store) -> None:
    store.write_facts([fact(API, "github", 0, a=1)])
    store.write_evaluations([evaluation(API, 0, 50.0)])
    store.confirm_evaluations([API], at(6))
    assert store.latest_facts([API])[API]["github"].timestamp == at(0)


def test_the_evaluation_timeline_ends_with_the_last_confirmation(store: Store) -> None:
    first = evaluation(API, 0, 50.0)
    store.write_evaluations([first])
    store.confirm_evaluations([API], at(6))
    confirmed = store.latest_evaluations([API])[API]
    assert store.evaluation_timeline(API) == [first, confirmed]
    assert store.evaluation_timeline(API, until=at(3)) == [first]
    assert store.evaluation_timeline(API, since=at(3)) == [confirmed]
    assert store.evaluation_timeline(LEDGER) == []


def test_the_evaluation_timeline_of_a_result_never_confirmed_is_its_history(
    store: Store,
) -> None:
    first, second = evaluation(API, 0, 50.0), evaluation(API, 6, 75.0)
    store.write_evaluations([first])
    store.write_evaluations([second])
    assert store.evaluation_timeline(API) == [first, second]


def reading_github_at(hours: float) -> EntityEvaluation:
    stamp = format_timestamp(at(hours))
    return EntityEvaluation(
        API, at(hours), "v1", [CheckResult("reviews", Status.PASS, None, {"github": stamp})], []
    )


def test_facts_collected_again_unchanged_are_as_fresh_as_their_last_collection(
    store: Store,
) -> None:
    store.write_facts([fact(API, "github", 0, reviews=2)])
    store.write_facts([fact(API, "github", 6, reviews=2)])
    assert store.facts_last_collected(reading_github_at(0)) == {"github": at(6)}


def test_facts_that_changed_since_a_result_read_them_keep_the_time_it_read(
    store: Store,
) -> None:
    store.write_facts([fact(API, "github", 0, reviews=2)])
    store.write_facts([fact(API, "github", 6, reviews=1)])
    store.write_facts([fact(API, "github", 12, reviews=1)])
    assert store.facts_last_collected(reading_github_at(0)) == {"github": at(0)}


def test_facts_a_result_read_that_are_gone_keep_the_time_it_read(store: Store) -> None:
    assert store.facts_last_collected(reading_github_at(0)) == {"github": at(0)}


def test_rescoring_a_run_replaces_its_evaluation_instead_of_adding_one(store: Store) -> None:
    store.write_evaluations([evaluation(API, 0, 50.0)])
    rescored = evaluation(API, 0, 60.0)
    store.write_evaluations([rescored])
    assert store.evaluation_history(API) == [rescored]


def test_input_facts_exclude_our_own_results(store: Store) -> None:
    store.write_facts([fact(API, "github", -1, archived=False)])
    store.write_evaluations([evaluation(API, 0, 50.0)])
    inputs = store.input_facts([API, LEDGER])
    assert list(inputs[API]) == ["github"]
    assert inputs[API]["github"].values == {"archived": False}
    assert inputs[API]["github"].timestamp == at(-1)
    assert LEDGER not in inputs


# ------------------------------------------------------------------ runs


def test_a_created_run_reads_back_unchanged(store: Store) -> None:
    run = new_run()
    run.errors = ["collector github: 503"]
    store.create_run(run)
    assert store.get_run("run-1") == run


def test_an_unknown_run_is_none(store: Store) -> None:
    assert store.get_run("no-such-run") is None


def test_creating_a_run_with_an_existing_id_is_refused(store: Store) -> None:
    store.create_run(new_run(batches=3))
    with pytest.raises(StoreError):
        store.create_run(new_run(batches=9))
    stored = store.get_run("run-1")
    assert stored is not None
    assert stored.batches_total == 3


def test_runs_are_listed_newest_first_up_to_the_limit(store: Store) -> None:
    for index, hours in enumerate((2, 0, 3, 1)):
        store.create_run(new_run(f"run-{index}", hours=hours))
    assert [run.id for run in store.list_runs()] == ["run-2", "run-0", "run-3", "run-1"]
    assert [run.id for run in store.list_runs(limit=2)] == ["run-2", "run-0"]


def test_a_recorded_batch_adds_its_counts_to_the_run(store: Store) -> None:
    store.create_run(new_run())
    store.record_batch("run-1", BatchOutcome("00000", entities_done=10))
    run = store.record_batch("run-1", BatchOutcome("00001", entities_done=9, entities_failed=1))
    assert (run.batches_done, run.entities_done, run.entities_failed) == (2, 19, 1)
    assert store.get_run("run-1") == run


def test_recording_the_same_batch_again_changes_nothing(store: Store) -> None:
    store.create_run(new_run())
    first = store.record_batch("run-1", BatchOutcome("00000", entities_done=10))
    again = store.record_batch("run-1", BatchOutcome("00000", entities_done=10))
    late_failure = store.record_batch("run-1", BatchOutcome("00000", 0, 10, "worker lost"))
    assert first == again == late_failure
    assert (again.batches_done, again.entities_done, again.batches_failed) == (1, 10, 0)


def test_the_same_batch_id_counts_separately_in_different_runs(store: Store) -> None:
    store.create_run(new_run("run-1"))
    store.create_run(new_run("run-2", hours=1))
    store.record_batch("run-1", BatchOutcome("00000", entities_done=10))
    run = store.record_batch("run-2", BatchOutcome("00000", entities_done=10))
    assert run.batches_done == 1


def test_a_failed_batch_is_counted_with_its_error(store: Store) -> None:
    store.create_run(new_run())
    run = store.record_batch("run-1", BatchOutcome("00002", 0, 10, "StoreError: boom"))
    assert (run.batches_failed, run.batches_done, run.entities_failed) == (1, 0, 10)
    assert run.errors == ["batch 00002: StoreError: boom"]


def test_a_run_keeps_at_most_max_run_errors_error_lines(store: Store) -> None:
    store.create_run(new_run(batches=MAX_RUN_ERRORS + 5))
    for index in range(MAX_RUN_ERRORS + 5):
        run = store.record_batch("run-1", BatchOutcome(f"{index:05d}", 0, 1, f"failure {index}"))
    assert run.batches_failed == MAX_RUN_ERRORS + 5
    assert len(run.errors) == MAX_RUN_ERRORS
    assert run.errors[0] == "batch 00000: failure 0"


def test_a_batch_that_went_on_records_its_failed_entities_and_their_errors(store: Store) -> None:
    store.create_run(new_run())
    outcome = BatchOutcome("00001", 8, 2, entity_errors=("entity a: TypeError", "entity b: boom"))
    run = store.record_batch("run-1", outcome)
    assert (run.batches_done, run.batches_failed) == (1, 0)
    assert (run.entities_done, run.entities_failed) == (8, 2)
    assert run.errors == ["batch 00001: entity a: TypeError", "batch 00001: entity b: boom"]
    assert store.get_run("run-1") == run


def test_a_failed_batch_records_its_error_before_its_entities_errors(store: Store) -> None:
    store.create_run(new_run())
    run = store.record_batch("run-1", BatchOutcome("00000", 0, 10, "lost", ("entity a: x",)))
    assert run.errors == ["batch 00000: lost", "batch 00000: entity a: x"]


def test_a_run_owner_and_lease_read_back_unchanged(store: Store) -> None:
    run = new_run()
    run.owner = RunOwner("build-7", 4242, 123456)
    run.lease_seconds = 60.0
    store.create_run(run)
    assert store.get_run("run-1") == run


def test_an_abandoned_run_is_finished(store: Store) -> None:
    store.create_run(new_run())
    run = store.update_run("run-1", state=RunState.ABANDONED, finished_at=at(1))
    assert run.state is RunState.ABANDONED and run.state.is_finished


def test_recording_a_batch_of_an_unknown_run_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.record_batch("no-such-run", BatchOutcome("00000", 1))


def test_concurrent_recorders_count_every_batch_exactly_once(make_store: MakeStore) -> None:
    make_store().create_run(new_run(batches=40, entities=400))
    recorders = [make_store() for _ in range(4)]

    def record(recorder: Store) -> None:
        for index in range(40):  # every recorder records every batch: duplicates must not count
            recorder.record_batch("run-1", BatchOutcome(f"{index:05d}", entities_done=10))

    threads = [threading.Thread(target=record, args=(r,)) for r in recorders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    run = recorders[0].get_run("run-1")
    assert run is not None
    assert (run.batches_done, run.entities_done) == (40, 400)


def test_retries_are_counted_on_the_run(store: Store) -> None:
    store.create_run(new_run())
    store.record_retry("run-1")
    store.record_retry("run-1")
    run = store.get_run("run-1")
    assert run is not None
    assert run.retries == 2


def test_recording_a_retry_of_an_unknown_run_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.record_retry("no-such-run")


def test_update_run_sets_the_given_fields_and_returns_the_run(store: Store) -> None:
    store.create_run(new_run())
    finished_at = at(1)
    run = store.update_run("run-1", state=RunState.PARTIAL, finished_at=finished_at)
    assert run.state is RunState.PARTIAL
    assert run.finished_at == finished_at
    assert run.batches_total == 3
    assert store.get_run("run-1") == run


def test_update_run_can_set_totals_and_errors_and_clear_a_moment(store: Store) -> None:
    store.create_run(new_run())
    store.update_run("run-1", finished_at=at(1))
    run = store.update_run(
        "run-1", finished_at=None, entities_total=7, errors=["catalog: 2 entities skipped"]
    )
    assert run.finished_at is None
    assert run.entities_total == 7
    assert run.errors == ["catalog: 2 entities skipped"]
    assert store.get_run("run-1") == run


def test_update_run_refuses_an_unknown_field_and_changes_nothing(store: Store) -> None:
    store.create_run(new_run())
    with pytest.raises(StoreError, match="colour"):
        store.update_run("run-1", state=RunState.FAILED, colour="red")
    stored = store.get_run("run-1")
    assert stored is not None
    assert stored.state is RunState.RUNNING


def test_updating_an_unknown_run_is_an_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.update_run("no-such-run", state=RunState.FAILED)


# ------------------------------------------------------------------ service


def test_ping_succeeds_on_a_working_store(store: Store) -> None:
    store.ping()


def test_ping_raises_store_error_when_the_store_cannot_be_used(unreachable_store: Store) -> None:
    with pytest.raises(StoreError):
        unreachable_store.ping()


def test_a_history_window_of_one_instant_finds_the_fact_at_it(store: Store) -> None:
    store.write_facts([Fact(API, "ci", datetime(2026, 11, 25, 12, 0, tzinfo=UTC), {"n": 1})])
    assert store.fact_history(API, "ci", since=NOW, until=NOW)[0].values == {"n": 1}


# ------------------------------------------------------------------ leases


def test_a_free_lease_goes_to_the_first_holder(store: Store) -> None:
    assert store.lease_holder("scoring") is None
    assert store.acquire_lease("scoring", "run-1", 30) is None
    assert store.lease_holder("scoring") == "run-1"


def test_a_held_lease_is_refused_to_another_holder_naming_its_holder(store: Store) -> None:
    store.acquire_lease("scoring", "run-1", 30)
    assert store.acquire_lease("scoring", "run-2", 30) == "run-1"
    assert store.lease_holder("scoring") == "run-1"


def test_leases_of_different_names_are_independent(store: Store) -> None:
    store.acquire_lease("scoring", "run-1", 30)
    assert store.acquire_lease("other", "run-2", 30) is None


def test_the_holder_renews_its_lease_past_its_first_term(store: Store) -> None:
    store.acquire_lease("scoring", "run-1", 0.5)
    time.sleep(0.3)
    assert store.acquire_lease("scoring", "run-1", 0.5) is None
    time.sleep(0.3)  # past the first term, within the renewed one
    assert store.lease_holder("scoring") == "run-1"


def test_a_lapsed_lease_is_free_for_another_holder(store: Store) -> None:
    store.acquire_lease("scoring", "run-1", 0.2)
    time.sleep(0.3)
    assert store.lease_holder("scoring") is None
    assert store.acquire_lease("scoring", "run-2", 30) is None
    assert store.lease_holder("scoring") == "run-2"


def test_only_the_holder_releases_a_lease(store: Store) -> None:
    store.acquire_lease("scoring", "run-1", 30)
    assert store.release_lease("scoring", "run-2") is False
    assert store.lease_holder("scoring") == "run-1"
    assert store.release_lease("scoring", "run-1") is True
    assert store.lease_holder("scoring") is None
    assert store.acquire_lease("scoring", "run-2", 30) is None


def test_of_concurrent_takers_exactly_one_gets_a_free_lease(make_store: MakeStore) -> None:
    takers = [make_store() for _ in range(6)]
    start = threading.Barrier(len(takers))
    answers: dict[str, str | None] = {}

    def take(index: int, taker: Store) -> None:
        start.wait(timeout=10)
        answers[f"run-{index}"] = taker.acquire_lease("scoring", f"run-{index}", 30)

    threads = [threading.Thread(target=take, args=item) for item in enumerate(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [holder for holder, answer in answers.items() if answer is None]
    assert len(answers) == 6 and len(winners) == 1
    assert set(answers.values()) == {None, winners[0]}
