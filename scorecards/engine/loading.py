"""Load definitions: read and compile them, run their inline tests — all or nothing.

Every problem in the folder is collected and raised at once as a
`DefinitionsError`; a folder with any problem loads nothing, so a running
service keeps its previous, good definitions. Inline tests need the evaluator,
which is why loading lives in the engine and reading in scorecards.definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from scorecards.definitions.compiled import Definitions
from scorecards.definitions.loader import read_definitions
from scorecards.engine.inline_tests import run_inline_tests
from scorecards.errors import DefinitionsError
from scorecards.formats.timeutil import utcnow


def load_definitions(
    folder: str | Path,
    *,
    now: datetime | None = None,
    run_tests: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Definitions:
    """Load every `*.yaml` under `folder`; raise DefinitionsError listing all problems.

    With `environ` (e.g. os.environ), every `${VAR}` a source header uses must be set
    in it; commands that never collect pass None, so an unset token cannot block them.
    """
    definitions, problems = read_definitions(folder, environ=environ)
    if run_tests:
        # Tests run even when other entries have problems, so one pass reports everything.
        problems.extend(run_inline_tests(definitions, now or utcnow()))
    if problems:
        raise DefinitionsError(sorted(problems, key=lambda p: (p.file, p.line)))
    return definitions
