"""Stories, their access lists, tasks, tags, comments and timeline events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin

TASK_STATUSES = ("todo", "merged", "invalid", "review", "inprogress")
TASK_STATUS_NAMES = {
    "todo": "Todo", "merged": "Merged", "invalid": "Invalid", "review": "Review", "inprogress": "Progress",
}
TASK_PRIORITIES = ("low", "medium", "high")
STORY_STATUSES = ("active", "merged", "invalid")


class Story(TimestampMixin, Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_bug: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    story_type_id: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    security: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # public | public_security | private_security | private; always agrees with private/security.
    information_type: Mapped[str] = mapped_column(String(20), default="public", nullable=False)
    embargo_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    disclosure_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # Set by the worker once the 90-day embargo limit has passed without disclosure.
    disclosure_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # Computed from the tasks by stories.service.refresh_status in the same transaction as
    # every task write, so reads, filters and sorts never aggregate tasks.
    status: Mapped[str] = mapped_column(String(16), default="invalid", nullable=False)
    count_todo: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    count_merged: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    count_invalid: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    count_review: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    count_inprogress: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # Imported from Launchpad (additive v1 fields): the story this one duplicates (a story id, which is
    # the Launchpad bug number for imported bugs) and the CVE ids linked to it, as a JSON list.
    duplicate_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cves: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_stories_updated_at", "updated_at"),
        Index("ix_stories_creator", "creator_id"),
        Index("ix_stories_private", "private"),
        Index("ix_stories_disclosure_at", "disclosure_at"),
        # The query language (search/query.py, migration 0013): counts by status read this index alone
        # (the visibility rule needs only `private` and the id: explicit for PostgreSQL's index-only scans,
        # SQLite has the rowid anyway), and sort:created walks created_at.
        Index("ix_stories_status_private", "status", "private", "id"),
        Index("ix_stories_created_at", "created_at"),
    )


class StoryUser(Base):
    """A user on a private story's access list."""

    __tablename__ = "story_users"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_story_users_user", "user_id"),)


class StoryTeam(Base):
    """A team on a private story's access list."""

    __tablename__ = "story_teams"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_story_teams_team", "team_id"),)


class Task(TimestampMixin, Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), default="todo", nullable=False)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), nullable=False)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    link: Mapped[str | None] = mapped_column(Text, nullable=True)
    priority: Mapped[str] = mapped_column(String(16), default="medium", nullable=False)
    # Launchpad's own status, importance and milestone name of an imported bug task (additive v1 fields).
    lp_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lp_importance: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lp_milestone: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (
        # A story's tasks, and the distinct projects of a story's tasks read as a loose index scan (one
        # seek per project, not one row per task: timeline.story_projects; migration 0016).
        Index("ix_tasks_story_project", "story_id", "project_id"),
        Index("ix_tasks_project_status", "project_id", "status"),
        Index("ix_tasks_assignee", "assignee_id"),
        Index("ix_tasks_branch", "branch_id"),
        # The query language's project: and group: (migration 0013): the stories of a project's tasks from
        # the index alone (a project of 15,000 tasks: 15,000 row reads fewer per query).
        Index("ix_tasks_project_story", "project_id", "story_id"),
    )


def story_projects(story_id: Any, name: str = "story_projects") -> Any:
    """SELECT of the distinct projects of a story's tasks, as a loose index scan of
    ix_tasks_story_project: the smallest project, then the next one above it, and so on (one index
    seek per project). A plain DISTINCT reads every task: 1,500 rows for the 1,500-task story, on
    every write that asks who follows it. `name`: the CTE's, unique within one statement."""
    first = select(func.min(Task.project_id).label("project_id")).where(Task.story_id == story_id)
    walk = first.cte(name, recursive=True)
    after = (select(func.min(Task.project_id)).where(Task.story_id == story_id, Task.project_id > walk.c.project_id)
             .scalar_subquery())
    walk = walk.union_all(select(after).where(walk.c.project_id.is_not(None)))
    return select(walk.c.project_id).where(walk.c.project_id.is_not(None))


class Tag(TimestampMixin, Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)


class StoryTag(Base):
    __tablename__ = "story_tags"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_story_tags_tag", "tag_id"),)


class Comment(TimestampMixin, Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), nullable=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)

    __table_args__ = (Index("ix_comments_story", "story_id"),)


class CommentHistory(TimestampMixin, Base):
    """An earlier version of a comment, kept when the comment is edited."""

    __tablename__ = "comment_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("ix_comment_history_comment", "comment_id"),)


class Event(TimestampMixin, Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    event_info: Mapped[str | None] = mapped_column(Text, nullable=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=True)
    worklist_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    board_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True
    )

    __table_args__ = (
        Index("ix_events_story", "story_id", "id"),
        Index("ix_events_type", "event_type"),
        # A user's activity feed (feeds/): their newest events.
        Index("ix_events_author", "author_id", "id"),
    )
