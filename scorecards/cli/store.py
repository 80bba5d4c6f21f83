"""`scorecards store copy FROM TO`: move a store's contents to a store of another kind
(SQLite, Redis, PostgreSQL), e.g. from the embedded file to PostgreSQL for production."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from scorecards.cli import STORE_HINT, app, err, out, store_failures, user_errors
from scorecards.errors import ConfigurationError, StoreError
from scorecards.runs.leases import SCORING_LEASE
from scorecards.stores import Retention, open_store
from scorecards.stores.copying import CopyReport, copy_store, refuse_filled

store_app = typer.Typer(
    help="Move a store's contents to another store.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(store_app, name="store")

# The copy keeps every history point the source kept; retention applies again later.
KEEP_EVERYTHING = Retention(max_items=None, max_age=None)
PARTIAL_COPY = "the TO store may hold part of it: copy again into a new, empty store"
# A large store takes minutes: say how far the copy is this often (stderr).
PROGRESS_SECONDS = 10.0


@store_app.command("copy")
def copy(
    from_url: Annotated[
        str, typer.Argument(metavar="FROM", help="Store URL to copy from (it is only read).")
    ],
    to_url: Annotated[
        str,
        typer.Argument(
            metavar="TO",
            help="Store URL to copy into: a new SQLite file, Redis prefix or "
            "PostgreSQL schema (created when missing, refused when it holds anything).",
        ),
    ],
) -> None:
    """Copy entities, latest facts and results with their history, runs and the notification
    log from one store to another of any kind: sqlite:///path.db, redis://host:6379/0[?prefix=NAME],
    postgresql://user@host:5432/database[?schema=NAME]."""
    with user_errors():
        if from_url == to_url:
            raise ConfigurationError("FROM and TO are the same store — name a new store as TO")
        with _named("FROM", "check the FROM store's URL"):
            source = open_store(from_url, create=False)
        with source:
            with _named("FROM", "check the FROM store's URL"):
                holder = source.lease_holder(SCORING_LEASE)
            if holder is not None:
                raise ConfigurationError(
                    f"run {holder} is scoring the FROM store now — copy after it has finished "
                    "(`scorecards runs` shows it)"
                )
            with _named("TO", "check the TO store's URL"):
                target = open_store(to_url, KEEP_EVERYTHING)
            with target:
                with _named("TO", "check the TO store's URL"):
                    refuse_filled(target)
                with _named("the copy", PARTIAL_COPY):
                    report = copy_store(source, target, on_chunk=_progress())
    out.print(f"copied {report}", markup=False, soft_wrap=True)


@contextmanager
def _named(what: str, hint: str) -> Iterator[None]:
    """A store's failure as one line naming FROM, TO or the copy, with `hint` (this
    command has no --store for the usual hint to name)."""
    try:
        with store_failures():
            yield
    except StoreError as exc:
        reason = str(exc).removesuffix(f" — {STORE_HINT}")
        raise ConfigurationError(f"{what}: {reason} — {hint}") from exc


def _progress() -> Callable[[CopyReport], None]:
    last = time.monotonic()

    def tell(report: CopyReport) -> None:
        nonlocal last
        if time.monotonic() - last >= PROGRESS_SECONDS:
            last = time.monotonic()
            err.print(f"copying: {report.entities} entities so far", markup=False)

    return tell
