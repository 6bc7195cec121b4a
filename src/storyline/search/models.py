"""Saved views: a named story query (docs/search.md), its columns and order, owned by a user and
optionally shared with a team, optionally pinned to the home page or to a project's page."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin


class SavedView(TimestampMixin, Base):
    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    # Members of this team see the view too (only its owner changes it).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), nullable=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    query: Mapped[str] = mapped_column(Text, nullable=False)
    # A JSON list of column names of the story list; NULL: the default columns.
    columns: Mapped[str | None] = mapped_column(Text, nullable=True)
    # "updated-desc" ... (the query's sort: wins when it has one); NULL: the default order.
    sort: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pinned_home: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Pinned to this project's page.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), nullable=True)

    __table_args__ = (Index("ix_saved_views_owner", "owner_id"), Index("ix_saved_views_team", "team_id"),
                      Index("ix_saved_views_project", "project_id"))
