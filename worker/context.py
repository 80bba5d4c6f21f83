"""What a worker process keeps between tasks: its store connection and its definitions.

Definitions are loaded once per process, not per task (loading compiles every
CEL expression). A run names the definitions version it was planned with; a
worker whose cached copy has another version reloads its folder, once per change
of the files, and refuses the batch when the folder still differs, rather than
score a run with other checks than it was planned with.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scorecards.definitions.compiled import Definitions
from scorecards.engine.loading import load_definitions
from scorecards.errors import ConfigurationError, StoreError
from scorecards.settings import Settings
from scorecards.stores import Run, Store, open_store


class DefinitionsMismatchError(ConfigurationError):
    """This worker's definitions folder is not the version a run was planned with."""


Fingerprint = tuple[tuple[str, int, int], ...]


def folder_fingerprint(folder: str | Path) -> Fingerprint:
    """Name, size and modification time of every YAML file: cheap to take on each task."""
    root = Path(folder)
    files = sorted(p for pattern in ("*.yaml", "*.yml") for p in root.rglob(pattern))
    fingerprint = []
    for path in files:
        stat = path.stat()
        fingerprint.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(fingerprint)


@dataclass
class _Loaded:
    fingerprint: Fingerprint
    definitions: Definitions


class WorkerContext:
    """One per worker process (a forked pool process opens its own connections)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._store_pid = 0
        self._loaded: dict[str, _Loaded] = {}

    @property
    def store(self) -> Store:
        if self._store is None or self._store_pid != os.getpid():
            self._store = open_store(self.settings.store_url)
            self._store_pid = os.getpid()
        return self._store

    def run(self, run_id: str) -> Run:
        run = self.store.get_run(run_id)
        if run is None:
            raise StoreError(f"no run '{run_id}' in the store at {self.settings.store_url}")
        return run

    def definitions(self) -> Definitions:
        """The definitions folder as it is now, reloaded only when its files changed."""
        folder = self.settings.definitions
        fingerprint = folder_fingerprint(folder)
        loaded = self._loaded.get(folder)
        if loaded is None or loaded.fingerprint != fingerprint:
            loaded = _Loaded(fingerprint, load_definitions(folder, run_tests=False))
            self._loaded[folder] = loaded
        return loaded.definitions

    def definitions_for(self, run: Run) -> Definitions:
        """The definitions `run` was planned with, or DefinitionsMismatchError."""
        loaded = self._loaded.get(self.settings.definitions)
        if loaded is not None and loaded.definitions.version == run.definitions_version:
            return loaded.definitions
        definitions = self.definitions()
        if definitions.version != run.definitions_version:
            raise DefinitionsMismatchError(
                f"run {run.id} was planned with definitions version {run.definitions_version}, "
                f"but this worker's folder {self.settings.definitions} has version "
                f"{definitions.version} — deploy the same definitions to every worker"
            )
        return definitions
