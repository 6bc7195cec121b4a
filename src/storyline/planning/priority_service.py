"""Beyond StoryBoard: priority lists. A project or a team keeps an ordered "Priorities for <cycle>"
list (a manual v1 worklist); a story shows which priority lists it is on and at which position.

A team's list is edited by the team's members (the team owns it); a project's list by its creator and
whoever they add, like any worklist. Positions are ranks among the cards the reader may see.

Who may start one (the one list of its owner for a cycle, so a stranger must not take the slot): for a
team, its members; for a project, the members of a team linked to the project (`/v1/teams/{id}/projects`);
superusers for either.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from storyline.authz import Viewer, get_story, require_user
from storyline.errors import Conflict, Forbidden, ValidationFailed
from storyline.planning.access import item_visible, worklist_visible
from storyline.planning.models import PriorityList, Worklist, WorklistItem
from storyline.planning.worklist_service import do_create_worklist
from storyline.projects.models import Project
from storyline.users.models import Team, TeamMember, TeamProject


def do_create_priority_list(session: Session, viewer: Viewer, data: dict[str, Any]) -> tuple[Worklist, PriorityList]:
    require_user(viewer)
    project_id, team_id, cycle = data.get("project_id"), data.get("team_id"), data["cycle"]
    if (project_id is None) == (team_id is None):
        raise ValidationFailed("project_id", "give exactly one of project_id and team_id")
    if project_id is not None:
        project = session.get(Project, project_id)
        if project is None:
            raise ValidationFailed("project_id", f"Project {project_id} not found")
        owner, same = project.name, PriorityList.project_id == project_id
    else:
        team = session.get(Team, team_id)
        if team is None:
            raise ValidationFailed("team_id", f"Team {team_id} not found")
        owner, same = team.name, PriorityList.team_id == team_id
    if not _may_start(session, viewer, project_id, team_id):
        raise Forbidden(f"Only {owner}'s own people may start its priority list for {cycle}")
    taken = session.execute(select(PriorityList.worklist_id).join(Worklist, Worklist.id == PriorityList.worklist_id)
                            .where(same, PriorityList.cycle == cycle, Worklist.archived == false())).first()
    if taken is not None:
        raise Conflict(f"{owner} already has a priority list for {cycle}")
    wl = do_create_worklist(session, viewer, {
        "title": f"Priorities for {cycle}"[:100], "project_id": project_id, "private": bool(data.get("private")),
        "team_owners": [team_id] if team_id is not None else []})
    row = PriorityList(worklist_id=wl.id, project_id=project_id, team_id=team_id, cycle=cycle)
    session.add(row)
    session.flush()
    return wl, row


def _may_start(session: Session, viewer: Viewer, project_id: int | None, team_id: int | None) -> bool:
    if viewer.is_superuser:
        return True
    teams = (select(TeamProject.team_id).where(TeamProject.project_id == project_id) if team_id is None
             else select(literal(team_id)))
    return session.execute(select(TeamMember.user_id).where(
        TeamMember.user_id == viewer.user_id, TeamMember.team_id.in_(teams)).limit(1)).first() is not None


def priority_lists_select(viewer: Viewer, *, project_id: int | None, team_id: int | None,
                          cycle: str | None) -> Select[Worklist, PriorityList]:
    stmt = (select(Worklist, PriorityList).join(PriorityList, PriorityList.worklist_id == Worklist.id)
            .where(worklist_visible(viewer), Worklist.archived == false()))
    if project_id is not None:
        stmt = stmt.where(PriorityList.project_id == project_id)
    if team_id is not None:
        stmt = stmt.where(PriorityList.team_id == team_id)
    if cycle is not None:
        stmt = stmt.where(PriorityList.cycle == cycle)
    return stmt.order_by(Worklist.id)


def priority_json(row: PriorityList) -> dict[str, Any]:
    return {"cycle": row.cycle, "project_id": row.project_id, "team_id": row.team_id}


def story_priorities(session: Session, viewer: Viewer, story_id: int) -> list[dict[str, Any]]:
    """The priority lists (visible to the viewer) the story is on, with its rank among visible cards."""
    get_story(session, viewer, story_id)
    before = aliased(WorklistItem)
    rank = (select(func.count()).select_from(before)
            .where(before.list_id == WorklistItem.list_id, before.archived == false(),
                   or_(before.list_position < WorklistItem.list_position,
                       and_(before.list_position == WorklistItem.list_position, before.id < WorklistItem.id)),
                   item_visible(viewer, before.item_type, before.item_id))
            .correlate(WorklistItem).scalar_subquery())
    rows = session.execute(
        select(Worklist.id, Worklist.title, PriorityList, rank)
        .join(PriorityList, PriorityList.worklist_id == Worklist.id)
        .join(WorklistItem, and_(WorklistItem.list_id == Worklist.id, WorklistItem.item_type == "story",
                                 WorklistItem.item_id == story_id, WorklistItem.archived == false()))
        .where(worklist_visible(viewer), Worklist.archived == false())
        .order_by(PriorityList.cycle, Worklist.id)
    ).all()
    return [{"worklist_id": wid, "title": title, **priority_json(p), "position": position}
            for wid, title, p, position in rows]
