"""`storyline teams ...`, `storyline security ...` and `storyline worker`."""

from __future__ import annotations

from typing import Annotated

import typer

from storyline.cli.common import fail, find_user, settings, write_session

teams_app = typer.Typer(help="Teams and their members.", no_args_is_help=True)
security_app = typer.Typer(help="Security handling: project security teams, recovering a hidden story.",
                           no_args_is_help=True)

NAME_HELP = "Team name (3-255 characters: letters and digits separated by single _ - . /)"


def _find_team(session, ref: str):  # type: ignore[no-untyped-def]
    from storyline.errors import NotFound
    from storyline.users.queries import get_team

    try:
        return get_team(session, ref)
    except NotFound:
        fail(f"no team with id or name {ref!r}")


@teams_app.command("create")
def create_team(
    name: Annotated[str, typer.Argument(help=NAME_HELP)],
    security: Annotated[bool, typer.Option("--security", help="Mark it as a security team")] = False,
) -> None:
    """Create a team. Prints its id."""
    import re

    from storyline.schemas import NAME_PATTERN
    from storyline.users import service

    if not 3 <= len(name) <= 255 or not re.match(NAME_PATTERN, name):
        fail(f"invalid team name {name!r}: {NAME_HELP}")
    with write_session() as session:
        team = service.do_create_team(session, {"name": name, "security": security})
        team_id = team.id
    typer.echo(team_id)


@teams_app.command("list")
def list_teams() -> None:
    """List teams: id, name, members."""
    from sqlalchemy import func, select

    from storyline.users.models import Team, TeamMember

    with write_session() as session:
        rows = session.execute(
            select(Team.id, Team.name, Team.security, func.count(TeamMember.user_id))
            .outerjoin(TeamMember, TeamMember.team_id == Team.id).group_by(Team.id).order_by(Team.name)
        ).all()
    for team_id, name, security, members in rows:
        typer.echo(f"{team_id}\t{name}\t{members} member(s){' (security)' if security else ''}")


@teams_app.command("add-member")
def add_member(
    team_ref: Annotated[str, typer.Argument(metavar="TEAM", help="Team id or name")],
    user_ref: Annotated[str, typer.Argument(metavar="USER", help="User id or e-mail address")],
) -> None:
    """Add a user to a team."""
    from storyline.users import service

    with write_session() as session:
        team, user = _find_team(session, team_ref), find_user(session, user_ref)
        service.do_add_team_member(session, team, user, actor_id=None)
        message = f"User {user.id} is a member of team {team.name}."
    typer.echo(message)


@teams_app.command("remove-member")
def remove_member(
    team_ref: Annotated[str, typer.Argument(metavar="TEAM", help="Team id or name")],
    user_ref: Annotated[str, typer.Argument(metavar="USER", help="User id or e-mail address")],
) -> None:
    """Remove a user from a team."""
    from storyline.users import service

    with write_session() as session:
        team, user = _find_team(session, team_ref), find_user(session, user_ref)
        service.do_remove_team_member(session, team, user.id, actor_id=None)
        message = f"User {user.id} is no longer a member of team {team.name}."
    typer.echo(message)


@security_app.command("recover")
def recover(
    story_id: Annotated[int, typer.Argument(metavar="STORY", help="Story id")],
    as_user: Annotated[str, typer.Option("--as", metavar="ID_OR_EMAIL", help="The superuser who joins its list")],
) -> None:
    """Put a superuser on the access list of a private story nobody who should see it can see.

    Audited (`superuser_recovery` in the story's audit log) and told to everyone on the list. The
    superuser then fixes the list, or makes the story public, through the API or the web client.
    """
    from storyline.authz import Viewer
    from storyline.security.accounts import recover_access

    with write_session() as session:
        user = find_user(session, as_user)
        if not user.is_superuser:
            fail(f"--as: user {user.id} is not a superuser")
        recover_access(session, Viewer(user_id=user.id, is_superuser=True), story_id)
        message = f"User {user.id} is on the access list of story {story_id} (audited)."
    typer.echo(message)


@security_app.command("set-team")
def set_team(
    project_ref: Annotated[str, typer.Argument(metavar="PROJECT", help="Project id or name")],
    team_ref: Annotated[str | None, typer.Argument(metavar="TEAM", help="Team id or name")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the project's security team")] = False,
) -> None:
    """Name the security team of a project: it gets access to private security stories with a task on
    the project (when a responder adds the task)."""
    from storyline.errors import NotFound
    from storyline.projects import queries, service

    if (team_ref is None) == (not clear):
        fail("give a TEAM, or --clear")
    with write_session() as session:
        try:
            project = queries.get_project(session, project_ref)
        except NotFound:
            fail(f"no project with id or name {project_ref!r}")
        team = None if clear else _find_team(session, team_ref or "")
        service.do_update_project(session, project, {"security_team_id": None if team is None else team.id})
        message = (f"Project {project.name} has no security team." if team is None
                   else f"Project {project.name}: security team {team.name}.")
    typer.echo(message)


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one pass and exit")] = False,
) -> None:
    """Run the background worker: scheduled disclosures, embargo expiry, digests, and the outbox's
    deliveries (e-mail, webhooks; code review events' work in a low-priority process of its own). With
    several API processes, run it here (one or more: they share the work) and set worker_in_process =
    false for `serve`."""
    import logging
    import threading

    from storyline import heap, outbox
    from storyline.cli.common import require_migrated
    from storyline.db import make_engine, make_sessionmaker
    from storyline.worker import run_pass

    config = settings()
    require_migrated(config.database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(config.database_url)
    sessions = make_sessionmaker(engine, write=True, info={"settings": config})
    reads = make_sessionmaker(engine, write=False, info={"settings": config})
    outbox.Policy.configure(max_attempts=config.outbox_max_attempts, retry_base=config.outbox_retry_base,
                            lease=config.outbox_lease)
    if once:
        try:
            result = run_pass(sessions, config)
            typer.echo("worker pass: " + (", ".join(f"{v} {k}" for k, v in result.items() if v) or "nothing to do"))
            for lane in outbox.DRAIN_ORDER:
                while outbox.deliver(sessions, lane=lane) >= outbox.BATCH:
                    pass
            while outbox.deliver_external(sessions, reads)[0]:
                pass
        finally:
            engine.dispose()
        return
    import signal

    from storyline.worker import WorkerThread

    heap.freeze()  # its startup out of the collector's walks (storyline.heap), before its threads start
    threads: list[threading.Thread] = [*outbox.start_threads(sessions, reads), WorkerThread(sessions, config)]
    threads[-1].start()
    background = None
    if config.background_process:  # else every API process does it in a thread
        from storyline.outbox.background import BackgroundProcess

        background = BackgroundProcess(config)
        background.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo("storyline worker: running (outbox lanes and passes every "
               f"{config.worker_interval} s); SIGTERM or Ctrl-C stops it")
    try:
        stop.wait()
    finally:
        if background is not None:
            background.stop()
        for thread in reversed(threads):
            thread.stop()  # type: ignore[attr-defined]
        engine.dispose()
