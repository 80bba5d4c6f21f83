"""Fixtures of the report tests: the seeded history (tests/seeded_history.py), read once
per module."""

from __future__ import annotations

import pytest

from scorecards.definitions.compiled import Definitions
from scorecards.reports.inputs import ReportInputs, read_report_inputs
from scorecards.stores.sqlite import SQLiteStore
from tests.seeded_history import SeededHistory, seeded_history


@pytest.fixture(scope="module")
def report_history(tmp_path_factory: pytest.TempPathFactory) -> SeededHistory:
    return seeded_history(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def report_definitions(report_history: SeededHistory) -> Definitions:
    return report_history.definitions()


@pytest.fixture(scope="module")
def report_inputs(report_history: SeededHistory) -> ReportInputs:
    store = SQLiteStore(report_history.store_path)
    try:
        return read_report_inputs(store, with_facts=True)
    finally:
        store.close()
