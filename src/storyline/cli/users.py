"""`storyline users ...` and `storyline tokens ...`: accounts and API tokens for admins and bots."""

from __future__ import annotations

from typing import Annotated

import typer

from storyline.cli.common import fail, find_user, settings, write_session

users_app = typer.Typer(help="Create users and grant or revoke superuser rights.", no_args_is_help=True)
tokens_app = typer.Typer(help="Create API tokens (for admins and bots).", no_args_is_help=True)

YEAR = 365 * 24 * 3600


@users_app.command("create")
def create_user(
    name: Annotated[str, typer.Option("--name", help="Full name (3-255 characters)")],
    email: Annotated[str, typer.Option("--email", help="E-mail address (5-255 characters), unique")],
    superuser: Annotated[bool, typer.Option("--superuser", help="Make the user a superuser")] = False,
) -> None:
    """Create a user. Prints the new user's id and nothing else."""
    name, email = name.strip(), email.strip()
    if not 3 <= len(name) <= 255:
        fail("--name must be 3 to 255 characters long")
    if not 5 <= len(email) <= 255 or "@" not in email:
        fail("--email must be an e-mail address of 5 to 255 characters")
    if "\x00" in name or "\x00" in email:
        fail("--name and --email must not contain NUL characters")
    from storyline.users import service

    with write_session() as session:
        user = service.do_create_user(
            session, {"full_name": name, "email": email, "is_superuser": superuser}
        )
        user_id = user.id
    typer.echo(user_id)


@users_app.command("set-superuser")
def set_superuser(
    user_ref: Annotated[str, typer.Argument(metavar="ID_OR_EMAIL", help="User id or e-mail address")],
    off: Annotated[bool, typer.Option("--off", help="Revoke superuser rights instead")] = False,
) -> None:
    """Grant (or with --off revoke) superuser rights."""
    from storyline.users import service

    with write_session() as session:
        user = find_user(session, user_ref)
        service.do_update_user(session, user, {"is_superuser": not off})
        user_id, email = user.id, user.email
    state = "is no longer a superuser" if off else "is now a superuser"
    typer.echo(f"User {user_id} <{email}> {state}.")


@tokens_app.command("create")
def create_token(
    user_ref: Annotated[str, typer.Option("--user", metavar="ID_OR_EMAIL", help="User id or e-mail address")],
    expires_in: Annotated[int, typer.Option(
        "--expires-in", min=1, max=2**31 - 1,
        help="Lifetime in seconds (default: 365 days, for bots)")] = YEAR,
    feed: Annotated[bool, typer.Option(
        "--feed", help="A feed token: it reads the Atom feeds as the user (?token=) and nothing else")] = False,
) -> None:
    """Create an API token. Prints the token value and nothing else; it cannot be shown again.

    Use it as `Authorization: Bearer <token>`; a --feed token as `?token=<token>` on a feed URL
    (docs/notifications.md). Revoke either with DELETE /v1/users/{id}/tokens/{token_id}.
    """
    from storyline.users.service import do_create_token

    max_lifetime = settings().max_token_lifetime
    if expires_in > max_lifetime:
        fail(f"--expires-in: a token lives at most {max_lifetime} seconds (setting max_token_lifetime)", 2)
    with write_session() as session:
        user = find_user(session, user_ref)
        if not user.enable_login:
            typer.echo(f"storyline: warning: user {user.id} has login disabled; the token will be refused",
                       err=True)
        # Made by the administrator, not by the user: recorded and told to them (security/accounts.py).
        _, value = do_create_token(session, user.id, expires_in, actor_id=None, max_lifetime=max_lifetime,
                                   kind="feed" if feed else "personal")
    typer.echo(value)
