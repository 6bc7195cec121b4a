"""`storyline webhooks list|add|remove`: outbound webhooks, for administrators (whoever runs the CLI
acts with a superuser's rights; docs/notifications.md)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from storyline.cli.common import fail, find_user, write_session
from storyline.cli.planning import _group_id, _project_id

webhooks_app = typer.Typer(help="(preview) Outbound webhooks: story events POSTed, signed, to a URL.",
                           no_args_is_help=True)


@webhooks_app.command("list")
def list_hooks(
    project: Annotated[str | None, typer.Option("--project", help="Only this project's (id or name)")] = None,
    group: Annotated[str | None, typer.Option("--group", help="Only this project group's (id or name)")] = None,
) -> None:
    """List webhooks: id, scope, URL, owner, state, failures in a row, event types."""
    from sqlalchemy import select

    from storyline.users.models import User
    from storyline.webhooks.models import Webhook

    with write_session() as session:
        stmt = select(Webhook, User.email).join(User, User.id == Webhook.owner_id).order_by(Webhook.id)
        if project is not None:
            stmt = stmt.where(Webhook.project_id == _project_id(session, project))
        if group is not None:
            stmt = stmt.where(Webhook.project_group_id == _group_id(session, group))
        rows = session.execute(stmt).all()
        for hook, email in rows:
            scope = (f"project {hook.project_id}" if hook.project_id is not None
                     else f"group {hook.project_group_id}" if hook.project_group_id is not None else "all")
            state = "on" if hook.active else f"off ({hook.disabled_reason})"
            events = ",".join(json.loads(hook.event_types)) if hook.event_types else "all events"
            typer.echo(f"{hook.id}\t{scope}\t{hook.url}\t{email}\t{state}\t{hook.failures}\t{events}")


@webhooks_app.command("add")
def add_hook(
    url: Annotated[str, typer.Argument(help="http:// or https:// URL that receives the POSTs")],
    owner: Annotated[str, typer.Option("--owner", help="The user who owns it (id or e-mail): it is sent only "
                                                       "the stories this user may see")],
    project: Annotated[str | None, typer.Option("--project", help="A project's events (id or name)")] = None,
    group: Annotated[str | None, typer.Option("--group", help="A project group's events (id or name)")] = None,
    events: Annotated[str | None, typer.Option("--events", help="Comma-separated event types; default: all")] = None,
    description: Annotated[str | None, typer.Option("--description", help="A note for people")] = None,
) -> None:
    """Add a webhook (neither --project nor --group: every story event). Prints its id and its secret (the
    key of its X-Storyline-Signature-256 HMAC; shown only now)."""
    from storyline.authz import Viewer
    from storyline.webhooks.service import do_create_hook

    if project is not None and group is not None:
        fail("give at most one of --project and --group")
    with write_session() as session:
        user = find_user(session, owner)
        data = {"url": url, "project_id": _project_id(session, project), "project_group_id": _group_id(session, group),
                "event_types": [e.strip() for e in events.split(",") if e.strip()] if events is not None else None,
                "description": description}
        hook, secret = do_create_hook(session, Viewer(user_id=user.id, is_superuser=True), data, owner_id=user.id)
        hook_id = hook.id
    typer.echo(f"{hook_id}\t{secret}")


@webhooks_app.command("remove")
def remove_hook(hook_id: Annotated[int, typer.Argument(help="The webhook's id")]) -> None:
    """Delete a webhook and its delivery log."""
    from sqlalchemy import delete

    from storyline.webhooks.models import Webhook

    with write_session() as session:
        gone = session.execute(delete(Webhook).where(Webhook.id == hook_id)) if 0 < hook_id < 2**31 else None
        if gone is None or not gone.rowcount:  # type: ignore[attr-defined]
            fail(f"no webhook {hook_id}")
    typer.echo(f"webhook {hook_id} removed")


__all__ = ["webhooks_app"]
