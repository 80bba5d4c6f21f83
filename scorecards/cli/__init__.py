"""The `scorecards` command line (typer + rich).

Exit codes: 0 ok, 1 findings a command was asked to fail on (or invalid
definitions for `validate`), 2 bad input or configuration. Each command group
lives in its own module and registers itself on `app`; COMMAND_MODULES says which,
and a module is imported only when one of its commands runs or `--help` lists them,
so a remote `scorecards gate` in CI starts without the engine, the stores or the API.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from rich.console import Console
from typer._click.exceptions import NoSuchOption  # typer's own click raises it
from typer.core import TyperGroup

if TYPE_CHECKING:  # typer carries its own click; its formatter has no public name
    from typer._click import Command, Context, HelpFormatter

    from scorecards.settings import Settings
    from scorecards.stores import Store

from scorecards.errors import DefinitionsError, ScorecardsError, StoreError
from scorecards.formats.timeutil import parse_timestamp, utcnow

# httpx imports its own command line (click, rich.progress, pygments) at `import httpx`
# whenever they are installed: about 8% of a remote gate's start-up, for a command scorecards
# never runs. None in sys.modules makes that import fail, and httpx goes on as if installed
# without its [cli] extra (encode/httpx#3547 makes it lazy upstream; drop this once released).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2

# The command list, getting started first; a command not named here is listed last.
COMMAND_SECTIONS = {
    "Getting started": ("run", "score", "serve", "validate"),
    "Reports and changes": ("report", "what-if", "gate", "docs"),
    "Administration": ("runs", "store", "notify", "notifications"),
}
# The module that registers each command on `app`.
COMMAND_MODULES = {
    "run": "scorecards.cli.core",
    "score": "scorecards.cli.core",
    "validate": "scorecards.cli.core",
    "serve": "scorecards.cli.serve",
    "report": "scorecards.cli.report",
    "what-if": "scorecards.cli.what_if",
    "gate": "scorecards.cli.gate",
    "docs": "scorecards.cli.docs",
    "runs": "scorecards.cli.runs",
    "store": "scorecards.cli.store",
    "notify": "scorecards.cli.notify",
    "notifications": "scorecards.cli.notify",
}


class _CommandsByModule(MutableMapping[str, "Command"]):
    """The commands by name, each built from its module when first looked up.

    click's lazy group overrides `get_command` and `list_commands`, but typer's "Did you
    mean ...?" reads the group's `commands` itself: the laziness lives in that mapping,
    where click and typer both look.
    """

    def __init__(self, built: MutableMapping[str, Command]) -> None:
        self._built = dict(built)

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            importlib.import_module(COMMAND_MODULES[name])  # KeyError: no such command
            self._built[name] = _registered_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"the command '{name}' cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMAND_MODULES, *self._built]))

    def __len__(self) -> int:
        return len(COMMAND_MODULES.keys() | self._built.keys())


def _registered_command(name: str) -> Command:
    """The click command typer builds from what its module registered on `app` as `name`."""
    for info in app.registered_commands:
        registered = info.name or typer.main.get_command_name(info.callback.__name__)  # type: ignore[union-attr]
        if registered == name:
            return typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
                suggest_commands=app.suggest_commands,
            )
    raise LookupError(f"{COMMAND_MODULES[name]} registers no command '{name}' on the app")


class _CommandsInOrder(TyperGroup):
    """`scorecards --help`: commands in the order a new user needs them, each with its whole
    first paragraph (click would cut it to fit one line with "...")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _CommandsByModule(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        order = [name for names in COMMAND_SECTIONS.values() for name in names]
        names = super().list_commands(ctx)
        return sorted(names, key=lambda n: order.index(n) if n in order else len(order))

    def invoke(self, ctx: Context) -> Any:
        """`--json` where a command takes `--format json`: point at that, not at a lookalike
        option click would suggest (`--store`)."""
        try:
            return super().invoke(ctx)
        except NoSuchOption as exc:
            command = exc.ctx.command if exc.ctx is not None else None
            takes_format = command is not None and any(
                "--format" in param.opts for param in command.params
            )
            if exc.option_name == "--json" and takes_format:
                exc.possibilities = ["--format json"]
            raise

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        listed: set[str] = set()
        for section, names in [*COMMAND_SECTIONS.items(), ("More", ())]:
            rows = []
            for name in self.list_commands(ctx):
                command = self.get_command(ctx, name)
                if command is None or command.hidden or name in listed:
                    continue
                if names and name not in names:
                    continue
                listed.add(name)
                rows.append((name, " ".join((command.help or "").split("\n\n")[0].split())))
            if rows:
                with formatter.section(section):
                    formatter.write_dl(rows)


# Plain click help (rich_markup_mode=None): it wraps option help at word boundaries, where
# rich's option table cut setting names such as SCORECARDS_DEFINITIONS with "..." at 80 columns.
app = typer.Typer(
    cls=_CommandsInOrder,
    help="Score Backstage catalog entities with checks written in YAML and CEL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _group() -> None:
    # Registered so that typer always builds a group, however few command modules are
    # imported yet; the help is the app's.
    pass


out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

CatalogOption = Annotated[
    str | None,
    typer.Option(
        "--catalog",
        help="Catalog file, folder, glob or Backstage backend URL [SCORECARDS_CATALOG].",
    ),
]
DefinitionsOption = Annotated[
    str | None,
    typer.Option("--definitions", help="Definitions folder [SCORECARDS_DEFINITIONS]."),
]
StoreOption = Annotated[
    str | None, typer.Option("--store", help="Store URL [SCORECARDS_STORE_URL].")
]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn our errors into a clear message and exit code 2, never a traceback."""
    try:
        with store_failures():
            yield
    except DefinitionsError as exc:
        err.print(str(exc), markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ScorecardsError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


STORE_HINT = "check --store (SCORECARDS_STORE_URL)"


@contextmanager
def store_failures() -> Iterator[None]:
    """Raise a store backend's own errors (Redis down, SQLite locked) as StoreError.

    The stores raise them from any read or write; a command reports them as one
    line naming the store's kind and what to check, so a StoreError gets the hint too.
    """
    try:
        yield
    except StoreError as exc:
        if "--store" in str(exc):
            raise
        raise StoreError(f"{exc} — {STORE_HINT}") from exc
    except Exception as exc:
        problem = _sqlite_problem(exc) or _redis_problem(exc)
        if problem is None:
            raise
        raise StoreError(problem) from exc


def _sqlite_problem(exc: Exception) -> str | None:
    """What went wrong with SQLite, or None if `exc` is not an SQLite error."""
    import sqlite3  # here: only a failing command pays for it (a remote gate has no store)

    if isinstance(exc, sqlite3.Error):
        return f"the SQLite store failed: {exc} — {STORE_HINT}"
    return None


def _redis_problem(exc: Exception) -> str | None:
    """What went wrong with Redis, or None if `exc` is not a Redis error."""
    try:
        import redis
    except ImportError:  # a build without the Redis store
        return None
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return f"cannot reach the Redis store ({exc}) — is Redis running there? {STORE_HINT}"
    if isinstance(exc, redis.RedisError):
        return f"the Redis store answered an error ({exc}) — {STORE_HINT}"
    return None


def open_configured_store(settings: Settings, *, create: bool = False) -> Store:
    """The configured store; only commands that write results (`run`) may `create` it."""
    from scorecards.stores import open_store  # here: commands that open no store skip its import

    return open_store(settings.store_url, create=create)


def time_option(at: str | None) -> datetime:
    """`--at` as a time (default: now); exit 2 saying what is wrong when malformed."""
    try:
        return parse_timestamp(at) if at else utcnow()
    except ValueError:
        err.print(
            f"error: --at '{at}' is not an RFC 3339 time — e.g. 2026-11-25T12:00:00Z",
            markup=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        # A path the system refuses (too long, no permission, a file where a folder is
        # wanted) reaches here from wherever it is first used: one line, not a traceback.
        err.print(f"error: {os_problem(exc)} — check the path", markup=False)
        sys.exit(EXIT_BAD_INPUT)


def os_problem(exc: OSError) -> str:
    """`exc` in one line, naming the path it is about (shortened when very long)."""
    what = exc.strerror or type(exc).__name__
    path = exc.filename
    if path is None:
        return what
    shown = str(path)
    if len(shown) > 120:
        shown = f"{shown[:60]}…{shown[-40:]}"
    return f"{shown}: {what}"
