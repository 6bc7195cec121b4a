"""`storyline serve` and `storyline db upgrade`."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from storyline.cli.common import fail, require_migrated, settings, shown_url

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def typed_command() -> str:
    """How to type this program's name in this shell: `storyline` when that is what PATH finds, else its
    path (`.venv/bin/storyline` in a checkout where `make run` made the virtualenv)."""
    program = Path(sys.argv[0])
    if program.name == "__main__.py":  # python -m storyline
        return f"{sys.executable} -m storyline"
    found = shutil.which(program.name)
    if program.name == "storyline" and found and program.exists() and os.path.samefile(found, program):
        return "storyline"
    absolute = program.absolute()
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return str(relative) if relative.parent != Path(".") else f"./{relative}"


def serve(
    host: Annotated[str | None, typer.Option(
        "--host", help="Address to bind (default: settings.host)")] = None,
    port: Annotated[int | None, typer.Option(
        "--port", min=0, max=65535, help="Port to listen on (default: settings.port)")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, max=64,
        help="API processes sharing the port, e.g. one per CPU core (default: settings.workers)")] = None,
) -> None:
    """Run the API server (uvicorn) on the configured database (STORYLINE_DATABASE_URL)."""
    import uvicorn

    from storyline.app import create_app

    config = settings()
    require_migrated(config.database_url)
    host = host or config.host
    port = config.port if port is None else port
    workers = workers or config.workers
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"Storyline serving http://{shown_host}:{port}/ (API v1 at /v1 and /api/v1, docs at /docs)")
    typer.echo(f"Database: {shown_url(config.database_url)}"
               + (f", {workers} API processes" if workers > 1 else ""))
    me = typed_command()  # commands that work as typed, in this shell and directory
    typer.echo('First administrator, then its token (paste it under "Use a token" in the web client):')
    typer.echo(f'    {me} users create --name "Ada Admin" --email ada@example.org --superuser')
    typer.echo(f"    {me} tokens create --user ada@example.org")
    if not config.vmt_team:
        typer.echo("WARNING: no vulnerability management team is set (STORYLINE_VMT_TEAM): security reports "
                   "are shared with the superusers only. Create the team and set STORYLINE_VMT_TEAM "
                   "(docs/security.md).", err=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "access_log": config.access_log,
                                   "timeout_keep_alive": config.keep_alive_seconds}
    if workers == 1:
        uvicorn.run(create_app(config), **options)
    else:
        # Each process builds its own app (and database engine) from the same STORYLINE_* settings.
        uvicorn.run("storyline.app:create_app", factory=True, workers=workers, **options)


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the schema, or bring it up to the newest revision (safe to repeat)."""
    from sqlalchemy.exc import SQLAlchemyError

    from storyline.cli.common import schema_revisions
    from storyline.migrate import upgrade as run_upgrade

    url = settings().database_url
    try:
        run_upgrade(url)
        current, _head = schema_revisions(url)
    except SQLAlchemyError as exc:
        fail(f"cannot upgrade {shown_url(url)}: {str(getattr(exc, 'orig', exc)).strip()}")
    typer.echo(f"Database {shown_url(url)} is at revision {current} (newest).")
