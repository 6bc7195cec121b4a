"""Beyond StoryBoard: automatic worklists saved from a story/task search, and ready-made review boards.

Both are built from the v1 objects (automatic worklists with filters, a board whose lanes are those
lists), so every v1 client sees and edits them like any other.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user
from storyline.errors import ValidationFailed
from storyline.planning.board_service import do_create_board
from storyline.planning.models import Board, Worklist
from storyline.planning.queries import parse_time
from storyline.planning.worklist_service import do_create_worklist
from storyline.projects.models import Project, ProjectGroup
from storyline.sqltools import parse_datetime
from storyline.stories.models import STORY_STATUSES, TASK_STATUSES
from storyline.users.models import Team

MAX_FILTERS = 20


def search_filters(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A search as automatic-worklist filters: its scalar parameters become criteria (AND); each
    combination of the list parameters' values (statuses: any of) becomes one filter (filters are OR'ed)."""
    kind = data.get("type") or "Story"
    for key in ("updated_before", "updated_after"):
        if parse_datetime(key, data.get(key)) is not None and parse_time(data[key]) is None:
            raise ValidationFailed(key, f"'{data[key]}' is not an ISO-8601 date and time")
    common: list[dict[str, Any]] = []
    for key, field in (("project_id", "Project"), ("project_group_id", "ProjectGroup"), ("assignee_id", "User"),
                       ("branch_id", "Branch"), ("milestone_id", "Milestone"), ("updated_before", "UpdatedBefore"),
                       ("updated_after", "UpdatedAfter"), ("inactive_days", "InactiveDays"), ("text", "Text")):
        if data.get(key) not in (None, ""):
            common.append({"field": field, "value": str(data[key]), "title": key})
    common += [{"field": "Tags", "value": t, "title": "tags"} for t in data.get("tags") or []]
    story_status = data.get("story_status") or [None]
    task_status = data.get("task_status") or [None]
    for name, values, allowed in (("story_status", story_status, STORY_STATUSES),
                                  ("task_status", task_status, TASK_STATUSES)):
        for v in values:
            if v is not None and v not in allowed:
                raise ValidationFailed(name, f"'{v}' is not one of {', '.join(allowed)}")
    combos = list(itertools.product(dict.fromkeys(story_status), dict.fromkeys(task_status)))
    if len(combos) > MAX_FILTERS:
        raise ValidationFailed("task_status", f"at most {MAX_FILTERS} status combinations")
    if not common and combos == [(None, None)]:
        raise ValidationFailed("type", "a saved search needs at least one criterion")
    filters = []
    for s, t in combos:
        criteria = list(common)
        if s is not None:
            criteria.append({"field": "StoryStatus", "value": s, "title": "story_status"})
        if t is not None:
            criteria.append({"field": "TaskStatus", "value": t, "title": "task_status"})
        filters.append({"type": kind, "filter_criteria": criteria})
    return filters


def do_create_search_worklist(session: Session, viewer: Viewer, data: dict[str, Any]) -> Worklist:
    """An automatic worklist whose items are the search's results (computed at every read)."""
    require_user(viewer)
    return do_create_worklist(session, viewer, {
        "title": data["title"], "private": bool(data.get("private")), "automatic": True,
        "project_id": data.get("project_id"), "filters": search_filters(data)})


def do_create_review_dashboard(session: Session, viewer: Viewer, data: dict[str, Any]) -> Board:
    """One action: a board for a project, a project group or a team with three automatic lanes: tasks in
    review, tasks in progress with no activity for `stale_days`, tasks merged within `recent_days`. A
    team's dashboard shows the tasks assigned to its members (membership as it is at each read)."""
    require_user(viewer)
    project_id, group_id, team_id = data.get("project_id"), data.get("project_group_id"), data.get("team_id")
    if sum(x is not None for x in (project_id, group_id, team_id)) != 1:
        raise ValidationFailed("project_id", "give exactly one of project_id, project_group_id and team_id")
    if project_id is not None:
        project = session.get(Project, project_id)
        if project is None:
            raise ValidationFailed("project_id", f"Project {project_id} not found")
        scope, name = {"field": "Project", "value": str(project_id)}, project.name
    elif group_id is not None:
        group = session.get(ProjectGroup, group_id)
        if group is None:
            raise ValidationFailed("project_group_id", f"Project group {group_id} not found")
        scope, name = {"field": "ProjectGroup", "value": str(group_id)}, group.name
    else:
        team = session.get(Team, team_id)
        if team is None:
            raise ValidationFailed("team_id", f"Team {team_id} not found")
        scope, name = {"field": "Team", "value": str(team_id)}, team.name
    stale, recent = data["stale_days"], data["recent_days"]
    lanes: list[dict[str, int]] = []
    for title, criteria in (
        ("Needs review", [{"field": "TaskStatus", "value": "review"}]),
        (f"In progress, no activity for {stale} days", [{"field": "TaskStatus", "value": "inprogress"},
                                                         {"field": "InactiveDays", "value": str(stale)}]),
        (f"Merged in the last {recent} days", [{"field": "TaskStatus", "value": "merged"},
                                               {"field": "ActiveWithinDays", "value": str(recent)}]),
    ):
        wl = do_create_worklist(session, viewer, {
            "title": title, "automatic": True, "private": bool(data.get("private")), "project_id": project_id,
            "filters": [{"type": "Task", "filter_criteria": [scope, *criteria]}]})
        lanes.append({"list_id": wl.id, "position": len(lanes)})
    title = data.get("title") or f"Reviews: {name}"[:100]
    return do_create_board(session, viewer, {
        "title": title, "description": f"Review dashboard of {name}", "project_id": project_id,
        "private": bool(data.get("private")), "lanes": lanes})
