"""What the Launchpad import keeps between runs (`import_refs`) and what it reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storyline.db import utcnow
from storyline.importers.models import ImportRef
from storyline.sqltools import table_of

SOURCE = "launchpad"


@dataclass
class Summary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)  # (bug, url, message)
    renumbered: list[tuple[int, int]] = field(default_factory=list)  # (bug, story id)
    review: list[int] = field(default_factory=list)  # Proprietary / Embargoed bugs

    def merge(self, other: Summary) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.skipped.update(other.skipped)
        self.errors.extend(other.errors)
        self.renumbered.extend(other.renumbered)
        self.review.extend(other.review)


@dataclass(frozen=True)
class ProjectTarget:
    lp_name: str
    project_id: int
    master_branch_id: int
    security_team_id: int | None


def find_refs(session: Session, kind: str, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    """(local id, version) of the objects of `kind` already imported, by key."""
    out: dict[str, tuple[int, str | None]] = {}
    for i in range(0, len(keys), 500):
        for key, local_id, version in session.execute(
                select(ImportRef.key, ImportRef.local_id, ImportRef.version).where(
                    ImportRef.source == SOURCE, ImportRef.kind == kind, ImportRef.key.in_(keys[i:i + 500]))):
            out[key] = (local_id, version)
    return out


def add_refs(session: Session, kind: str, rows: list[tuple[str, int, str | None]]) -> None:
    """Record imported objects: (key, local id, version) each."""
    if rows:
        now = utcnow()
        session.execute(insert(table_of(ImportRef)), [
            {"source": SOURCE, "kind": kind, "key": key, "local_id": local_id, "version": version,
             "imported_at": now} for key, local_id, version in rows])


__all__ = ["SOURCE", "ProjectTarget", "Summary", "add_refs", "find_refs"]
