"""Expensive requests (what-if here) run off the event loop in a small pool of their own:
the server keeps answering while one runs, and one too many is a 503 with Retry-After."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.conftest import TOKEN, ApiServer, ServerFactory
from tests.api.test_what_if import AT

RUNNING = "scorecards_expensive_requests_in_progress 1.0"
START_SECONDS = 60.0
# A comprehension of ~5,000 steps per check and entity: seconds over the 81 stored entities,
# far from any cost limit of a single evaluation.
NUMBERS = ", ".join(str(n) for n in range(100))
SLOW_CHECKS = "checks:\n" + "".join(
    f"  - id: slow-{n}\n"
    f"    name: Slow {n}\n"
    "    severity: low\n"
    f"    rule: '[{NUMBERS}].all(x, [{NUMBERS}].exists(y, y >= x))'\n"
    for n in range(8)
)


@pytest.fixture(scope="module")
def single_slot(server_factory: ServerFactory) -> ApiServer:
    return server_factory(SCORECARDS_API_EXPENSIVE_REQUESTS="1")


def what_if(server: ApiServer) -> httpx.Response:
    with server.client(TOKEN) as client:
        return client.post("/api/v1/what-if", json={"files": {"slow.yaml": SLOW_CHECKS}, "at": AT})


def wait_until_running(server: ApiServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    with server.client() as client:
        while time.monotonic() < deadline:
            if RUNNING in client.get("/metrics").text:
                return
            time.sleep(0.02)
    raise AssertionError("the what-if never started")


def test_healthz_answers_while_a_slow_what_if_runs(single_slot):
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(what_if, single_slot)
        wait_until_running(single_slot)
        with single_slot.client() as client:
            health = client.get("/healthz")
        assert not slow.done(), "the what-if ended before /healthz answered"
        assert health.status_code == 200
        assert slow.result().status_code == 200


def test_an_expensive_request_beyond_the_pool_is_a_503_with_retry_after(single_slot):
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(what_if, single_slot)
        wait_until_running(single_slot)
        refused = what_if(single_slot)
        assert not slow.done(), "the first what-if ended before the second was refused"
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) > 0
        assert "SCORECARDS_API_EXPENSIVE_REQUESTS" in refused.json()["error"]["message"]
        assert slow.result().status_code == 200
