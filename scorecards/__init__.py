"""scorecards: Tech Insights-style scorecards for Backstage, as a Python library.

Checks are YAML with CEL rules; evaluating an entity gives each check a status and
each scorecard a score (0-100) and a level. The same engine runs behind the
`scorecards` command, the API server and the Celery workers; this module is the
small, typed face for other Python programs::

    import scorecards

    definitions = scorecards.load_definitions("checks/")
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
              "metadata": {"name": "payments-api"},
              "spec": {"type": "service", "lifecycle": "production", "owner": "payments"}}
    evaluation = scorecards.evaluate(definitions, entity, facts={"ci": {"coverage": 85}})
    for card in evaluation.scorecards:
        print(card.scorecard_id, card.score, card.level)

    with scorecards.open_store("sqlite:///.scorecards/scorecards.db") as store:
        stored = store.latest_evaluations(["component:default/payments-api"])

The public names:

- load_definitions(folder): read, check and test a definitions folder -> Definitions
  (DefinitionsError listing every problem at file:line).
- evaluate(definitions, entity, facts=None, now=None) -> EntityEvaluation: the raw
  Backstage entity is normalised as the catalog does; facts map a source id to values.
- EntityEvaluation: .checks (CheckResult: check_id, status, message) and .scorecards
  (ScorecardResult: scorecard_id, score, level, counts); .check(id), .scorecard(id).
- Status: pass, fail, exempt, unknown, error, skip.
- open_store(url) -> Store (sqlite:///path, redis://host/db, postgresql://host/db), usable with `with`.
- ScorecardsError and its subclasses: every error scorecards raises on purpose.

Names are imported when first used, so `import scorecards` stays cheap for the
command line. The design of record is docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scorecards.definitions.compiled import Definitions
    from scorecards.engine.evaluation import evaluate
    from scorecards.engine.loading import load_definitions
    from scorecards.errors import (
        CatalogError,
        CelEvaluationError,
        CelSyntaxError,
        ConfigurationError,
        DefinitionsError,
        FactsError,
        ScorecardsError,
        StoreError,
    )
    from scorecards.records.facts import Fact, FactSnapshot
    from scorecards.records.results import CheckResult, EntityEvaluation, ScorecardResult, Status
    from scorecards.stores import Store, open_store

_PUBLIC = {
    "load_definitions": "scorecards.engine.loading",
    "evaluate": "scorecards.engine.evaluation",
    "Definitions": "scorecards.definitions.compiled",
    "EntityEvaluation": "scorecards.records.results",
    "CheckResult": "scorecards.records.results",
    "ScorecardResult": "scorecards.records.results",
    "Status": "scorecards.records.results",
    "Fact": "scorecards.records.facts",
    "FactSnapshot": "scorecards.records.facts",
    "Store": "scorecards.stores",
    "open_store": "scorecards.stores",
    **{
        name: "scorecards.errors"
        for name in (
            "ScorecardsError",
            "DefinitionsError",
            "CatalogError",
            "CelSyntaxError",
            "CelEvaluationError",
            "ConfigurationError",
            "FactsError",
            "StoreError",
        )
    },
}
__all__ = [
    "CatalogError",
    "CelEvaluationError",
    "CelSyntaxError",
    "CheckResult",
    "ConfigurationError",
    "Definitions",
    "DefinitionsError",
    "EntityEvaluation",
    "Fact",
    "FactSnapshot",
    "FactsError",
    "ScorecardResult",
    "ScorecardsError",
    "Status",
    "Store",
    "StoreError",
    "__version__",
    "evaluate",
    "load_definitions",
    "open_store",
]


def __getattr__(name: str) -> Any:
    # PEP 562: the public names are imported on first use, so the CLI's start-up (a
    # remote `scorecards gate` in CI) does not pay for the engine and the stores.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("scorecards")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'scorecards' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
