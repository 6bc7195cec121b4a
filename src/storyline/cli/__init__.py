"""The `storyline` command (Typer). Importing this module starts nothing: each command imports and
opens what it needs when it runs.

The database is chosen by STORYLINE_DATABASE_URL (or `database_url` in the STORYLINE_CONFIG file).
"""

from __future__ import annotations

import typer

from storyline.cli.importers import import_app
from storyline.cli.integrations import gerrit_app, integrations_app
from storyline.cli.notifications import mail_in, outbox_app
from storyline.cli.planning import boards_app, dashboards_app, priorities_app, stale_app, worklists_app
from storyline.cli.projects import projects_app
from storyline.cli.server import db_app, serve
from storyline.cli.teams import security_app, teams_app, worker
from storyline.cli.users import tokens_app, users_app
from storyline.cli.webhooks import webhooks_app

app = typer.Typer(
    name="storyline",
    help="Storyline: task tracker serving the StoryBoard REST API v1.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(projects_app, name="projects")
app.add_typer(teams_app, name="teams")
app.add_typer(security_app, name="security")
app.command("worker")(worker)
app.add_typer(worklists_app, name="worklists")
app.add_typer(boards_app, name="boards")
app.add_typer(dashboards_app, name="dashboards")
app.add_typer(priorities_app, name="priorities")
app.add_typer(stale_app, name="stale")
app.add_typer(import_app, name="import")
app.add_typer(integrations_app, name="integrations")
app.add_typer(gerrit_app, name="gerrit")
app.add_typer(webhooks_app, name="webhooks")
app.command("mail-in")(mail_in)
app.add_typer(outbox_app, name="outbox")


def main() -> None:
    app(prog_name="storyline")


__all__ = ["app", "main"]
