"""What the reports read: entities, their latest results and result history.

`read_report_inputs` is the only part of the reports that touches a store; every
report function takes the `ReportInputs` it returns, so reports are pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scorecards.entities import Entity
from scorecards.errors import ScorecardsError
from scorecards.evaluation import FactSnapshot
from scorecards.results import EntityEvaluation
from scorecards.stores.base import Store, with_confirmation


class ReportError(ScorecardsError):
    """A report was asked for something that does not exist (unknown scorecard, campaign...)."""


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report needs, keyed by entity ref.

    `history` holds each entity's stored results oldest first: one point per change,
    then the latest results as of their last confirmation (`Store.evaluation_timeline`);
    `facts` the latest input facts, which campaign `applies` expressions may read.
    """

    entities: Mapping[str, Entity]
    latest: Mapping[str, EntityEvaluation]
    history: Mapping[str, Sequence[EntityEvaluation]]
    facts: Mapping[str, Mapping[str, FactSnapshot]] = field(default_factory=dict)

    def evaluation_at(self, ref: str, moment: datetime) -> EntityEvaluation | None:
        """The entity's results as they stood at `moment`: its last point at or before it."""
        found: EntityEvaluation | None = None
        for evaluation in self.history.get(ref, ()):
            if evaluation.evaluated_at > moment:
                break
            found = evaluation
        if found is None:
            latest = self.latest.get(ref)
            if latest is not None and latest.evaluated_at <= moment and not self.history.get(ref):
                return latest
        return found


def read_report_inputs(store: Store, with_facts: bool = False) -> ReportInputs:
    """Every stored entity with its latest results and history (facts only when asked)."""
    refs = store.list_entity_refs()
    entities = store.get_entities(refs)
    latest = store.latest_evaluations(refs)
    history = {
        ref: with_confirmation(store.evaluation_history(ref), evaluation)
        for ref, evaluation in latest.items()
    }
    facts = store.input_facts(refs) if with_facts else {}
    return ReportInputs(entities, latest, history, facts)
