"""Projects, project groups, branches, milestones."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin


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
