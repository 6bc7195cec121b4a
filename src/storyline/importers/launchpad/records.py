"""What the Launchpad import keeps between runs (`import_refs`, source "launchpad") and what it reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from storyline.importers import common
from storyline.importers.common import Summary

SOURCE = "launchpad"


@dataclass(frozen=True)
class ProjectTarget:
    lp_name: str
    project_id: int
    master_branch_id: int
    security_team_id: int | None


def find_refs(session: Session, kind: str, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    """(local id, version) of the Launchpad objects of `kind` already imported, by key."""
    return common.find_refs(session, SOURCE, kind, keys)


def add_refs(session: Session, kind: str, rows: list[tuple[str, int, str | None]]) -> None:
    """Record imported Launchpad objects: (key, local id, version) each."""
    common.add_refs(session, SOURCE, kind, rows)


__all__ = ["SOURCE", "ProjectTarget", "Summary", "add_refs", "find_refs"]
