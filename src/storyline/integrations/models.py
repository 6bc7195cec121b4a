"""Code review sources (Gerrit, GitHub, GitLab), the deliveries they made, the changes linked to tasks
and stories, repository mappings and per-project rules."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, utcnow

SOURCE_KINDS = ("gerrit", "github", "gitlab")


class IntegrationSource(Base):
    """A Gerrit server or a forge sending events. It acts as its bot user (`bot_user_id`), with that
    user's rights. Gerrit's URL secret and GitLab's token are kept as SHA-256 hashes; GitHub's secret
    is kept as given (it is the key of the HMAC the forge signs each delivery with)."""

    __tablename__ = "integration_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    origin: Mapped[str | None] = mapped_column(String(255), nullable=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    bot_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    # `storyline gerrit listen`: the id of the last event handled (events plugin, `--ids`), and when.
    resume_after: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_event_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class IntegrationDelivery(Base):
    """A delivery handled (or queued): redeliveries and retries with the same key change nothing."""

    __tablename__ = "integration_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("integration_sources.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    event: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (UniqueConstraint("source_id", "key"), Index("ix_integration_deliveries_received", "received_at"))


class ReviewChange(Base):
    """A Gerrit change, GitHub pull request, GitLab merge request or pushed commit that some story refers to."""

    __tablename__ = "review_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("integration_sources.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    repository: Mapped[str] = mapped_column(String(255), nullable=False)
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    branch: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # open | merged | abandoned
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    wip: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    patchset: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner_username: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # JSON: {label: {voter: value}}; ci: passed | failed | null (from the Verified label)
    votes: Mapped[str | None] = mapped_column(Text, nullable=True)
    ci: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # When the source says the state and the votes were last set: older events never overwrite them.
    state_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    votes_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("source_id", "key"),)


class ChangeLink(Base):
    """A change linked to a story, and to one of its tasks when the reference resolved to one.

    `relation`: task (Task: N), story (Story: N), closes, partial, related (Launchpad-style footers
    and closing keywords). `previous_status`: the task's status before the link first moved it to
    review, restored when the change is abandoned."""

    __tablename__ = "change_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("review_changes.id", ondelete="CASCADE"), nullable=False)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), nullable=True)
    relation: Mapped[str] = mapped_column(String(16), nullable=False)
    previous_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)

    __table_args__ = (
        Index("ix_change_links_change", "change_id"),
        Index("ix_change_links_story", "story_id"),
        Index("ix_change_links_task", "task_id"),
    )


class RepositoryMapping(Base):
    """An explicit repository → project mapping (before the project's repo_url and its name)."""

    __tablename__ = "integration_repositories"

    repository: Mapped[str] = mapped_column(String(255), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)


class ProjectRules(Base):
    """A project's integration rules, as JSON (keys and defaults: integrations/rules.py)."""

    __tablename__ = "integration_project_rules"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    rules: Mapped[str] = mapped_column(Text, nullable=False)


__all__ = ["ChangeLink", "IntegrationDelivery", "IntegrationSource", "ProjectRules", "RepositoryMapping",
           "ReviewChange", "SOURCE_KINDS"]
