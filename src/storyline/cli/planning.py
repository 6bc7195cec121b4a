"""`storyline worklists|boards ...` (v1 objects) and the preview planning commands: `dashboards`,
`priorities`, `stale`. Every write names the user it acts as (`--as`), whose rights the same service
functions as the API check; reads without `--as` see what an anonymous visitor sees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from storyline.cli.common import fail, find_user, write_session

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storyline.authz import Viewer

worklists_app = typer.Typer(help="Worklists: ordered lists of stories and tasks (manual or automatic).",
                            no_args_is_help=True)
boards_app = typer.Typer(help="Boards: lanes of worklists.", no_args_is_help=True)
dashboards_app = typer.Typer(help="(preview) Review dashboards: ready-made boards.", no_args_is_help=True)
priorities_app = typer.Typer(help="(preview) Priority lists of projects and teams, per cycle.",
                             no_args_is_help=True)
stale_app = typer.Typer(help="(preview) The stale-work rule of projects and its sweep.", no_args_is_help=True)

AS_HELP = "Act as this user (id or e-mail): their rights apply"
AsUser = Annotated[str, typer.Option("--as", metavar="USER", help=AS_HELP)]
AsReader = Annotated[str | None, typer.Option("--as", metavar="USER",
                                              help="Read as this user (id or e-mail); default: anonymous")]
ProjectOpt = Annotated[str | None, typer.Option("--project", metavar="PROJECT", help="Project id or name")]
TeamOpt = Annotated[str | None, typer.Option("--team", metavar="TEAM", help="Team id or name")]
Private = Annotated[bool, typer.Option("--private", help="Only the people given rights see it")]


@contextmanager
def _session() -> Iterator[Session]:
    """write_session, where refusals of login or superuser rights also end the command cleanly."""
    from storyline.errors import FrameworkError

    try:
        with write_session() as session:
            yield session
    except FrameworkError as exc:
        fail(exc.description or exc.title)


def _viewer(session: Session, ref: str | None) -> Viewer:
    from storyline.authz import Viewer

    if ref is None:
        return Viewer()
    user = find_user(session, ref)
    return Viewer(user_id=user.id, is_superuser=user.is_superuser)


def _project_id(session: Session, ref: str | None) -> int | None:
    from storyline.errors import NotFound
    from storyline.projects.queries import get_project

    if ref is None:
        return None
    try:
        return get_project(session, ref).id
    except NotFound:
        fail(f"no project with id or name {ref!r}")


def _group_id(session: Session, ref: str | None) -> int | None:
    from storyline.errors import NotFound
    from storyline.projects.queries import get_group

    if ref is None:
        return None
    try:
        return get_group(session, ref).id
    except NotFound:
        fail(f"no project group with id or name {ref!r}")


def _team_id(session: Session, ref: str | None) -> int | None:
    from storyline.errors import NotFound
    from storyline.users.queries import get_team

    if ref is None:
        return None
    try:
        return get_team(session, ref).id
    except NotFound:
        fail(f"no team with id or name {ref!r}")


def _title(value: str, what: str = "title") -> str:
    if not 1 <= len(value) <= 100:
        fail(f"{what}: must have 1 to 100 characters")
    return value


def _item(story: int | None, task: int | None) -> tuple[str, int]:
    if (story is None) == (task is None):
        fail("give exactly one of --story and --task")
    return ("story", story) if story is not None else ("task", task)  # type: ignore[return-value]


def _card_title(item: dict[str, Any]) -> str:
    obj = item.get("story") or item.get("task") or {}
    return str(obj.get("title") or "")


# ---- worklists ------------------------------------------------------------------------------------

@worklists_app.command("create")
def create_worklist(
    title: Annotated[str, typer.Argument(help="Title (1-100 characters)")],
    as_user: AsUser,
    project: ProjectOpt = None,
    private: Private = False,
    criterion: Annotated[list[str] | None, typer.Option(
        "--criterion", metavar="FIELD=VALUE",
        help="Makes an automatic worklist whose items match every criterion, e.g. TaskStatus=review, "
             "Project=3, Team=2 (repeatable)")] = None,
    item_type: Annotated[str, typer.Option("--type", help="What an automatic list holds: Story or Task")] = "Story",
) -> None:
    """Create a worklist (manual, or automatic with --criterion). Prints its id."""
    from storyline.planning.worklist_service import do_create_worklist

    _title(title)
    if item_type not in ("Story", "Task"):
        fail("--type: must be Story or Task")
    criteria = []
    for c in criterion or []:
        field, sep, value = c.partition("=")
        if not sep or not field or not value:
            fail(f"--criterion: {c!r} is not FIELD=VALUE")
        criteria.append({"field": field, "value": value})
    with _session() as session:
        viewer = _viewer(session, as_user)
        data: dict[str, Any] = {"title": title, "private": private, "project_id": _project_id(session, project),
                                "automatic": bool(criteria)}
        if criteria:
            data["filters"] = [{"type": item_type, "filter_criteria": criteria}]
        wl_id = do_create_worklist(session, viewer, data).id
    typer.echo(wl_id)


@worklists_app.command("list")
def list_worklists(
    as_user: AsReader = None,
    project: ProjectOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="Archived worklists instead")] = False,
) -> None:
    """List the worklists the reader may see (not the lanes of boards): id, title, kind, cards."""
    from storyline.planning import queries, serialize
    from storyline.planning.models import Worklist

    with _session() as session:
        viewer = _viewer(session, as_user)
        stmt = queries.worklists_select(viewer, project_id=_project_id(session, project), archived=archived)
        rows = list(session.execute(stmt.order_by(Worklist.id)).scalars())
        data = serialize.worklists_json(session, viewer, rows, resolve=False)
    for w in data:
        kind = "automatic" if w["automatic"] else f"manual\t{len(w['items'])} card(s)"
        typer.echo(f"{w['id']}\t{w['title']}\t{kind}{chr(9) + 'private' if w['private'] else ''}")


@worklists_app.command("add")
def add_to_worklist(
    worklist_id: Annotated[int, typer.Argument(metavar="WORKLIST", help="Worklist id")],
    as_user: AsUser,
    story: Annotated[int | None, typer.Option("--story", help="Story id")] = None,
    task: Annotated[int | None, typer.Option("--task", help="Task id")] = None,
    position: Annotated[int | None, typer.Option("--position", min=0, help="0-based; default: the end")] = None,
) -> None:
    """Add a story or task to a manual worklist (or move it there if it is on it already)."""
    _add(worklist_id, as_user, story, task, position)


def _add(worklist_id: int, as_user: str, story: int | None, task: int | None, position: int | None) -> None:
    from storyline.planning import access
    from storyline.planning.serialize import visible_rank
    from storyline.planning.worklist_service import do_add_item

    item_type, item_id = _item(story, task)
    with _session() as session:
        viewer = _viewer(session, as_user)
        wl = access.get_worklist(session, viewer, worklist_id)
        card = do_add_item(session, viewer, wl, {"item_type": item_type, "item_id": item_id,
                                                 "list_position": position})
        message = (f"{item_type.capitalize()} {item_id} is card {card.id} of worklist {wl.id}, "
                   f"position {visible_rank(session, viewer, card)}.")
    typer.echo(message)


# ---- boards ---------------------------------------------------------------------------------------

@boards_app.command("create")
def create_board(
    title: Annotated[str, typer.Argument(help="Title (1-100 characters)")],
    as_user: AsUser,
    lane: Annotated[list[str] | None, typer.Option(
        "--lane", metavar="TITLE", help="A lane (a new manual worklist), in order (repeatable)")] = None,
    project: ProjectOpt = None,
    private: Private = False,
    description: Annotated[str | None, typer.Option("--description")] = None,
) -> None:
    """Create a board with new lanes. Prints its id."""
    from storyline.planning.board_service import do_create_board
    from storyline.planning.worklist_service import do_create_worklist

    _title(title)
    for name in lane or []:
        _title(name, "--lane")
    with _session() as session:
        viewer = _viewer(session, as_user)
        project_id = _project_id(session, project)
        lists = [do_create_worklist(session, viewer, {"title": name, "private": private, "project_id": project_id})
                 for name in lane or []]
        board = do_create_board(session, viewer, {
            "title": title, "description": description, "private": private, "project_id": project_id,
            "lanes": [{"list_id": wl.id, "position": n} for n, wl in enumerate(lists)]})
        board_id = board.id
    typer.echo(board_id)


@boards_app.command("list")
def list_boards(
    as_user: AsReader = None,
    project: ProjectOpt = None,
    archived: Annotated[bool, typer.Option("--archived", help="Archived boards instead")] = False,
) -> None:
    """List the boards the reader may see: id, title, lanes."""
    from storyline.planning import queries, serialize
    from storyline.planning.models import Board

    with _session() as session:
        viewer = _viewer(session, as_user)
        stmt = queries.boards_select(viewer, project_id=_project_id(session, project), archived=archived)
        rows = list(session.execute(stmt.order_by(Board.id)).scalars())
        data = serialize.boards_json(session, viewer, rows, resolve=False)
    for b in data:
        lanes = ", ".join(lane["worklist"]["title"] for lane in b["lanes"])
        typer.echo(f"{b['id']}\t{b['title']}\t{len(b['lanes'])} lane(s): {lanes}")


# ---- preview: review dashboards -------------------------------------------------------------------

@dashboards_app.command("create")
def create_dashboard(
    as_user: AsUser,
    project: ProjectOpt = None,
    project_group: Annotated[str | None, typer.Option("--project-group", metavar="GROUP",
                                                      help="Project group id or name")] = None,
    team: Annotated[str | None, typer.Option("--team", metavar="TEAM",
                                             help="Team id or name: the tasks assigned to its members")] = None,
    title: Annotated[str | None, typer.Option("--title", help='Default: "Reviews: <name>"')] = None,
    stale_days: Annotated[int, typer.Option("--stale-days", min=1, max=3650)] = 7,
    recent_days: Annotated[int, typer.Option("--recent-days", min=1, max=3650)] = 14,
    private: Private = False,
) -> None:
    """(preview) Create a review dashboard in one action: a board with three automatic lanes (needs
    review, in progress without activity, recently merged). Prints the board id."""
    from storyline.planning.dashboard_service import do_create_review_dashboard

    if sum(x is not None for x in (project, project_group, team)) != 1:
        fail("give exactly one of --project, --project-group and --team")
    if title is not None:
        _title(title, "--title")
    with _session() as session:
        viewer = _viewer(session, as_user)
        board = do_create_review_dashboard(session, viewer, {
            "project_id": _project_id(session, project), "project_group_id": _group_id(session, project_group),
            "team_id": _team_id(session, team), "title": title, "private": private,
            "stale_days": stale_days, "recent_days": recent_days})
        board_id = board.id
    typer.echo(board_id)


# ---- preview: priority lists ----------------------------------------------------------------------

@priorities_app.command("create")
def create_priorities(
    cycle: Annotated[str, typer.Argument(help='The cycle, e.g. "2026.2"')],
    as_user: AsUser,
    project: ProjectOpt = None,
    team: TeamOpt = None,
    private: Private = False,
) -> None:
    """(preview) Create the "Priorities for CYCLE" list of a project or a team. Prints the worklist id."""
    from storyline.planning.priority_service import do_create_priority_list

    _title(cycle, "cycle")
    if (project is None) == (team is None):
        fail("give exactly one of --project and --team")
    with _session() as session:
        viewer = _viewer(session, as_user)
        wl, _ = do_create_priority_list(session, viewer, {
            "cycle": cycle, "project_id": _project_id(session, project), "team_id": _team_id(session, team),
            "private": private})
        wl_id = wl.id
    typer.echo(wl_id)


@priorities_app.command("list")
def list_priorities(
    as_user: AsReader = None,
    project: ProjectOpt = None,
    team: TeamOpt = None,
    cycle: Annotated[str | None, typer.Option("--cycle")] = None,
) -> None:
    """(preview) The priority lists the reader may see, each with its cards in order."""
    from storyline.planning import priority_service, serialize

    with _session() as session:
        viewer = _viewer(session, as_user)
        stmt = priority_service.priority_lists_select(viewer, project_id=_project_id(session, project),
                                                      team_id=_team_id(session, team), cycle=cycle)
        rows = [(w, p) for w, p in session.execute(stmt).all()]
        lists = serialize.worklists_json(session, viewer, [w for w, _ in rows], resolve=True)
    for wl in lists:
        typer.echo(f"{wl['id']}\t{wl['title']}")
        for n, item in enumerate(wl["items"], 1):
            typer.echo(f"  {n}. {item['item_type']} {item['item_id']}\t{_card_title(item)}")


@priorities_app.command("add")
def add_priority(
    worklist_id: Annotated[int, typer.Argument(metavar="LIST", help="Priority list (worklist) id")],
    as_user: AsUser,
    story: Annotated[int | None, typer.Option("--story", help="Story id")] = None,
    task: Annotated[int | None, typer.Option("--task", help="Task id")] = None,
    position: Annotated[int | None, typer.Option("--position", min=0, help="0-based; default: the end")] = None,
) -> None:
    """(preview) Put a story or task on a priority list, at a position (moves it if already there)."""
    from sqlalchemy import select

    from storyline.planning.models import PriorityList

    with _session() as session:
        is_priority = session.execute(select(PriorityList.worklist_id)
                                      .where(PriorityList.worklist_id == worklist_id)).first()
    if is_priority is None:
        fail(f"worklist {worklist_id} is not a priority list")
    _add(worklist_id, as_user, story, task, position)


# ---- preview: stale work --------------------------------------------------------------------------

@stale_app.command("set-rule")
def set_stale_rule(
    project: Annotated[str, typer.Argument(metavar="PROJECT", help="Project id or name")],
    as_user: AsUser,
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Days without activity")] = 14,
    action: Annotated[str, typer.Option("--action", help="flag (comment) or reset (back to todo, with a comment)")] = "flag",
    disable: Annotated[bool, typer.Option("--disable", help="Keep the rule but stop applying it")] = False,
) -> None:
    """(preview) Set a project's stale-work rule (superusers; the sweep then acts as them)."""
    from storyline.planning import stale_service

    if action not in stale_service.ACTIONS:
        fail(f"--action: must be one of {', '.join(stale_service.ACTIONS)}")
    with _session() as session:
        viewer = _viewer(session, as_user)
        project_id = _project_id(session, project)
        assert project_id is not None
        stale_service.do_set_rule(session, viewer, project_id, {"days": days, "action": action, "enabled": not disable})
    typer.echo(f"Project {project}: tasks in progress or review for more than {days} days without activity "
               f"are {'reset to todo' if action == 'reset' else 'flagged'}{' (disabled)' if disable else ''}.")


@stale_app.command("sweep")
def sweep_stale(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what the sweep would change")] = False,
) -> None:
    """(preview) Apply every enabled stale-work rule now (the worker does it at every pass)."""
    from sqlalchemy import select

    from storyline.authz import Viewer
    from storyline.planning import stale_service
    from storyline.planning.models import StaleRule

    with _session() as session:
        if not dry_run:
            result = stale_service.sweep(session)
            message = f"stale sweep: {result['stale_flagged']} flagged, {result['stale_reset']} reset to todo"
        else:
            lines = []
            rules = session.execute(select(StaleRule).where(StaleRule.enabled.is_(True))
                                    .order_by(StaleRule.project_id)).scalars()
            for rule in list(rules):
                for row in stale_service.report(session, Viewer(user_id=rule.author_id), rule.project_id):
                    lines.append(f"project {rule.project_id}\ttask {row['task_id']}\t{row['status']}\t"
                                 f"{row['action']}\t{row['task_title']}")
            message = "\n".join([*lines, f"dry run: {len(lines)} task(s) would change"])
            session.rollback()
    typer.echo(message)
