"""The outbox as superusers see it (/preview/outbox): the listing and the retry of parked rows, with their
permission check (the services take the viewer; `storyline outbox`, the operator's CLI, calls the
unchecked functions of `storyline.outbox` directly)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storyline import outbox
from storyline.authz import Viewer, require_superuser


def listing_as(session: Session, viewer: Viewer, *, parked: bool | None, kind: str | None,
               limit: int) -> tuple[dict[str, dict[str, int]], list[outbox.OutboxRow]]:
    """Superusers (401/403): the counts per kind, and the rows asked for."""
    require_superuser(viewer)
    return outbox.counts(session), outbox.listing(session, parked=parked, kind=kind, limit=limit)


def retry_as(session: Session, viewer: Viewer, ids: list[int] | None) -> int:
    """Superusers (401/403): parked rows put back in line; how many."""
    require_superuser(viewer)
    return outbox.retry(session, ids)
