"""`scorecards gate` without a server's verdict: judged here, from the configured store's
latest results or from a catalog file (the change under review) with its facts.

Its own module because it needs the definitions (and so CEL) and a store: a remote
gate (`--server` alone) does not import it.
"""

from __future__ import annotations

from pathlib import Path

from scorecards.cli import open_configured_store
from scorecards.cli.configuration import load_cli_settings
from scorecards.cli.remote import ScorecardsServer
from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import CatalogError
from scorecards.formats.timeutil import utcnow
from scorecards.gate import (
    GateDecision,
    GatePolicy,
    catalog_location,
    decide_gate,
    decide_gate_for_entity,
)
from scorecards.records.entities import Entity
from scorecards.records.facts import FactSnapshot
from scorecards.records.refs import entity_ref
from scorecards.settings import Settings
from scorecards.sources.catalog.files import load_catalog_files


def decide_locally(
    policy: GatePolicy,
    definitions_folder: str | None,
    store: str | None,
    server: str | None,
    catalog_file: Path | None,
    timeout: float,
) -> GateDecision:
    """The decision judged here: the entity as `catalog_file` describes it (facts from
    `server` or the store), else the store's latest results."""
    settings = load_cli_settings(definitions=definitions_folder, store_url=store)
    token = settings.token.get_secret_value() if settings.token is not None else None
    if catalog_file is not None:
        return _decide_as_described(policy, settings, catalog_file, server, token, timeout)
    return _decide_from_store(policy, settings)


def _decide_as_described(
    policy: GatePolicy,
    settings: Settings,
    catalog_file: Path,
    server: str | None,
    token: str | None,
    timeout: float,
) -> GateDecision:
    definitions = load_definitions(settings.definitions, run_tests=False)
    entity = _entity_in(catalog_file, policy.entity_ref)
    facts = _facts(policy.entity_ref, definitions, settings, server, token, timeout)
    location = catalog_file.as_posix()
    return decide_gate_for_entity(definitions, entity, facts, policy, utcnow(), location)


def _decide_from_store(policy: GatePolicy, settings: Settings) -> GateDecision:
    definitions = load_definitions(settings.definitions, run_tests=False)
    stored = open_configured_store(settings)
    try:
        evaluation = stored.latest_evaluations([policy.entity_ref]).get(policy.entity_ref)
        location = catalog_location(stored.get_entity(policy.entity_ref))
        collected = stored.facts_last_collected(evaluation) if evaluation else None
    finally:
        stored.close()
    return decide_gate(evaluation, definitions, policy, utcnow(), location, collected)


def _entity_in(catalog_file: Path, ref: str) -> Entity:
    entities = load_catalog_files(catalog_file)
    for entity in entities:
        if entity_ref(entity) == ref:
            return entity
    described = ", ".join(entity_ref(e) for e in entities) or "no entity"
    raise CatalogError(
        f"{catalog_file} describes {described}, not {ref} — check the entity ref "
        "(kind:namespace/name) or the --catalog-file path"
    )


def _facts(
    ref: str,
    definitions: Definitions,
    settings: Settings,
    server: str | None,
    token: str | None,
    timeout: float,
) -> dict[str, FactSnapshot]:
    if server is not None:
        sources = {s for check in definitions.checks.values() for s in check.fact_sources}
        with ScorecardsServer(server, token, timeout) as remote:
            return remote.latest_facts(ref, sources)
    stored = open_configured_store(settings)
    try:
        return stored.input_facts([ref]).get(ref, {})
    finally:
        stored.close()
