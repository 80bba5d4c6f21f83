"""What the entity list and the entity page show. Pure.

The list is filtered like `GET /api/v1/entities` (kind, owner, scorecard, level)
plus a score band, which the overview's histogram bars link to. The page is the
native API's explanation, grouped for reading: what fails first, with its
message, remediation and links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scorecards.api.dashboard.charts import PALETTE, Series, line_chart
from scorecards.api.native.explanations import entity_explanation
from scorecards.definitions.compiled import Definitions
from scorecards.records.entities import Entity, owner_ref
from scorecards.records.results import EntityEvaluation, ScorecardResult, Status
from scorecards.reports.ownership import Ownership
from scorecards.reports.summaries import NO_LEVEL

NEEDS_WORK = ("fail", "error", "unknown")  # counted against the score, listed first
SEVERITIES = ("critical", "high", "medium", "low")  # the order "needs work" lists them in
FAILING = (Status.FAIL, Status.ERROR)  # as the overview's "checks failing most" counts them


@dataclass(frozen=True)
class EntityFilter:
    kind: str | None = None
    owner: str | None = None  # a full owner ref
    team: str | None = None  # a group ref: entities it owns, or a group below it owns
    scorecard: str | None = None
    level: str | None = None  # in `scorecard` if given, else in any; NO_LEVEL for none
    failing: str | None = None  # a check id: entities it fails (or errors) for
    min_score: float | None = None  # in `scorecard`, inclusive
    below: float | None = None  # in `scorecard`, exclusive

    def describe(self) -> list[tuple[str, str]]:
        return [(name, str(value)) for name, value in vars(self).items() if value is not None]


@dataclass(frozen=True)
class EntityRow:
    ref: str
    name: str
    title: str | None
    kind: str
    owner: str | None
    lifecycle: str | None
    scorecards: tuple[ScorecardResult, ...]


def select_entities(
    documents: Mapping[str, Entity],
    evaluations: Mapping[str, EntityEvaluation],
    wanted: EntityFilter,
) -> list[EntityRow]:
    """The entities that match every given filter, sorted by ref."""
    ownership = Ownership.of(documents.values()) if wanted.team is not None else None
    rows = []
    for ref in sorted(documents):
        entity = documents[ref]
        evaluation = evaluations.get(ref)
        if ownership is not None and wanted.team not in ownership.teams_of(ref):
            continue
        if not _matches(ref, entity, evaluation, wanted):
            continue
        metadata = entity.get("metadata") or {}
        spec = entity.get("spec") or {}
        lifecycle = spec.get("lifecycle")
        rows.append(
            EntityRow(
                ref=ref,
                name=str(metadata.get("name", ref)),
                title=metadata.get("title") if isinstance(metadata.get("title"), str) else None,
                kind=str(entity.get("kind", "")),
                owner=owner_ref(entity),
                lifecycle=lifecycle if isinstance(lifecycle, str) else None,
                scorecards=tuple(evaluation.scorecards if evaluation else ()),
            )
        )
    return rows


def _matches(
    ref: str, entity: Entity, evaluation: EntityEvaluation | None, wanted: EntityFilter
) -> bool:
    if wanted.kind is not None and not ref.startswith(f"{wanted.kind.lower()}:"):
        return False
    if wanted.owner is not None and owner_ref(entity) != wanted.owner:
        return False
    if wanted.failing is not None and not _fails(evaluation, wanted.failing):
        return False
    needs_results = (wanted.scorecard, wanted.level, wanted.min_score, wanted.below)
    if all(value is None for value in needs_results):
        return True
    if evaluation is None:
        return False
    cards = [
        c
        for c in evaluation.scorecards
        if wanted.scorecard is None or c.scorecard_id == wanted.scorecard
    ]
    return any(_card_matches(card, wanted) for card in cards)


def _fails(evaluation: EntityEvaluation | None, check_id: str) -> bool:
    result = evaluation.check(check_id) if evaluation else None
    return result is not None and result.status in FAILING


def _card_matches(card: ScorecardResult, wanted: EntityFilter) -> bool:
    if wanted.level is not None and (card.level or NO_LEVEL).lower() != wanted.level.lower():
        return False
    if wanted.min_score is None and wanted.below is None:
        return True
    if card.score is None:
        return False
    if wanted.min_score is not None and card.score < wanted.min_score:
        return False
    return wanted.below is None or card.score < wanted.below


@dataclass(frozen=True)
class EntityPage:
    explanation: dict[str, Any]  # the native API's explanation of the entity
    description: str | None
    checks_by_status: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    history: tuple[tuple[str, str, tuple[tuple[date, float], ...]], ...] = ()

    def needs_work(self) -> list[dict[str, Any]]:
        """The checks counted against the score, the most severe first (a critical
        leak before a missing tag); within a severity, fail, error, then unknown."""
        checks = [c for status in NEEDS_WORK for c in self.checks_by_status.get(status, [])]
        return sorted(checks, key=lambda check: _severity_rank(check.get("severity")))

    def history_chart(self) -> str:
        series = [
            Series(name, points, PALETTE[index % len(PALETTE)])
            for index, (_, name, points) in enumerate(self.history)
        ]
        return line_chart(series, title="Scores over time", y_max=100)


def _severity_rank(severity: object) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def build_entity_page(
    ref: str,
    entity: Entity | None,
    evaluation: EntityEvaluation,
    history: Sequence[EntityEvaluation],
    definitions: Definitions,
) -> EntityPage:
    explanation = entity_explanation(ref, entity, evaluation, definitions)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in explanation["checks"]:
        grouped.setdefault(check["status"], []).append(check)
    description = ((entity or {}).get("metadata") or {}).get("description")
    return EntityPage(
        explanation=explanation,
        description=description if isinstance(description, str) else None,
        checks_by_status=grouped,
        history=daily_scores(history, definitions),
    )


def daily_scores(
    history: Sequence[EntityEvaluation], definitions: Definitions
) -> tuple[tuple[str, str, tuple[tuple[date, float], ...]], ...]:
    """(scorecard id, name, (day, score) points) per scorecard: the last score of each day."""
    by_card: dict[str, dict[date, float]] = {}
    for evaluation in sorted(history, key=lambda e: e.evaluated_at):
        day = evaluation.evaluated_at.date()
        for card in evaluation.scorecards:
            if card.score is not None:
                by_card.setdefault(card.scorecard_id, {})[day] = card.score
    return tuple(
        (
            card_id,
            scorecard.spec.name if (scorecard := definitions.scorecards.get(card_id)) else card_id,
            tuple(sorted(points.items())),
        )
        for card_id, points in by_card.items()
    )
