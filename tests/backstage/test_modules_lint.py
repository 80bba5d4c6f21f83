"""Our Backstage modules (backstage/plugins) pass Backstage's own lint: `backstage-cli
package lint`, with the ESLint configuration every Backstage package uses
(@backstage/cli/config/eslint-factory), run on the copy modules/install.sh built, so
the TypeScript also type-checked (strict tsc) before the tests use it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.backstage.scorecards_modules import built_modules

pytestmark = pytest.mark.backstage

MODULES = [
    "scorecards-node",
    "catalog-backend-module-scorecards",
    "tech-insights-backend-module-scorecards",
]
LINT_SECONDS = 300


@pytest.fixture(scope="module")
def built() -> Path:
    return built_modules()


@pytest.mark.parametrize("module", MODULES)
def test_backstage_lint_finds_no_problem_in_the_module(built: Path, module: str) -> None:
    done = subprocess.run(
        [str(built / "node_modules" / ".bin" / "backstage-cli"), "package", "lint"],
        cwd=built / "plugins" / module,
        capture_output=True,
        text=True,
        timeout=LINT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
