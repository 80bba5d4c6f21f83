"""`POST /api/v1/what-if`: how the stored results would change under edited definitions.

The body carries the edited definitions folder as files (name -> YAML text); the
server compares them with the definitions it serves over its stored entities and
facts (scorecards.reports.what_if) and writes nothing. Evaluating the whole catalog twice
is costly, so the route needs a token allowed `what-if` even though it changes
nothing, and it runs in the bounded pool of expensive requests.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from scorecards.api.auth import require
from scorecards.api.context import ApiContext, get_context
from scorecards.api.errors import ApiError
from scorecards.api.responses import SafeTextResponse
from scorecards.api.routing import api_router
from scorecards.api.token_scopes import Action
from scorecards.engine.loading import load_definitions
from scorecards.errors import DefinitionsError
from scorecards.formats.timeutil import utcnow
from scorecards.reports.what_if import what_if_over_store
from scorecards.reports.what_if_report import render_what_if_markdown

router = api_router(
    prefix="/api/v1", tags=["what-if"], dependencies=[Depends(require(Action.WHAT_IF))]
)

FILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml$"
MAX_TOTAL_BYTES = 5_000_000


class WhatIfRequest(BaseModel):
    """The edited definitions, as the files of a definitions folder."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "files": {"maturity.yaml": "checks:\n  - id: has-owner\n    ..."},
                    "format": "markdown",
                }
            ]
        },
    )

    files: dict[str, str] = Field(
        min_length=1,
        max_length=100,
        description="File name (e.g. maturity.yaml) -> YAML text: the whole edited folder",
    )
    format: Literal["json", "markdown"] = Field(
        default="json", description="json, or markdown for a pull-request comment"
    )
    at: datetime | None = Field(
        default=None, description="Evaluate as of this time (RFC 3339); default now"
    )

    @field_validator("files")
    @classmethod
    def _plain_yaml_files(cls, files: dict[str, str]) -> dict[str, str]:
        bad = [name for name in files if not re.fullmatch(FILE_NAME, name)]
        if bad:
            raise ValueError(
                f"file names must be plain *.yaml names without folders, got {bad[:5]}"
            )
        size = sum(len(text.encode()) for text in files.values())
        if size > MAX_TOTAL_BYTES:
            raise ValueError(f"the files total {size} bytes; the limit is {MAX_TOTAL_BYTES}")
        return files


@router.post(
    "/what-if",
    summary="Compare the served definitions with edited ones over the stored facts",
    response_model=None,
)
async def what_if(
    request: WhatIfRequest, context: ApiContext = Depends(get_context)
) -> dict[str, Any] | SafeTextResponse:
    return await context.expensive.run(lambda: compare(request, context), "a what-if")


def compare(request: WhatIfRequest, context: ApiContext) -> dict[str, Any] | SafeTextResponse:
    """The what-if answer: load the sent files, evaluate both definitions over the store."""
    now = request.at or utcnow()
    with tempfile.TemporaryDirectory(prefix="scorecards-what-if-") as folder:
        for name, text in request.files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        try:
            edited = load_definitions(folder, now=now)
        except DefinitionsError as exc:
            raise _invalid(exc, folder) from None
    report = what_if_over_store(context.store, context.definitions.current, edited, now)
    if request.format == "markdown":
        return SafeTextResponse(render_what_if_markdown(report), media_type="text/markdown")
    return report.to_dict()


def _invalid(exc: DefinitionsError, folder: str) -> ApiError:
    """422 naming each problem by the file name the client sent, not our temporary path."""
    prefix = str(Path(folder).resolve()) + "/"
    messages = [str(p).replace(prefix, "").replace(folder + "/", "") for p in exc.problems]
    details: list[dict[str, Any]] = [
        {
            "file": problem.file.replace(prefix, "").replace(folder + "/", ""),
            "line": problem.line,
            "message": message,
        }
        for problem, message in zip(exc.problems, messages, strict=True)
    ]
    first = messages[0].splitlines()[0] if messages else "invalid definitions"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ApiError(422, f"the edited definitions are not valid: {first}{more}", details=details)
