"""Commands are registered lazily: `scorecards.cli.COMMAND_MODULES` names the module of each,
imported when the command runs, and nothing else changes for the user."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import typer.main

from scorecards.cli import COMMAND_MODULES, COMMAND_SECTIONS, app
from tests.conftest import REPO_ROOT


def registered_commands() -> dict[str, str]:
    """Each command registered on `app`, with the module that registered it."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(module)
    found = {}
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        found[name] = info.callback.__module__
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        owners = [
            module
            for module in set(COMMAND_MODULES.values())
            if any(value is group.typer_instance for value in vars(sys.modules[module]).values())
        ]
        found[group.name] = owners[0] if len(owners) == 1 else f"one of {owners}"
    return found


def scorecards(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SCORECARDS_")}
    env |= {"PYTHONPATH": str(REPO_ROOT), "SCORECARDS_CONFIG": os.devnull, "COLUMNS": "80"}
    command = [sys.executable, "-m", "scorecards", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True)


def test_every_command_is_found_in_the_module_the_table_names() -> None:
    assert registered_commands() == COMMAND_MODULES


def test_every_command_has_a_place_in_the_help_sections() -> None:
    listed = [name for names in COMMAND_SECTIONS.values() for name in names]

    assert sorted(listed) == sorted(COMMAND_MODULES)


def test_help_lists_every_command_in_its_section() -> None:
    done = scorecards("--help")

    sections = [line.rstrip(":") for line in done.stdout.splitlines() if line.endswith(":")]
    assert sections[-3:] == list(COMMAND_SECTIONS)
    for name in COMMAND_MODULES:
        assert f"\n  {name} " in done.stdout, name


def test_a_mistyped_command_is_pointed_at_the_one_meant() -> None:
    done = scorecards("gaet")

    assert done.returncode == 2
    assert "No such command 'gaet'. Did you mean 'gate'?" in done.stderr
