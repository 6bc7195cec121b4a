"""One sentence saying what a story event did ("Ada set the task “Fix” to Merged (was Review)"), for
every place that tells people about events in words: feeds, e-mail, digests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storyline.stories.models import TASK_STATUS_NAMES


def _quoted(value: object) -> str:
    return f"\u201c{value}\u201d"


def _status(value: object) -> str:
    return TASK_STATUS_NAMES.get(str(value), str(value))


def event_sentence(event_type: str, info: Mapping[str, Any], who: str, names: Mapping[int, str],
                   comment_deleted: bool = False) -> str:
    """`who` made the event; `names` are the full names of the users `info` refers to (assignees)."""
    task = _quoted(info.get("task_title", "a task"))
    tags = ", ".join(str(t) for t in info.get("tags") or [])
    t = event_type
    if t == "story_created":
        return f"{who} created the story"
    if t == "story_details_changed":
        return f"{who} changed the story's details"
    if t == "user_comment":
        return f"{who} commented (deleted since)" if comment_deleted else f"{who} commented"
    if t == "tags_added":
        return f"{who} added the tags {tags}"
    if t == "tags_deleted":
        return f"{who} removed the tags {tags}"
    if t == "task_created":
        return f"{who} added the task {task}"
    if t == "task_details_changed":
        return f"{who} changed the task {task}"
    if t == "task_status_changed":
        return (f"{who} set the task {task} to {_status(info.get('new_status'))} "
                f"(was {_status(info.get('old_status'))})")
    if t == "task_priority_changed":
        return (f"{who} set the priority of the task {task} to {info.get('new_priority')} "
                f"(was {info.get('old_priority')})")
    if t == "task_assignee_changed":
        new = info.get("new_assignee_id")
        if isinstance(new, int):
            return f"{who} assigned the task {task} to {names.get(new, f'user {new}')}"
        return f"{who} unassigned the task {task}"
    if t == "task_deleted":
        return f"{who} deleted the task {task}"
    if t == "story_disclosed":
        return f"{who} disclosed the story ({info.get('information_type', 'public')})"
    if t == "attachment_added":
        return f"{who} attached {_quoted(info.get('name', 'a file'))}"
    if t == "attachment_removed":
        return f"{who} removed the attachment {_quoted(info.get('name', 'a file'))}"
    return f"{who}: {t.replace('_', ' ')}"


# What a worklist or board event did, by event type ("worklist_contents_changed" depends on the cards).
_PLANNING = {
    "worklist_created": "created the worklist", "worklist_details_changed": "changed the worklist's details",
    "worklist_filters_changed": "changed the worklist's filters",
    "worklist_permission_created": "changed the worklist's permissions",
    "worklist_permissions_changed": "changed the worklist's permissions",
    "board_created": "created the board", "board_details_changed": "changed the board's details",
    "board_lanes_changed": "changed the board's lanes", "board_permission_created": "changed the board's permissions",
    "board_permissions_changed": "changed the board's permissions",
}


def planning_sentence(event_type: str, info: Mapping[str, Any], who: str) -> str:
    """One sentence for a worklist or board event."""
    if event_type == "worklist_contents_changed":
        added, removed = info.get("added"), info.get("removed")
        verb = "added" if added and not removed else "removed" if removed and not added else "moved"
        return f"{who} {verb} a card"
    return f"{who} {_PLANNING.get(event_type, event_type.replace('_', ' '))}"


__all__ = ["event_sentence", "planning_sentence"]
