"""Report routes on a real server over the seeded history (tests/seeded_history.py),
asked as of a fixed time past the on-call-ready deadline."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import ApiServer, start_server
from tests.seeded_history import seeded_history

AT = {"at": "2027-02-15T12:00:00Z"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    history = seeded_history(tmp_path_factory.getbasetemp())
    folder = tmp_path_factory.mktemp("reports-server")
    shutil.copyfile(history.store_path, folder / "scores.db")
    running = start_server(
        folder,
        f"sqlite:///{folder / 'scores.db'}",
        SCORECARDS_DEFINITIONS=str(history.definitions_folder),
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def test_the_team_report_gives_each_team_its_change_since_a_day(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/reports/teams",
        params={"scorecard": "service-maturity", "since": "2026-11-25", **AT},
    )
    assert answer.status_code == 200, answer.text
    (scorecard,) = answer.json()["scorecards"]
    changes = {t["team"]: t["change"] for t in scorecard["teams"]}
    assert changes["group:default/platform-team"] == 9.7
    assert scorecard["total"]["entities"] == 17


def test_the_team_report_as_csv_on_request(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/reports/teams", params={"scorecard": "delivery", "format": "csv", **AT}
    )
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows[-1]["team"] == "(all)"


def test_an_accept_header_asking_for_csv_gets_csv(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/campaigns/on-call-ready", params=AT, headers={"Accept": "text/csv"}
    )
    assert answer.text.splitlines()[-1] == "on-call-ready,2027-01-31,(all),15,10,0,5,5"


def test_campaigns_are_listed_with_their_counts(client: httpx.Client) -> None:
    answer = client.get("/api/v1/campaigns", params=AT)
    assert answer.status_code == 200
    first = answer.json()[0]
    assert (first["id"], first["remaining"], first["overdue"]) == ("on-call-ready", 5, 5)


def test_a_campaign_has_its_burndown_and_remaining_entities(client: httpx.Client) -> None:
    data = client.get("/api/v1/campaigns/on-call-ready", params=AT).json()
    days = {p["day"]: p["remaining"] for p in data["burndown"]}
    assert (days["2027-01-10"], days["2027-01-11"]) == (4, 5)
    remaining = [e["entity"] for e in data["entities"] if e["progress"] == "remaining"]
    assert "component:default/webhook-dispatcher" in remaining


def test_an_unknown_campaign_is_a_404_naming_the_known_ones(client: httpx.Client) -> None:
    answer = client.get("/api/v1/campaigns/nope")
    assert answer.status_code == 404
    assert "on-call-ready" in answer.json()["error"]["message"]


def test_trends_of_an_entity_by_day_its_results_changed_and_its_last_run(
    client: httpx.Client,
) -> None:
    answer = client.get(
        "/api/v1/reports/trends",
        params={
            "entity": "component:default/notification-service",
            "scorecard": "service-maturity",
            **AT,
        },
    )
    (series,) = answer.json()["series"]
    assert [(p["day"], p["average"]) for p in series["points"]] == [
        ("2026-11-25", 47.22),
        ("2027-01-05", 66.67),
        ("2027-01-20", 66.67),
    ]


def test_trends_of_a_team_named_by_its_bare_name(client: httpx.Client) -> None:
    answer = client.get(
        "/api/v1/reports/trends", params={"team": "platform-team", "scorecard": "delivery", **AT}
    )
    (series,) = answer.json()["series"]
    assert (series["subject"], series["key"]) == ("team", "group:default/platform-team")


def test_trends_of_an_unknown_scorecard_are_a_404(client: httpx.Client) -> None:
    answer = client.get("/api/v1/reports/trends", params={"scorecard": "nope"})
    assert answer.status_code == 404
    assert "no scorecard 'nope'" in answer.json()["error"]["message"]


def test_a_since_that_is_not_a_time_is_a_422_saying_so(client: httpx.Client) -> None:
    answer = client.get("/api/v1/reports/teams", params={"since": "yesterday"})
    assert answer.status_code == 422
    assert answer.json()["details"][0]["field"] == "query.since"
