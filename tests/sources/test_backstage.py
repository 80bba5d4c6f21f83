"""The Backstage catalog source against a Backstage-shaped catalog API on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from scorecards.records.refs import entity_ref
from scorecards.retry import Clock
from scorecards.sources.catalog.backstage import (
    CATALOG_POLICY,
    BackstageAuthError,
    BackstageCatalog,
    BackstageError,
    ReadReport,
    backend_base_url,
)
from tests.conftest import free_port
from tests.sources.backstage_server import CatalogServer, Fault, recorded_entities

TOKEN = "catalog-test-token"
ENTITIES = recorded_entities()  # 86 entities
ALL_REFS = {entity_ref(e) for e in ENTITIES}


class VirtualClock:
    """Retry waits without real waiting: `sleep` only moves the clock on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    with CatalogServer(ENTITIES, TOKEN) as running:
        yield running


def read(
    url: str,
    clock: VirtualClock,
    token: str | None = TOKEN,
    filters: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    **options: Any,
) -> tuple[list[dict[str, Any]], ReadReport]:
    options.setdefault("page_size", 20)
    with BackstageCatalog(
        url, token, clock=Clock(clock.monotonic, clock.sleep), **options
    ) as catalog:
        return catalog.read_entities(filters, fields)


def test_every_entity_is_read_by_following_cursors_to_the_end(server, clock):
    entities, report = read(server.url, clock)

    assert {entity_ref(e) for e in entities} == ALL_REFS
    assert report == ReadReport(requests=5, retries=0, pages=5, entities=86, duplicates=0)
    assert len(server.query_requests()) == 5
    assert clock.sleeps == []


def test_pages_after_the_first_send_only_the_cursor_and_page_options(server, clock):
    read(server.url, clock, filters=("kind=component",), fields=("spec.owner",))

    first, *rest = server.query_requests()
    assert first.params["filter"] == ["kind=component"]
    assert rest, "28 components at 20 a page need a second page"
    for request in rest:
        assert set(request.params) == {"cursor", "limit", "fields"}


def test_the_token_travels_only_in_the_authorization_header(server, clock):
    read(server.url, clock)

    for request in server.requests:
        assert request.authorization == f"Bearer {TOKEN}"
        assert TOKEN not in str(request.params)


def test_filters_are_alternatives_and_select_only_matching_entities(server, clock):
    entities, report = read(server.url, clock, filters=("kind=group", "kind=user"))

    assert {e["kind"] for e in entities} == {"Group", "User"}
    assert report.entities == 25
    assert report.pages == 2


def test_fields_trim_entities_but_keep_what_a_ref_needs(server, clock):
    entities, _ = read(server.url, clock, filters=("kind=component",), fields=("spec.owner",))

    payments = next(e for e in entities if e["metadata"]["name"] == "payments-api")
    assert payments["spec"] == {"owner": "group:default/payments-team"}
    assert entity_ref(payments) == "component:default/payments-api"
    assert "relations" not in payments


def test_entities_are_normalised_like_entities_from_files(clock):
    bare = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"}}
    with CatalogServer([bare], TOKEN) as server:
        entities, _ = read(server.url, clock)

    assert entities[0]["metadata"] == {"name": "x", "namespace": "default", "annotations": {}}


def test_an_entity_served_on_two_pages_counts_once(clock):
    doubled = [*ENTITIES[:30], ENTITIES[5], *ENTITIES[30:]]
    with CatalogServer(doubled, TOKEN) as server:
        entities, report = read(server.url, clock)

    assert len(entities) == 86
    assert report.duplicates == 1
    assert {entity_ref(e) for e in entities} == ALL_REFS


def test_429_is_retried_after_the_wait_the_server_asks_for(clock):
    busy = Fault(429, {"Retry-After": "7"}, '{"error": {"name": "TooManyRequests"}}')
    with CatalogServer(ENTITIES, TOKEN, faults={2: busy}) as server:
        entities, report = read(server.url, clock)

    assert len(entities) == 86
    assert len(server.query_requests()) == 6
    assert report.retries == 1
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 7


def test_503_is_retried_with_growing_jittered_backoff(clock):
    down = Fault(503, body="<html>Service Unavailable</html>", content_type="text/html")
    policy = replace(CATALOG_POLICY, retries=4, backoff=1.0, max_backoff=30.0)
    with CatalogServer(ENTITIES, TOKEN, faults={1: down, 2: down, 3: down}) as server:
        entities, report = read(server.url, clock, policy=policy)

    assert len(entities) == 86
    assert len(server.query_requests()) == 8
    assert report.retries == 3
    # full jitter: retry n waits somewhere in [0, base * 2**(n-1)]
    assert [0 <= wait <= 2 ** (n - 1) for n, wait in enumerate(clock.sleeps, 1)] == [True] * 3


def test_a_server_that_keeps_failing_is_given_up_on_after_the_attempts_allowed(clock):
    with (
        CatalogServer(ENTITIES, TOKEN, fail_always=Fault(502)) as server,
        pytest.raises(BackstageError, match=r"failed 4 times in a row \(last: HTTP 502"),
    ):
        read(server.url, clock, policy=replace(CATALOG_POLICY, retries=3))

    assert len(server.query_requests()) == 4
    assert len(clock.sleeps) == 3


def test_a_retry_after_beyond_the_budget_fails_at_once_instead_of_waiting(clock):
    busy = Fault(429, {"Retry-After": "600"})
    with (
        CatalogServer(ENTITIES, TOKEN, fail_always=busy) as server,
        pytest.raises(BackstageError, match=r"600\.0s more would exceed the 120s retry budget"),
    ):
        read(server.url, clock, policy=replace(CATALOG_POLICY, budget=120))

    assert len(server.query_requests()) == 1
    assert clock.sleeps == []


def test_the_time_budget_bounds_retries_before_the_attempts_run_out(clock):
    policy = replace(CATALOG_POLICY, retries=49, backoff=10, max_backoff=10, budget=60)
    busy = Fault(429, {"Retry-After": "10"})
    with (
        CatalogServer(ENTITIES, TOKEN, fail_always=busy) as server,
        pytest.raises(BackstageError, match="retry budget"),
    ):
        read(server.url, clock, policy=policy)

    assert sum(clock.sleeps) <= 60
    assert len(server.query_requests()) == len(clock.sleeps) + 1 < 50


def test_a_timeout_is_retried(clock):
    slow = Fault(delay=1.0)
    with CatalogServer(ENTITIES, TOKEN, faults={1: slow}) as server:
        entities, report = read(server.url, clock, policy=replace(CATALOG_POLICY, timeout=0.2))

    assert len(entities) == 86
    assert report.retries == 1
    assert len(server.query_requests()) == 6


def test_an_unreachable_catalog_fails_after_bounded_attempts(clock):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(BackstageError, match=r"failed 3 times in a row \(last: ConnectError"):
        read(url, clock, policy=replace(CATALOG_POLICY, retries=2))

    assert len(clock.sleeps) == 2


def test_a_missing_token_fails_at_once_saying_which_variable_to_set(server, clock):
    with pytest.raises(BackstageAuthError) as raised:
        read(server.url, clock, token=None)

    message = str(raised.value)
    assert "HTTP 401: AuthenticationError: Missing credentials" in message
    assert "set SCORECARDS_BACKSTAGE_TOKEN" in message
    assert len(server.requests) == 1


def test_a_rejected_token_fails_clearly_without_showing_the_token(server, clock, caplog):
    wrong = "wrong-token-s3cr3t-value"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackstageAuthError) as raised:
        read(server.url, clock, token=wrong)

    message = str(raised.value)
    assert "Illegal token" in message
    assert "SCORECARDS_BACKSTAGE_TOKEN was rejected" in message
    assert "backend.auth.externalAccess" in message
    assert wrong not in message
    assert wrong not in repr(raised.value)
    assert wrong not in caplog.text
    assert len(server.requests) == 1


def test_a_forbidden_token_hints_at_access_restrictions(clock):
    denied = Fault(403, body='{"error": {"name": "NotAllowedError", "message": "Unauthorized"}}')
    with (
        CatalogServer(ENTITIES, TOKEN, fail_always=denied) as server,
        pytest.raises(BackstageAuthError, match="accessRestrictions"),
    ):
        read(server.url, clock)

    assert len(server.requests) == 1


def test_retry_logs_never_carry_the_token(clock, caplog):
    caplog.set_level(logging.DEBUG)
    with CatalogServer(ENTITIES, TOKEN, faults={1: Fault(503), 3: Fault(429)}) as server:
        read(server.url, clock)

    assert "retry 1" in caplog.text
    assert TOKEN not in caplog.text


def test_a_server_handing_out_cursors_forever_is_stopped_at_the_page_limit(clock):
    with (
        CatalogServer(ENTITIES, TOKEN, endless_cursors=True) as server,
        pytest.raises(BackstageError, match="still had more pages after 12 pages"),
    ):
        read(server.url, clock, max_pages=12)

    assert len(server.query_requests()) == 12


def test_a_cursor_served_twice_is_reported_as_a_paging_loop(clock):
    with (
        CatalogServer(ENTITIES, TOKEN, repeat_cursor=True) as server,
        pytest.raises(BackstageError, match="same page cursor twice"),
    ):
        read(server.url, clock)

    assert len(server.query_requests()) == 2


def test_a_url_that_is_not_the_backend_says_so(server, clock):
    with pytest.raises(BackstageError, match=r"HTTP 404\) — the URL must be the Backstage backend"):
        read(server.url + "/catalog-ui", clock)


def test_an_html_page_instead_of_a_catalog_page_says_so(clock):
    html = Fault(200, body="<!doctype html><title>Backstage</title>", content_type="text/html")
    with (
        CatalogServer(ENTITIES, TOKEN, fail_always=html) as server,
        pytest.raises(BackstageError, match=r"not a catalog page \(text/html\)"),
    ):
        read(server.url, clock)


def test_an_item_that_is_not_an_entity_fails_the_read_naming_its_page(clock):
    broken = [*ENTITIES[:25], {"kind": "Component", "metadata": {}}]
    with (
        CatalogServer(broken, TOKEN) as server,
        pytest.raises(BackstageError, match=r"page 2, item 5 is not an entity: missing apiVersion"),
    ):
        read(server.url, clock)


def test_the_api_catalog_suffix_and_trailing_slash_are_accepted(server, clock):
    entities, _ = read(server.url + "/api/catalog/", clock)

    assert len(entities) == 86


@pytest.mark.parametrize("url", ["backstage.example.com", "ftp://backstage.example.com", "http://"])
def test_a_url_without_http_scheme_and_host_is_refused(url):
    with pytest.raises(BackstageError, match="is not a Backstage URL"):
        backend_base_url(url)
