"""Projects, project groups, branches, milestones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin
from storyline.sqltools import table_of


class Project(TimestampMixin, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    repo_url: Mapped[str | None] = mapped_column(String(255), nullable=True)
    autocreate_branches: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # The team that gets access to a private security story when a task on this project is added.
    security_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)


def touch_projects(*where: Any) -> dict[bool, Any]:
    """The UPDATE setting `updated_at` to :now on the projects `where` says, by "is the dialect
    SQLite". Once a second at most (`updated_at` < :now, whole seconds): every task write of a project
    would otherwise queue on its row. On PostgreSQL a project whose row another transaction holds is
    left to it (FOR NO KEY UPDATE SKIP LOCKED): that one is setting the same `updated_at` now, and
    waiting for its commit made a person's task write wait for all of another transaction, a burst of
    code review events' among them (the background lane's process, at a low CPU priority, may hold
    its transaction for a while)."""
    due = (*where, or_(Project.updated_at.is_(None), Project.updated_at < bindparam("now")))
    touch = update(table_of(Project)).values(updated_at=bindparam("now"))
    free = select(Project.id).where(*due).with_for_update(key_share=True, skip_locked=True)
    return {True: touch.where(*due), False: touch.where(Project.id.in_(free))}


class ProjectGroup(TimestampMixin, Base):
    __tablename__ = "project_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)


class ProjectGroupMember(Base):
    __tablename__ = "project_group_members"

    project_group_id: Mapped[int] = mapped_column(
        ForeignKey("project_groups.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_project_group_members_project", "project_id"),)


class Branch(TimestampMixin, Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), nullable=False)
    expired: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    expiration_date: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    autocreated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("project_id", "name"),)


class Milestone(TimestampMixin, Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), nullable=False)
    expired: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    expiration_date: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("branch_id", "name"),)
