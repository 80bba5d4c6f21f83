"""One run at a time per store, and runs whose process died marked `abandoned`.

A run holds the store's scoring lease (`Store.acquire_lease`) from the moment it
is planned until it ends. Another run planned meanwhile is refused, naming the
run in progress, rather than queued behind it: it would score the same catalog
moments later, and two runs scoring an entity at once would each add a history
point for it. The lease lapses unless renewed, so a run whose process was killed
cannot hold the store for more than `RUN_LEASE_SECONDS`: an in-process run renews
it from a background thread (`LeaseKeeper`), and every batch renews it when it starts
(`hold_lease`), which is how the batches of a distributed run keep it.

An in-process run records its `RunOwner` (host, pid, process start time). A run
still `running` whose owner on this host is gone, or whose owner elsewhere let its
lease lapse, is marked `abandoned` by the next run or `scorecards runs`
(`reap_abandoned_runs`), and its lease is freed at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path
from types import TracebackType

from scorecards.errors import ScorecardsError
from scorecards.formats.timeutil import format_timestamp, utcnow
from scorecards.records.runs import Run, RunOwner, RunState
from scorecards.stores.base import Store

log = logging.getLogger(__name__)

SCORING_LEASE = "scoring"
# How long an in-process run holds the store without renewing: the longest another
# host waits to learn that its process died. Renewed four times as often.
RUN_LEASE_SECONDS = 60.0
# How many of the newest runs `reap_abandoned_runs` looks at.
REAP_LOOKBACK = 50


class RunInProgressError(ScorecardsError):
    """Another run holds the store; this one was not started."""


class RunLeaseLostError(ScorecardsError):
    """A run's lease lapsed and another run took the store: it must not write any more."""


def current_owner() -> RunOwner:
    """This process, as a run's owner."""
    pid = os.getpid()
    return RunOwner(socket.gethostname(), pid, _start_time(pid))


def is_alive(owner: RunOwner) -> bool:
    """Whether `owner`, a process of this host, still runs (a reused pid does not count)."""
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's process
        pass
    state = _proc_stat(owner.pid)
    if state is None:  # no /proc: the pid's existence is all we can know
        return True
    if state[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return False
    return owner.started is None or state[1] == owner.started


def _start_time(pid: int) -> int | None:
    state = _proc_stat(pid)
    return None if state is None else state[1]


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks since boot) from Linux's /proc, else None.

    Read by hand: the standard library has no process table, and psutil would be a
    dependency for these two fields.
    """
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (command) state ppid ...": the command may hold spaces and parentheses.
    fields = text[text.rindex(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def take_lease(store: Store, run_id: str, seconds: float) -> None:
    """Hold the store for `run_id`, first freeing it from a run whose process died;
    RunInProgressError naming the run that holds it otherwise."""
    reap_abandoned_runs(store)
    holder = store.acquire_lease(SCORING_LEASE, run_id, seconds)
    if holder is None:
        return
    run = store.get_run(holder)
    if run is not None and run.state.is_finished:  # ended without letting go: not a hold
        store.release_lease(SCORING_LEASE, holder)
        holder = store.acquire_lease(SCORING_LEASE, run_id, seconds)
        if holder is None:
            return
        run = store.get_run(holder)
    raise RunInProgressError(_in_progress(holder, run))


def _in_progress(holder: str, run: Run | None) -> str:
    follow = f"follow it with `scorecards runs {holder}` and run again when it has ended"
    if run is None:  # being planned this instant (or its planning failed: the lease lapses)
        return (
            f"run {holder} is starting on this store, and one run at a time may score a "
            f"store — {follow}"
        )
    where = f" by {run.owner}" if run.owner is not None else " on workers"
    return (
        f"run {run.id} (started {format_timestamp(run.created_at)}{where}) is still "
        f"{run.state.value} on this store, and one run at a time may score a store — {follow}"
    )


def hold_lease(store: Store, run: Run) -> None:
    """Renew `run`'s lease (a batch does, as it starts); RunLeaseLostError when another
    run took the store after it lapsed. A no-op for runs planned without one."""
    if run.lease_seconds is None:
        return
    holder = store.acquire_lease(SCORING_LEASE, run.id, run.lease_seconds)
    if holder is not None:
        raise RunLeaseLostError(
            f"run {run.id} no longer holds the store: its lease lapsed (nothing renewed it "
            f"for {run.lease_seconds:g}s) and run {holder} took it — this run stops here "
            "rather than score entities alongside it"
        )


def release_lease(store: Store, run_id: str) -> None:
    """Free the store of `run_id`'s lease, if it still holds it."""
    store.release_lease(SCORING_LEASE, run_id)


def reap_abandoned_runs(store: Store) -> list[Run]:
    """Mark `abandoned` the recent in-process runs still `running` whose process is gone
    (on this host) or let their lease lapse (on another), free their leases; those runs."""
    reaped = []
    for run in store.list_runs(REAP_LOOKBACK):
        if run.state is not RunState.RUNNING or run.owner is None:
            continue
        reason = _why_abandoned(store, run, run.owner)
        if reason is not None:
            log.info("run %s: %s", run.id, reason)
            errors = [*run.errors, reason]
            reaped.append(
                store.update_run(
                    run.id, state=RunState.ABANDONED, finished_at=utcnow(), errors=errors
                )
            )
            release_lease(store, run.id)
    return reaped


def _why_abandoned(store: Store, run: Run, owner: RunOwner) -> str | None:
    if owner.host == socket.gethostname():
        if is_alive(owner):
            return None
        return (
            f"abandoned: its process ({owner}) ended before the run did (killed or "
            "crashed); its results so far are kept — start a new run to score the rest"
        )
    if store.lease_holder(SCORING_LEASE) == run.id:
        return None
    return (
        f"abandoned: its process ({owner}) stopped renewing its hold on the store for "
        f"{run.lease_seconds or RUN_LEASE_SECONDS:g}s (killed, crashed or cut off); its "
        "results so far are kept — start a new run to score the rest"
    )


class LeaseKeeper:
    """Renews a run's lease from a background thread while this process scores it, so a
    batch slower than the lease does not lose it. `lost` names the run that took the
    store if the lease lapsed all the same (the process was suspended, the store was
    unreachable for longer than the lease)."""

    def __init__(self, store: Store, run: Run) -> None:
        self._store = store
        self._run = run
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, name=f"scorecards-lease-{run.id}", daemon=True
        )
        self.lost: str | None = None

    def __enter__(self) -> LeaseKeeper:
        if self._run.lease_seconds is not None:
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _renew(self) -> None:
        interval = (self._run.lease_seconds or RUN_LEASE_SECONDS) / 4
        while not self._stop.wait(interval):
            try:
                hold_lease(self._store, self._run)
            except RunLeaseLostError as exc:
                self.lost = str(exc)
                return
            except Exception as exc:  # an unreachable store: try again at the next beat
                log.warning("run %s: could not renew its lease: %s", self._run.id, exc)
