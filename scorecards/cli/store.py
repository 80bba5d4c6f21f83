"""`scorecards store copy FROM TO`: move a store's contents to a store of another kind
(SQLite, Redis, PostgreSQL), e.g. from the embedded file to PostgreSQL for production."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecards.cli import app, out, user_errors
from scorecards.errors import ConfigurationError, StoreError
from scorecards.runs.leases import SCORING_LEASE
from scorecards.stores import Retention, open_store
from scorecards.stores.copying import copy_store

store_app = typer.Typer(
    help="Move a store's contents to another store.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(store_app, name="store")

# The copy keeps every history point the source kept; retention applies again later.
KEEP_EVERYTHING = Retention(max_items=None, max_age=None)


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
        with open_store(from_url, create=False) as source:
            holder = source.lease_holder(SCORING_LEASE)
            if holder is not None:
                raise StoreError(
                    f"run {holder} is scoring the store FROM now — copy after it has finished "
                    "(`scorecards runs` shows it)"
                )
            with open_store(to_url, KEEP_EVERYTHING) as target:
                report = copy_store(source, target)
    out.print(f"copied {report}", markup=False)
