"""Request bodies and documented shapes for stories, tasks, tags, comments and events."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from storyline.schemas import In, Out, Resource

StoryTitle = Annotated[str, StringConstraints(min_length=5, max_length=255)]
TaskTitle = Annotated[str, StringConstraints(min_length=3, max_length=255)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=50)]
TaskStatus = Literal["todo", "inprogress", "review", "merged", "invalid"]
Priority = Literal["low", "medium", "high"]
InformationType = Literal["public", "public_security", "private_security", "private"]


class StoryIn(In):
    title: StoryTitle
    description: str | None = None
    is_bug: bool = True
    creator_id: int | None = None
    story_type_id: int = 1
    private: bool | None = None
    security: bool | None = None
    users: list[dict[str, object] | int] | None = None
    teams: list[dict[str, object] | int] | None = None
    tags: list[TagName] | None = None
    information_type: InformationType | None = None
    embargo_until: dt.datetime | None = Field(None, description="UTC; at most 90 days after the report")
    disclosure_at: dt.datetime | None = Field(None, description="UTC; the worker makes the story public then")


class StoryUpdate(In):
    title: StoryTitle | None = None
    description: str | None = None
    is_bug: bool | None = None
    creator_id: int | None = None
    story_type_id: int | None = None
    private: bool | None = None
    security: bool | None = None
    users: list[dict[str, object] | int] | None = None
    teams: list[dict[str, object] | int] | None = None
    information_type: InformationType | None = None
    embargo_until: dt.datetime | None = Field(None, description="UTC; at most 90 days after the report")
    disclosure_at: dt.datetime | None = Field(None, description="UTC; the worker makes the story public then")
    duplicate_of: int | None = Field(None, description="Mark the story a duplicate of another one the caller can "
                                     "see (not itself, no cycle); null clears the mark (additive)")


class TaskStatusCount(Out):
    key: str
    count: int


class StoryOut(Resource):
    title: str
    description: str | None
    is_bug: bool
    creator_id: int
    story_type_id: int
    status: str | None = None
    task_statuses: list[TaskStatusCount] | None = None
    tags: list[str] | None = None
    private: bool
    security: bool
    users: list[dict[str, object]] | None = None
    teams: list[dict[str, object]] | None = None
    information_type: str
    embargo_until: str | None
    embargo_days_left: int | None
    embargo_expired: bool
    disclosure_at: str | None
    duplicate_of: int | None = Field(None, description="The story this one duplicates (set through PUT, or "
                                     "imported from Launchpad: the bug number), or null; null too when the "
                                     "reader cannot see that story, or it is not here (a Launchpad bug "
                                     "not imported) (additive)")
    cves: list[str] = Field([], description="CVE ids linked to the story, e.g. CVE-2026-1234 (additive)")


class TaskIn(In):
    title: TaskTitle
    status: TaskStatus = "todo"
    story_id: int | None = None
    project_id: int | None = None
    branch_id: int | None = None
    milestone_id: int | None = None
    assignee_id: int | None = None
    link: str | None = None
    priority: Priority = "medium"
    creator_id: int | None = None


class TaskUpdate(In):
    title: TaskTitle | None = None
    status: TaskStatus | None = None
    story_id: int | None = None
    project_id: int | None = None
    branch_id: int | None = None
    milestone_id: int | None = None
    assignee_id: int | None = None
    link: str | None = None
    priority: Priority | None = None


class TaskOut(Resource):
    title: str
    status: str
    creator_id: int
    story_id: int
    project_id: int
    branch_id: int
    milestone_id: int | None
    assignee_id: int | None
    link: str | None
    priority: str
    lp_status: str | None = Field(None, description="Launchpad's status of an imported bug task (additive)")
    lp_importance: str | None = Field(None, description="Launchpad's importance of an imported bug task "
                                      "(additive)")
    lp_milestone: str | None = Field(None, description="Launchpad's milestone of an imported bug task, also "
                                     "when the task is not merged (additive)")


class TagOut(Resource):
    name: str
    popularity: int


class CommentIn(In):
    content: Annotated[str, StringConstraints(min_length=1, max_length=16 * 1024 * 1024)]
    in_reply_to: int | None = None


class CommentUpdate(In):
    content: Annotated[str, StringConstraints(min_length=1, max_length=16 * 1024 * 1024)]


class CommentOut(Resource):
    content: str
    is_active: bool
    in_reply_to: int | None


class EventOut(Resource):
    event_type: str
    event_info: str | None = Field(description="A JSON-encoded string, or null")
    story_id: int | None
    worklist_id: int | None
    board_id: int | None
    author_id: int | None
    comment_id: int | None
    comment: CommentOut | None = None
