"""Import bookkeeping: which local row an outside object became, and at which version.

One row per imported object (a Launchpad bug, bug task, message, attachment or team), keyed by
(source, kind, key). `version` is what the source said last time (a bug's `date_last_updated`), so a
second run skips what has not changed and a run cut short resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, utcnow


class ImportRef(Base):
    __tablename__ = "import_refs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # "launchpad"
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # bug, task, message, attachment, team
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    local_id: Mapped[int] = mapped_column(Integer, nullable=False)
    version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("source", "kind", "key"),
        Index("ix_import_refs_local", "source", "kind", "local_id"),
    )


__all__ = ["ImportRef"]
