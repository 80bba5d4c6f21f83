"""Facts: what sources report about entities.

A `Fact` is one source's values about one entity at one time, as sources produce
and stores keep them. A `FactSnapshot` is the same without the entity and source,
as evaluation reads them: the latest values of one source for the entity at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Evaluation results are stored as facts of this source, so they get history too.
RESULTS_SOURCE = "scorecards"


@dataclass(frozen=True, slots=True)
class Fact:
    """Values a source reported about one entity at one time."""

    entity_ref: str
    source: str
    timestamp: datetime
    values: Mapping[str, Any]

    def snapshot(self) -> FactSnapshot:
        return FactSnapshot(self.timestamp, self.values)


@dataclass(frozen=True, slots=True)
class FactSnapshot:
    """The latest facts of one source for one entity, as the evaluator needs them."""

    timestamp: datetime
    values: Mapping[str, Any]
