"""Per-project rules of the code review integration (docs/integrations.md lists them).

Stored as JSON per project; a project without a row gets DEFAULTS. Unknown keys are refused.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storyline.errors import ValidationFailed
from storyline.integrations.models import ProjectRules

DEFAULTS: dict[str, Any] = {
    # Status automation at all (false: changes are linked and commented on, tasks are not moved).
    "move_tasks": True,
    # The status a new patch set (an opened pull/merge request) moves a todo or inprogress task to.
    "on_upload": "review",
    # Assign the change's owner to an unassigned task when the owner is a known user (by e-mail).
    "assign_owner": True,
    # Whether a work-in-progress / draft / private-to-ready change moves tasks before it is ready.
    "wip_moves": False,
    # A change on another branch than the task's acts on the story's task for that branch, created
    # (with the branch) when the project auto-creates branches (backports on stable/*).
    "branch_tasks": True,
    # A story-level reference (Story: N, Closes-Bug: N, Fixes #N) creates the story's task for the
    # change's project and branch when it has none.
    "story_creates_task": True,
    # The bot comments on the story when a change is linked, merged, abandoned or restored.
    "comments": True,
}
CHOICES: dict[str, tuple[Any, ...]] = {"on_upload": ("review", "inprogress")}

_RULES = select(ProjectRules.rules).where(ProjectRules.project_id == bindparam("project_id"))


def rules_for(session: Session, project_id: int) -> dict[str, Any]:
    raw = session.connection().execute(_RULES, {"project_id": project_id}).scalar_one_or_none()
    return {**DEFAULTS, **(json.loads(raw) if raw else {})}


def check(changes: dict[str, Any]) -> dict[str, Any]:
    for key, value in changes.items():
        if key not in DEFAULTS:
            raise ValidationFailed(key, f"unknown rule; the rules are: {', '.join(DEFAULTS)}")
        allowed = CHOICES.get(key, (True, False))
        if value not in allowed or type(value) is not type(DEFAULTS[key]):
            raise ValidationFailed(key, f"must be one of {', '.join(json.dumps(a) for a in allowed)}")
    return changes


def do_set_rules(session: Session, project_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some rules of a project (the others keep their value); the project's rules after it."""
    check(changes)
    row = session.get(ProjectRules, project_id)
    stored = json.loads(row.rules) if row is not None else {}
    stored.update(changes)
    stored = {k: v for k, v in stored.items() if v != DEFAULTS[k]}
    if row is None:
        session.add(ProjectRules(project_id=project_id, rules=json.dumps(stored)))
    else:
        row.rules = json.dumps(stored)
    session.flush()
    return {**DEFAULTS, **stored}


__all__ = ["CHOICES", "DEFAULTS", "check", "do_set_rules", "rules_for"]
