"""Writes on the filters of (automatic) worklists. Filter ids must belong to the worklist in the URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.authz import Viewer
from storyline.db import utcnow
from storyline.errors import NotFound, ValidationFailed
from storyline.planning import access
from storyline.planning.event_service import emit_worklist
from storyline.planning.models import FilterCriterion, Worklist, WorklistFilter
from storyline.planning.queries import DATE_FIELDS, INT_FIELDS, QUERY_FIELD, parse_int, parse_time
from storyline.planning.serialize import filter_json
from storyline.search.query import parse_for


def _check_criterion(n: int, c: dict[str, Any]) -> None:
    if c["field"] in INT_FIELDS and parse_int(str(c["value"])) is None:
        raise ValidationFailed(f"filter_criteria.{n}.value", f"{c['field']} criteria need an integer")
    if c["field"] in DATE_FIELDS and parse_time(str(c["value"])) is None:
        raise ValidationFailed(f"filter_criteria.{n}.value", f"{c['field']} criteria need an ISO-8601 time")
    if c["field"] == QUERY_FIELD:  # refused with the position of its mistake
        parse_for(str(c["value"]), f"filter_criteria.{n}.value")


def _criteria(filter_id: int) -> Any:
    return select(FilterCriterion).where(FilterCriterion.filter_id == filter_id).order_by(FilterCriterion.id)


def add_filter(session: Session, wl: Worklist, filter_type: str, criteria: list[dict[str, Any]]
               ) -> WorklistFilter:
    for n, c in enumerate(criteria):
        _check_criterion(n, c)
    f = WorklistFilter(list_id=wl.id, type=filter_type)
    session.add(f)
    session.flush()
    session.add_all(FilterCriterion(filter_id=f.id, title=c.get("title"), field=c["field"], value=str(c["value"]),
                                    negative=bool(c.get("negative"))) for c in criteria)
    session.flush()
    return f


def get_filter(session: Session, wl: Worklist, filter_id: int) -> WorklistFilter:
    """A filter of *this* worklist; 404 otherwise (also for another list's filter)."""
    f = session.execute(select(WorklistFilter).where(
        WorklistFilter.id == filter_id, WorklistFilter.list_id == wl.id)).scalar_one_or_none()
    if f is None:
        raise NotFound(f"Filter {filter_id} not found")
    return f


def snapshot(session: Session, f: WorklistFilter) -> dict[str, Any]:
    return filter_json(f, list(session.execute(_criteria(f.id)).scalars()))


def do_create_filter(session: Session, viewer: Viewer, wl: Worklist, data: dict[str, Any]) -> WorklistFilter:
    uid = access.require_worklist_edit(session, viewer, wl)
    f = add_filter(session, wl, data["type"], data.get("filter_criteria") or [])
    emit_worklist(session, "worklist_filters_changed", wl.id, uid,
                  {"author_id": uid, "added": [snapshot(session, f)], "removed": [], "updated": []})
    return f


def do_update_filter(session: Session, viewer: Viewer, wl: Worklist, f: WorklistFilter,
                     changes: dict[str, Any]) -> WorklistFilter:
    """Criteria with an id are updated, without one created, and the ones left out removed."""
    uid = access.require_worklist_edit(session, viewer, wl)
    old = snapshot(session, f)
    if changes.get("type") is not None:
        f.type = changes["type"]
    criteria = changes.get("filter_criteria")
    if changes.get("q") is not None:
        query = {"field": QUERY_FIELD, "value": changes["q"]}
        if criteria is None:  # the other criteria kept, the Query one replaced
            criteria = [{"id": c.id, "title": c.title, "field": c.field, "value": c.value, "negative": c.negative}
                        for c in session.execute(_criteria(f.id)).scalars() if c.field != QUERY_FIELD]
        criteria = [*criteria, query]
    if criteria is not None:
        existing = {c.id: c for c in session.execute(_criteria(f.id)).scalars()}
        for n, c in enumerate(criteria):
            _check_criterion(n, c)
            if c.get("id") is not None and c["id"] not in existing:
                raise ValidationFailed(f"filter_criteria.{n}.id", f"Criterion {c['id']} is not part of filter {f.id}")
        kept = set()
        for c in criteria:
            if c.get("id") is not None:
                row = existing[c["id"]]
                kept.add(row.id)
                row.title, row.field, row.value = c.get("title"), c["field"], str(c["value"])
                row.negative = bool(c.get("negative"))
                row.updated_at = utcnow()
            else:
                session.add(FilterCriterion(filter_id=f.id, title=c.get("title"), field=c["field"],
                                            value=str(c["value"]), negative=bool(c.get("negative"))))
        for cid, row in existing.items():
            if cid not in kept:
                session.delete(row)
    f.updated_at = utcnow()
    session.flush()
    emit_worklist(session, "worklist_filters_changed", wl.id, uid,
                  {"author_id": uid, "added": [], "removed": [],
                   "updated": [{"old": old, "new": snapshot(session, f)}]})
    return f


def do_delete_filter(session: Session, viewer: Viewer, wl: Worklist, f: WorklistFilter) -> None:
    uid = access.require_worklist_edit(session, viewer, wl)
    old = snapshot(session, f)
    session.delete(f)
    session.flush()
    emit_worklist(session, "worklist_filters_changed", wl.id, uid,
                  {"author_id": uid, "added": [], "removed": [old], "updated": []})
