"""`scorecards serve`: the HTTP API on uvicorn (127.0.0.1:8321 unless told otherwise)."""

from __future__ import annotations

from typing import Annotated

import typer

from scorecards.cli import DefinitionsOption, StoreOption, app, err, user_errors
from scorecards.cli.configuration import load_cli_settings
from scorecards.cli.core import note_demo


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to bind [SCORECARDS_HOST].")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port [SCORECARDS_PORT].")
    ] = None,
    definitions_folder: DefinitionsOption = None,
    store: StoreOption = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
) -> None:
    """Serve the dashboard (http://127.0.0.1:8321/), the Tech Insights-compatible and native
    APIs (/docs), /healthz and /metrics."""
    import uvicorn

    from scorecards.api import create_app

    with user_errors():
        settings = load_cli_settings(
            host=host, port=port, definitions=definitions_folder, store_url=store
        )
        api = create_app(settings)
    note_demo(settings, ("catalog", "facts", "definitions"), has_flags=False)
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"note: binding {settings.host}, reachable from other machines; "
            "set SCORECARDS_API_TOKENS and put TLS in front",
            markup=False,
        )
    uvicorn.run(api, host=settings.host, port=settings.port, log_level=log_level)
