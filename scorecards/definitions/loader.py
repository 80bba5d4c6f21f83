"""Read a definitions folder: parse, validate and compile, collecting every problem.

Every problem in the folder is collected and raised at once as a
`DefinitionsError`; a folder with any problem loads nothing, so a running
service keeps its previous, good definitions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from scorecards.cel import Expression, types
from scorecards.cel.types import Type
from scorecards.definitions.compiled import (
    Campaign,
    Check,
    Definitions,
    Exemption,
    LevelRule,
    Notification,
    Scorecard,
    Source,
)
from scorecards.definitions.expressions import (
    FACT_VARIABLES,
    URL_VARIABLES,
    compile_field,
    facts_type,
    rule_variables,
)
from scorecards.definitions.guards import unguarded_reads
from scorecards.definitions.reading import SPEC_TYPES, Item, did_you_mean, read_items
from scorecards.definitions.source_secrets import source_problems
from scorecards.definitions.specs import (
    CheckSpec,
    ExemptionSpec,
    NotificationSpec,
    ScorecardSpec,
    SourceSpec,
)
from scorecards.errors import CatalogError, Problem
from scorecards.records.fact_schemas import BUILTIN_FACT_SCHEMAS
from scorecards.records.refs import normalize_ref

CEL_FIELDS = {
    "checks": ("applies", "rule", "message"),
    "scorecards": ("applies",),
    "campaigns": ("applies",),
    "sources": ("applies", "url"),
    "notifications": ("applies",),
}


def read_definitions(
    folder: str | Path, *, environ: Mapping[str, str] | None = None
) -> tuple[Definitions, list[Problem]]:
    """Read, validate and compile every `*.yaml` under `folder`: the definitions that
    compiled, and every problem found (the engine's `load_definitions` also runs the
    inline tests, then refuses the folder if anything is wrong).

    With `environ` (e.g. os.environ), every `${VAR}` a source header uses must be set
    in it; commands that never collect pass None, so an unset token cannot block them.
    """
    root = Path(folder)
    problems: list[Problem] = []
    items = list(read_items(root, problems))
    for item in items:
        _validate_item(item, problems)
    valid = [item for item in items if item.spec is not None]
    _check_unique_ids(valid, problems)
    problems.extend(_source_problems(valid, environ))
    # Ids of every check written, valid or not: a broken check is reported once, at
    # its own entry, not again as "unknown" wherever it is referenced.
    declared = frozenset(item.id for item in items if item.section == "checks" and item.id)
    return _compile(valid, declared, problems), problems


def _validate_item(item: Item, problems: list[Problem]) -> None:
    spec_type = SPEC_TYPES[item.section]
    if not isinstance(item.data, dict):
        problems.append(
            item.problem(f"each entry must be a mapping, got {type(item.data).__name__}")
        )
        return
    try:
        item.spec = spec_type.model_validate(item.data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_validation_problem(item, spec_type, error))
        # Still check its CEL, so one pass reports syntax errors too.
        for name in CEL_FIELDS.get(item.section, ()):
            source = item.data.get(name)
            if isinstance(source, str):
                variables = rule_variables(types.MAP_DYN)
                compile_field(item, (name,), source, problems, variables)


def _validation_problem(item: Item, spec_type: type[BaseModel], error: Any) -> Problem:
    loc = tuple(part for part in error["loc"] if isinstance(part, str | int))
    path = ".".join(str(p) for p in loc) or "entry"
    if error["type"] == "extra_forbidden":
        fields = [f.alias or name for name, f in spec_type.model_fields.items()]
        return item.problem(f"unknown key '{path}'", *loc, hint=did_you_mean(str(loc[-1]), fields))
    if error["type"] == "missing":
        return item.problem(f"'{path}' is required", *loc)
    value = error.get("input")
    shown = repr(value) if not isinstance(value, dict | list) else None
    message = error["msg"].removeprefix("Value error, ")
    text = f"{path}: {message}" + (f" (got {shown})" if shown else "")
    return item.problem(text, *loc, hint=_hint_for(path))


def _hint_for(path: str) -> str | None:
    hints = {
        "severity": "one of critical, high, medium, low",
        "id": "ids are lower-case words joined by '-', e.g. has-owner",
        "expires": "a date such as 2027-01-31",
        "deadline": "a date such as 2027-01-31",
        "maxAge": "a duration such as 12h, 7d or 2w",
        "weight": "a positive number",
    }
    return hints.get(path.split(".")[-1])


def _check_unique_ids(items: list[Item], problems: list[Problem]) -> None:
    seen: dict[Any, Item] = {}
    for item in items:
        key: Any = (
            ("exemption", item.spec.check, item.spec.entity.lower())
            if item.section == "exemptions"
            else item.spec.id
        )
        first = seen.setdefault(key, item)
        if first is not item:
            problems.append(
                item.problem(
                    f"duplicate id: already defined as {first.kind} at {first.location}",
                    "id" if item.section != "exemptions" else "check",
                    hint="ids are unique across the whole definitions folder; rename one",
                )
            )


def _compile(items: list[Item], declared: frozenset[str], problems: list[Problem]) -> Definitions:
    """Compile every valid entry; entries with problems are left out (and reported)."""
    by_section: dict[str, list[Item]] = {section: [] for section in SPEC_TYPES}
    for item in items:
        by_section[item.section].append(item)
    variables = rule_variables(
        facts_type((item.spec.id, item.spec.fact_schema) for item in by_section["sources"])
    )
    checks = {
        c.id: c for item in by_section["checks"] if (c := _compile_check(item, problems, variables))
    }
    scorecards = {}
    for item in by_section["scorecards"]:
        scorecard = _compile_scorecard(item, checks, declared, problems, variables)
        if scorecard is not None:
            scorecards[scorecard.id] = scorecard
    campaigns = {}
    for item in by_section["campaigns"]:
        _require_known_checks(item, item.spec.checks, declared, problems)
        campaigns[item.spec.id] = Campaign(
            item.spec, item.location, _compile_optional(item, "applies", problems, variables)
        )
    exemptions = {}
    for item in by_section["exemptions"]:
        exemption = _compile_exemption(item, declared, problems)
        if exemption is not None:
            exemptions[(exemption.spec.check, exemption.entity_ref)] = exemption
    sources = {
        s.id: s
        for item in by_section["sources"]
        if (s := _compile_source(item, problems, variables))
    }
    notifications = {
        item.spec.id: _compile_notification(
            item, checks, scorecards, campaigns, problems, variables
        )
        for item in by_section["notifications"]
    }
    return Definitions(
        checks=checks,
        scorecards=scorecards,
        campaigns=campaigns,
        exemptions=exemptions,
        sources=sources,
        # Who hears about results does not change them: editing a rule re-scores nothing.
        version=_version([item.spec for item in items if item.section != "notifications"]),
        warnings=(*_warnings(checks), *_source_warnings(sources)),
        max_ages={s.id: s.spec.max_age for s in sources.values() if s.spec.max_age},
        notifications=notifications,
    )


def _compile_notification(
    item: Item,
    checks: Mapping[str, Check],
    scorecards: Mapping[str, Scorecard],
    campaigns: Mapping[str, Campaign],
    problems: list[Problem],
    variables: Mapping[str, Type],
) -> Notification:
    spec: NotificationSpec = item.spec
    known_ids: tuple[tuple[str, list[str], Mapping[str, Any]], ...] = (
        ("checks", spec.checks, checks),
        ("scorecards", spec.scorecards, scorecards),
        ("campaigns", spec.campaigns, campaigns),
    )
    for key, ids, known in known_ids:
        for index, unknown in enumerate(ids):
            if unknown not in known:
                problems.append(
                    item.problem(
                        f"unknown {key[:-1]} '{unknown}'",
                        key,
                        index,
                        hint=did_you_mean(unknown, sorted(known)),
                    )
                )
    return Notification(
        spec, item.location, _compile_optional(item, "applies", problems, variables)
    )


def _compile_optional(
    item: Item, name: str, problems: list[Problem], variables: Mapping[str, Type]
) -> Expression | None:
    """Compile an optional predicate; the constant `true` compiles to nothing to run."""
    source = getattr(item.spec, name)
    if source is None or source.strip() == "true":
        return None
    return compile_field(item, (name,), source, problems, variables, types.BOOL)


def _compile_check(
    item: Item, problems: list[Problem], variables: Mapping[str, Type]
) -> Check | None:
    spec: CheckSpec = item.spec
    count = len(problems)
    applies = _compile_optional(item, "applies", problems, variables)
    rule = compile_field(item, ("rule",), spec.rule, problems, variables, types.BOOL)
    message = (
        compile_field(item, ("message",), spec.message, problems, variables)
        if spec.message
        else None
    )
    if rule is None or len(problems) > count:
        return None
    read = rule.fact_sources | (message.fact_sources if message else frozenset())
    test_lines = tuple(item.line("tests", index) for index in range(len(spec.tests)))
    return Check(
        spec, item.location, applies, rule, message, frozenset(spec.requires) | read, test_lines
    )


def _compile_scorecard(
    item: Item,
    checks: dict[str, Check],
    declared: frozenset[str],
    problems: list[Problem],
    variables: Mapping[str, Type],
) -> Scorecard | None:
    spec: ScorecardSpec = item.spec
    refs = spec.check_refs
    _require_known_checks(item, [r.id for r in refs], declared, problems)
    included = {r.id for r in refs}
    for index, level in enumerate(spec.levels):
        for check_id in level.checks:
            if check_id not in included:
                problems.append(
                    item.problem(
                        f"level '{level.name}' requires check '{check_id}', "
                        "which the scorecard does not include",
                        "levels",
                        index,
                        "checks",
                        hint=f"add '{check_id}' to the scorecard's checks, or remove it from the level",
                    )
                )
    applies = _compile_optional(item, "applies", problems, variables)
    weights = tuple(
        (r.id, r.weight if r.weight is not None else checks[r.id].weight)
        for r in refs
        if r.id in checks
    )
    levels = tuple(LevelRule(lv.name, tuple(lv.checks), lv.min_score) for lv in spec.levels)
    return Scorecard(spec, item.location, applies, weights, levels)


def _require_known_checks(
    item: Item, ids: list[str], declared: frozenset[str], problems: list[Problem]
) -> None:
    for check_id in ids:
        if check_id not in declared:
            problems.append(
                item.problem(
                    f"unknown check '{check_id}'",
                    "checks",
                    hint=did_you_mean(check_id, sorted(declared)),
                )
            )


def _compile_exemption(
    item: Item, declared: frozenset[str], problems: list[Problem]
) -> Exemption | None:
    spec: ExemptionSpec = item.spec
    if spec.check not in declared:
        problems.append(
            item.problem(
                f"unknown check '{spec.check}'",
                "check",
                hint=did_you_mean(spec.check, sorted(declared)),
            )
        )
        return None
    try:
        ref = normalize_ref(spec.entity)
    except CatalogError as exc:
        problems.append(item.problem(str(exc), "entity"))
        return None
    return Exemption(spec, item.location, ref)


def _compile_source(
    item: Item, problems: list[Problem], variables: Mapping[str, Type]
) -> Source | None:
    spec: SourceSpec = item.spec
    count = len(problems)
    applies = _compile_optional(item, "applies", problems, variables)
    url = (
        compile_field(item, ("url",), spec.url, problems, URL_VARIABLES, types.STRING)
        if spec.url
        else None
    )
    facts = {
        name: expression
        for name, text in spec.facts.items()
        if (expression := compile_field(item, ("facts", name), text, problems, FACT_VARIABLES))
        is not None
    }
    if len(problems) > count:
        return None
    return Source(spec, item.location, applies, url, facts)


def _source_problems(items: list[Item], environ: Mapping[str, str] | None) -> Iterator[Problem]:
    """Secrets and hosts (grants and unset variables only when `environ` is given);
    keys a github source ignores."""
    for item in items:
        if item.section != "sources":
            continue
        spec: SourceSpec = item.spec
        for problem in source_problems(spec, environ):
            yield item.problem(problem.message, *problem.path, hint=problem.hint)
        if spec.type == "github":
            for key in ("url", "headers", "secrets", "hosts", "facts"):
                if getattr(spec, key):
                    yield item.problem(
                        f"a github source takes no '{key}': its facts are built in",
                        key,
                        hint="set SCORECARDS_GITHUB_API_URL and SCORECARDS_GITHUB_TOKEN instead",
                    )


def _source_warnings(sources: Mapping[str, Source]) -> Iterator[Problem]:
    """Pushed facts are checked against their source's schema; without one every push is
    refused (scorecards/api/native/facts.py), so say so before anyone pushes."""
    for source in sources.values():
        if source.spec.type != "push" or source.spec.fact_schema:
            continue
        if source.id in BUILTIN_FACT_SCHEMAS:
            continue
        yield Problem(
            source.location.file,
            source.location.line,
            "source",
            source.id,
            "declares no schema: facts pushed to it, through the API or fact files, are "
            "refused, and the rules reading it are not type-checked",
            hint="declare its facts, e.g. schema: {coverage: {type: float}}",
        )


def _warnings(checks: dict[str, Check]) -> Iterator[Problem]:
    for check in checks.values():
        applies = check.spec.applies
        for field, source, preconditions in (
            ("applies", applies, ()),
            ("rule", check.spec.rule, (applies,)),
            ("message", check.spec.message, (applies,)),
        ):
            for read in unguarded_reads(source, preconditions) if source else ():
                yield Problem(
                    check.location.file,
                    check.location.line,
                    "check",
                    check.id,
                    f"{field} reads {read} without a guard; entities without it get status error",
                    expression=source,
                    hint=f'guard it, e.g. has({read}) && ... (or "key" in map for a key)',
                )
        unrequired = sorted(check.rule.fact_sources - set(check.spec.requires))
        if unrequired:
            yield Problem(
                check.location.file,
                check.location.line,
                "check",
                check.id,
                f"rule reads facts of {', '.join(unrequired)} without listing them in requires",
                hint="add them to `requires` so missing or stale facts give unknown, not error",
            )


def _version(specs: list[Any]) -> str:
    """A hash of the definitions' content: formatting and comments do not change it."""
    canonical = sorted(
        json.dumps(spec.model_dump(mode="json", by_alias=True), sort_keys=True) for spec in specs
    )
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()[:16]
