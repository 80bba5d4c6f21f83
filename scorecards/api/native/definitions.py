"""The definitions in force: GET to see them, POST .../reload to re-read the folder.

A reload that finds problems keeps serving the previous definitions and answers
422 with every problem, located; nothing half-loaded is ever served.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from scorecards.api.auth import require, require_read
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.routing import api_router
from scorecards.api.token_scopes import Action
from scorecards.definitions.compiled import Definitions
from scorecards.errors import DefinitionsError

router = api_router(prefix="/api/v1/definitions", tags=["definitions"])


def describe(definitions: Definitions) -> dict[str, Any]:
    return {
        "version": definitions.version,
        "checks": len(definitions.checks),
        "scorecards": len(definitions.scorecards),
        "campaigns": len(definitions.campaigns),
        "exemptions": len(definitions.exemptions),
        "sources": len(definitions.sources),
        "warnings": [str(warning) for warning in definitions.warnings],
    }


@router.get("", dependencies=[Depends(require_read)], summary="The definitions in force")
def get_definitions(context: ApiContext = Depends(get_context)) -> dict[str, Any]:
    return describe(context.definitions.current)


@router.post(
    "/reload",
    dependencies=[Depends(require(Action.RELOAD_DEFINITIONS))],
    summary="Re-read the definitions folder; invalid definitions leave the current ones in force",
)
async def reload_definitions(context: ApiContext = Depends(get_context)) -> dict[str, Any]:
    try:
        # Loading runs every check's inline tests.
        previous, current = await context.expensive.run(
            context.definitions.reload, "a definitions reload"
        )
    except DefinitionsError as exc:
        details = [
            {
                "field": f"{problem.file}:{problem.line}",
                "message": str(problem),
            }
            for problem in exc.problems
        ]
        raise ApiError(
            422,
            f"the definitions in {context.definitions.folder} have "
            f"{len(exc.problems)} problem(s); still serving version "
            f"{context.definitions.current.version}",
            details=details,
        ) from None
    return {**describe(current), "previous_version": previous.version}
