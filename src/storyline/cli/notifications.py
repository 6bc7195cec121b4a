"""`storyline mail-in` (reply by e-mail) and `storyline outbox ...` (what waits to be delivered)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from storyline.cli.common import fail, settings

outbox_app = typer.Typer(help="The outbox: e-mail and webhook deliveries waiting, retried or parked.",
                         no_args_is_help=True)


def _sessions(write: bool = True):  # type: ignore[no-untyped-def]
    from storyline.cli.common import require_migrated
    from storyline.db import make_engine, make_sessionmaker

    config = settings()
    require_migrated(config.database_url)
    engine = make_engine(config.database_url)
    return config, engine, make_sessionmaker(engine, write=write, info={"settings": config})


def mail_in(
    lmtp: Annotated[str | None, typer.Option(
        "--lmtp", metavar="HOST:PORT",
        help="Listen for LMTP deliveries instead of reading one message from standard input")] = None,
) -> None:
    """Turn a reply to a notification e-mail into a comment (docs/notifications.md).

    Without --lmtp: one message on standard input, as an MTA's pipe transport gives it; the exit status
    says what happened (0 accepted, 67/77 refused, 65 unreadable, 75 try again later) and a refusal's
    reason is printed for the bounce."""
    from storyline.db import DATABASE_UNAVAILABLE
    from storyline.notifications.mailin import EX_TEMPFAIL, Refused, receive

    config, engine, sessions = _sessions()
    if lmtp is not None:
        from storyline.notifications.lmtp import serve_lmtp

        host, _, port = lmtp.rpartition(":")
        if not port.isdigit():
            fail("--lmtp takes HOST:PORT", 2)
        try:
            serve_lmtp(sessions, config, host or "127.0.0.1", int(port))
        finally:
            engine.dispose()
        return
    import os

    envelope = [a for a in (os.environ.get("ORIGINAL_RECIPIENT"), os.environ.get("RECIPIENT")) if a]
    try:
        accepted = receive(sessions, config, sys.stdin.buffer.read(), envelope or None)
    except Refused as exc:
        typer.echo(f"storyline mail-in: {exc}", err=True)
        raise typer.Exit(exc.code) from exc
    except DATABASE_UNAVAILABLE as exc:
        typer.echo(f"storyline mail-in: the database is not available, try again later: {exc}", err=True)
        raise typer.Exit(EX_TEMPFAIL) from exc
    finally:
        engine.dispose()
    if accepted.comment_id is None:
        typer.echo(f"story {accepted.story_id}: this reply was received already")
    else:
        typer.echo(f"story {accepted.story_id}: comment {accepted.comment_id} by user {accepted.user_id}")


@outbox_app.command("list")
def outbox_list(
    pending: Annotated[bool, typer.Option("--pending", help="Rows still waiting or being retried, "
                                          "instead of the parked ones")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="email, webhook, inbox, ...")] = None,
) -> None:
    """Counts per kind, then the parked rows (failed for good) with their last error."""
    from storyline import outbox

    _, engine, sessions = _sessions(write=False)
    try:
        with sessions() as session:
            for name, count in sorted(outbox.counts(session).items()):
                typer.echo(f"{name}: {count['pending']} pending, {count['parked']} parked")
            for row in outbox.listing(session, parked=not pending, kind=kind, limit=500):
                typer.echo(f"{row.id}\t{row.kind}\tattempts {row.attempts}\t{row.last_error or ''}")
    finally:
        engine.dispose()


@outbox_app.command("retry")
def outbox_retry(
    ids: Annotated[list[int] | None, typer.Argument(help="Parked rows to send again")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Every parked row")] = False,
) -> None:
    """Put parked rows back in line (the server or `storyline worker` sends them within seconds)."""
    from storyline import outbox
    from storyline.db import session_scope

    if not ids and not all_rows:
        fail("name the rows to retry, or --all", 2)
    _, engine, sessions = _sessions()
    try:
        with session_scope(sessions) as session:
            count = outbox.retry(session, None if all_rows else list(ids or []))
    finally:
        engine.dispose()
    typer.echo(f"{count} row(s) put back in line")
