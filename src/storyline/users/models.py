"""Users, teams and membership, access tokens, preferences."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    openid: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    enable_login: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The Launchpad account this user was imported from (`storyline import launchpad`): its login name.
    launchpad_name: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (Index("ix_users_launchpad_name", "launchpad_name", unique=True),)


class Team(TimestampMixin, Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    security: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_team_members_user", "user_id"),)


class TeamProject(Base):
    __tablename__ = "team_projects"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )


class AccessToken(TimestampMixin, Base):
    """An API token. Only the SHA-256 of the value is stored."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_in: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # "personal" (bots, scripts: created by the user or the CLI) or "session" (web login, refreshable).
    kind: Mapped[str] = mapped_column(String(10), default="personal", nullable=False)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_access_tokens_user", "user_id"),)


class UserPreference(Base):
    __tablename__ = "user_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    # JSON-encoded value: bool, number or string.
    value: Mapped[str] = mapped_column(Text, nullable=False)


__all__ = ["User", "Team", "TeamMember", "TeamProject", "AccessToken", "UserPreference"]
