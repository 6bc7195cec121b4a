"""Beyond StoryBoard: the stale-work sweep. A project's rule (StaleRule) names a number of days and an
action; the worker flags tasks left in progress or review without activity for that long (a comment on
the story), or with action "reset" moves them back to todo with a comment explaining why. The report is
the same selection without changes (a dry run).

The sweep acts as the rule's author: it only touches tasks whose story that author may see, and a
report shows only tasks the caller may see too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_superuser, story_visible
from storyline.db import utcnow
from storyline.errors import NotFound
from storyline.planning.models import StaleMark, StaleRule
from storyline.projects.models import Project
from storyline.sqltools import ts
from storyline.stories.comments import do_post_comment
from storyline.stories.models import Story, Task
from storyline.stories.task_service import do_update_task

STALE_STATUSES = ("inprogress", "review")
ACTIONS = ("flag", "reset")
MAX_PER_PASS = 500  # a pass handles at most this many tasks per rule; the next pass continues


def rule_json(rule: StaleRule) -> dict[str, Any]:
    return {"project_id": rule.project_id, "days": rule.days, "action": rule.action, "enabled": rule.enabled,
            "author_id": rule.author_id, "created_at": ts(rule.created_at), "updated_at": ts(rule.updated_at)}


def get_rule(session: Session, project_id: int) -> StaleRule:
    if session.get(Project, project_id) is None:
        raise NotFound(f"Project {project_id} not found")
    rule = session.get(StaleRule, project_id)
    if rule is None:
        raise NotFound(f"Project {project_id} has no stale-work rule")
    return rule


def do_set_rule(session: Session, viewer: Viewer, project_id: int, data: dict[str, Any]) -> StaleRule:
    """Superusers set a project's rule (the worker then acts as them)."""
    uid = require_superuser(viewer)
    if session.get(Project, project_id) is None:
        raise NotFound(f"Project {project_id} not found")
    rule = session.get(StaleRule, project_id)
    if rule is None:
        rule = StaleRule(project_id=project_id, days=data["days"], action=data["action"],
                         enabled=data["enabled"], author_id=uid)
        session.add(rule)
    else:
        rule.days, rule.action, rule.enabled, rule.author_id = data["days"], data["action"], data["enabled"], uid
        rule.updated_at = utcnow()
    session.flush()
    return rule


def _candidates(session: Session, rule: StaleRule, now: dt.datetime, reader: Viewer | None = None
                ) -> list[tuple[Task, Story]]:
    last = func.coalesce(Task.updated_at, Task.created_at)
    stmt = (select(Task, Story).join(Story, Story.id == Task.story_id)
            .outerjoin(StaleMark, StaleMark.task_id == Task.id)
            .where(Task.project_id == rule.project_id, Task.status.in_(STALE_STATUSES),
                   last < now - dt.timedelta(days=rule.days), story_visible(Viewer(user_id=rule.author_id)),
                   or_(StaleMark.task_id.is_(None), StaleMark.marked_at < last))
            .order_by(last, Task.id).limit(MAX_PER_PASS))
    if reader is not None:
        stmt = stmt.where(story_visible(reader))
    return [(t, s) for t, s in session.execute(stmt)]


def report(session: Session, viewer: Viewer, project_id: int) -> list[dict[str, Any]]:
    """Dry run: what the next sweep would change, limited to tasks the caller may see."""
    rule = get_rule(session, project_id)
    out = []
    for task, story in _candidates(session, rule, utcnow(), viewer):
        out.append({"task_id": task.id, "task_title": task.title, "story_id": story.id, "status": task.status,
                    "last_activity": ts(task.updated_at or task.created_at),
                    "action": "reset to todo" if rule.action == "reset" else "flag"})
    return out


def _explain(task: Task, rule: StaleRule, reset: bool) -> str:
    what = "moved it back to todo" if reset else "flagged it"
    return (f"Task {task.id} ({task.title}) has been in {task.status} with no activity for more than "
            f"{rule.days} days; the stale-work rule of this project {what}.")


def sweep(session: Session, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of every enabled rule (called by the worker, in its transaction)."""
    now = now or utcnow()
    flagged = reset = 0
    rules = list(session.execute(select(StaleRule).where(StaleRule.enabled.is_(True))
                                 .order_by(StaleRule.project_id)).scalars())
    for rule in rules:
        author = Viewer(user_id=rule.author_id)
        for task, story in _candidates(session, rule, now):
            message = _explain(task, rule, rule.action == "reset")
            if rule.action == "reset":
                do_update_task(session, author, task, {"status": "todo"})
                reset += 1
            else:
                flagged += 1
            do_post_comment(session, author, story, message, None)
            mark = session.get(StaleMark, task.id)
            marked_at = max(now, task.updated_at or task.created_at)
            if mark is None:
                session.add(StaleMark(task_id=task.id, marked_at=marked_at))
            else:
                mark.marked_at = marked_at
            session.flush()
    return {"stale_flagged": flagged, "stale_reset": reset}


__all__ = ["ACTIONS", "do_set_rule", "get_rule", "report", "rule_json", "sweep"]
