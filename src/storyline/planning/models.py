"""Worklists (manual and automatic), boards and their lanes, due dates, and their permissions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin

ITEM_TYPES = ("story", "task")
FILTER_TYPES = ("Story", "Task")
FILTER_FIELDS = ("Project", "ProjectGroup", "Story", "User", "StoryStatus", "TaskStatus", "Tags", "Text")
# Permission codenames per kind of object: (edit, move/assign).
CODENAMES = {
    "worklist": ("edit_worklist", "move_items"),
    "board": ("edit_board", "move_cards"),
    "due_date": ("edit_date", "assign_date"),
}


class Worklist(TimestampMixin, Base):
    __tablename__ = "worklists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_worklists_creator", "creator_id"),)


class WorklistItem(TimestampMixin, Base):
    """A card: a story or a task on a manual worklist. Active cards hold positions 0..n-1."""

    __tablename__ = "worklist_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    item_type: Mapped[str] = mapped_column(String(8), nullable=False)
    list_position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    display_due_date: Mapped[int | None] = mapped_column(
        ForeignKey("due_dates.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (
        Index("ix_worklist_items_list", "list_id", "archived", "list_position"),
        Index("ix_worklist_items_item", "item_type", "item_id"),
    )


class WorklistFilter(TimestampMixin, Base):
    __tablename__ = "worklist_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(8), nullable=False)

    __table_args__ = (Index("ix_worklist_filters_list", "list_id"),)


class FilterCriterion(TimestampMixin, Base):
    __tablename__ = "filter_criteria"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filter_id: Mapped[int] = mapped_column(ForeignKey("worklist_filters.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[str] = mapped_column(String(255), nullable=False)
    negative: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_filter_criteria_filter", "filter_id"),)


class Board(TimestampMixin, Base):
    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (Index("ix_boards_creator", "creator_id"),)


class BoardLane(TimestampMixin, Base):
    """A worklist used as a lane of a board; a worklist is a lane of one board at most."""

    __tablename__ = "board_lanes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), nullable=False)
    list_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), nullable=False,
                                         unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    __table_args__ = (Index("ix_board_lanes_board", "board_id", "position"),)


class DueDate(TimestampMixin, Base):
    __tablename__ = "due_dates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    date: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)


class DueDateItem(Base):
    """A story or a task assigned to a due date."""

    __tablename__ = "due_date_items"

    due_date_id: Mapped[int] = mapped_column(ForeignKey("due_dates.id", ondelete="CASCADE"), primary_key=True)
    item_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = (Index("ix_due_date_items_item", "item_type", "item_id"),)


class DueDateBoard(Base):
    __tablename__ = "due_date_boards"

    due_date_id: Mapped[int] = mapped_column(ForeignKey("due_dates.id", ondelete="CASCADE"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_due_date_boards_board", "board_id"),)


class DueDateWorklist(Base):
    __tablename__ = "due_date_worklists"

    due_date_id: Mapped[int] = mapped_column(ForeignKey("due_dates.id", ondelete="CASCADE"), primary_key=True)
    worklist_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_due_date_worklists_worklist", "worklist_id"),)


class PlanningPermission(TimestampMixin, Base):
    """One permission (codename) on a worklist, board or due date, held by users and teams."""

    __tablename__ = "planning_permissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(16), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    codename: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)

    __table_args__ = (UniqueConstraint("object_type", "object_id", "codename"),)


class PlanningPermissionUser(Base):
    __tablename__ = "planning_permission_users"

    permission_id: Mapped[int] = mapped_column(
        ForeignKey("planning_permissions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_planning_permission_users_user", "user_id"),)


class PlanningPermissionTeam(Base):
    __tablename__ = "planning_permission_teams"

    permission_id: Mapped[int] = mapped_column(
        ForeignKey("planning_permissions.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_planning_permission_teams_team", "team_id"),)


class PriorityList(Base):
    """Beyond StoryBoard: a manual worklist kept by a project or a team as its priorities for a cycle."""

    __tablename__ = "priority_lists"

    worklist_id: Mapped[int] = mapped_column(ForeignKey("worklists.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), nullable=True)
    cycle: Mapped[str] = mapped_column(String(100), nullable=False)

    __table_args__ = (
        Index("ix_priority_lists_project", "project_id"),
        Index("ix_priority_lists_team", "team_id"),
    )


class StaleRule(TimestampMixin, Base):
    """Beyond StoryBoard: a project's stale-work rule, applied by the worker.

    Tasks left in progress or review with no activity for `days` are flagged (a comment on the story)
    or, with action "reset", moved back to todo with a comment explaining why. The worker acts as the
    rule's author and only on tasks that author may see.
    """

    __tablename__ = "stale_rules"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(8), nullable=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)


class StaleMark(Base):
    """When the sweep last flagged a task (a task is flagged again only after new activity)."""

    __tablename__ = "stale_marks"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    marked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
