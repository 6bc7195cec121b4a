"""Writes on worklists and their cards. Services flush; the request commits.

Card positions: only their order counts (list_position, then id); readers number the cards they may
see. A card placed takes the middle of the gap before its neighbour (`place`), so an insert or a move
writes that one card whatever the list's length; a list is respaced when a gap runs out. Placing
holds the list's row lock (PostgreSQL `FOR UPDATE`; SQLite's write transactions are serialised by
BEGIN IMMEDIATE), so concurrent moves never leave duplicates or lost cards; archiving a card writes
only that card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, false, func, or_, select, update
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user, viewer_values
from storyline.db import utcnow
from storyline.errors import BadRequest, NotFound, ValidationFailed
from storyline.planning import access, permission_service
from storyline.planning.access import get_worklist, item_visible_bound, lock_worklists
from storyline.planning.event_service import check_project, emit_worklist
from storyline.planning.filter_service import add_filter
from storyline.planning.models import CODENAMES, ITEM_TYPES, DueDate, Worklist, WorklistItem
from storyline.planning.permission_service import create_permission, initial_members, named
from storyline.planning.serialize import item_entry, item_title, visible_item_title

DETAIL_FIELDS = ("title", "private", "automatic", "archived")


def grant_initial(session: Session, object_type: str, object_id: int, author_id: int, data: dict[str, Any],
                  emit_created: Any) -> None:
    """The two permissions of a new object; the creator is the default owner."""
    owners, users, team_owners, team_users = initial_members(session, author_id, data)
    edit, move = CODENAMES[object_type]
    for codename, u, t in ((edit, owners, team_owners), (move, users, team_users)):
        perm = create_permission(session, object_type, object_id, codename, u, t)
        unames, tnames = named(session, u, t)
        emit_created({"permission_id": perm.id, "author_id": author_id, "codename": codename,
                      "users": unames, "teams": tnames})


def do_create_worklist(session: Session, viewer: Viewer, data: dict[str, Any]) -> Worklist:
    uid = require_user(viewer)
    check_project(session, data.get("project_id"))
    wl = Worklist(title=data["title"], creator_id=uid, project_id=data.get("project_id"),
                  private=bool(data.get("private")), automatic=bool(data.get("automatic")))
    session.add(wl)
    session.flush()
    emit_worklist(session, "worklist_created", wl.id, uid, {"author_id": uid, "worklist_title": wl.title})
    grant_initial(session, "worklist", wl.id, uid, data,
                  lambda info: emit_worklist(session, "worklist_permission_created", wl.id, uid, info))
    for f in data.get("filters") or []:
        add_filter(session, wl, f["type"], f.get("filter_criteria") or [])
    return wl


def do_update_worklist(session: Session, viewer: Viewer, wl: Worklist, changes: dict[str, Any]) -> Worklist:
    """Title, project, privacy, automatic flag, archive state; one event per changed field."""
    uid = access.require_worklist_edit(session, viewer, wl)
    if "title" in changes and changes["title"] is None:
        raise ValidationFailed("title", "must not be null")
    if changes.get("project_id") is not None:
        check_project(session, changes["project_id"])
    changed = False
    for key, value in changes.items():
        if key not in ("title", "project_id", *DETAIL_FIELDS) or (value is None and key != "project_id"):
            continue
        old = getattr(wl, key)
        if old == value:
            continue
        setattr(wl, key, value)
        changed = True
        if key in DETAIL_FIELDS:
            emit_worklist(session, "worklist_details_changed", wl.id, uid,
                          {"author_id": uid, "field": key, "old_value": old, "new_value": value})
    if changed:
        wl.updated_at = utcnow()
        session.flush()
    return wl


def do_archive_worklist(session: Session, viewer: Viewer, wl: Worklist) -> None:
    do_update_worklist(session, viewer, wl, {"archived": True})


# ---- cards ----------------------------------------------------------------------------------------

def _int_arg(args: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = args.get(name)
    if value is None or value == "":
        if required:
            raise ValidationFailed(name, "is required")
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31 - 1:
        raise ValidationFailed(name, f"'{value}' is not an integer")
    return value


def _position(args: dict[str, Any]) -> int | None:
    pos = _int_arg(args, "list_position")
    if pos is not None and pos < 0:
        raise ValidationFailed("list_position", "must not be negative")
    return pos


# Stored positions are sparse: GAP apart after a respace, so a card placed between two others takes
# the middle of their gap and no other card is written. Only the order (list_position, id) means
# anything; readers number the cards they may see (serialize.list_items, visible_rank).
GAP = 2**16
MAX_POSITION = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


def _placement_statements(authenticated: bool) -> tuple[Any, Any]:
    """place's statements, built once per kind of viewer (bound: list_id, card_id (-1 for none), rank,
    viewer_id): the card the viewer sees at a visible rank with the position of the card just before
    it among all the others (one statement), and the last position."""
    pos = WorklistItem.list_position
    others = (WorklistItem.list_id == bindparam("list_id"), WorklistItem.archived == false(),
              WorklistItem.id != bindparam("card_id"))
    target = (select(pos, WorklistItem.id).where(*others, item_visible_bound(authenticated))
              .order_by(pos, WorklistItem.id).offset(bindparam("rank")).limit(1)).subquery()
    at, at_id = target.c.list_position, target.c.id
    before = (select(pos).where(*others, or_(pos < at, and_(pos == at, WorklistItem.id < at_id)))
              .order_by(pos.desc(), WorklistItem.id.desc()).limit(1).scalar_subquery())
    last = select(func.max(pos)).where(*others)
    return select(at, at_id, before), last


_PLACEMENT = {auth: _placement_statements(auth) for auth in (False, True)}
_OTHER_CARDS = (WorklistItem.list_id == bindparam("in_list"), WorklistItem.archived == false(),
                WorklistItem.id != bindparam("but_card"))
_COUNT_OTHERS = select(func.count()).where(*_OTHER_CARDS)
_RANKED = select(WorklistItem.id.label("card"), func.row_number().over(
    order_by=(WorklistItem.list_position, WorklistItem.id)).label("rank")).where(*_OTHER_CARDS).subquery()
# One statement on both engines (UPDATE ... FROM: PostgreSQL; SQLite since 3.33). (Bound names
# differ from column names: an UPDATE reserves those for its SET clause.)
_RESPACE = (update(WorklistItem)
            .where(WorklistItem.id == _RANKED.c.card, WorklistItem.list_position != _RANKED.c.rank * bindparam("gap"))
            .values(list_position=_RANKED.c.rank * bindparam("gap")))


def place(session: Session, viewer: Viewer, list_id: int, card_id: int, rank: int | None) -> int:
    """The stored position for card `card_id` (-1 for a new one) placed in `list_id`: just before the
    card the viewer sees at visible rank `rank` (clients count only the cards they can see), or at
    the end when `rank` is None or past the cards they see.

    The card takes the middle of the gap before that card: one read, and no other card written.
    When there is no gap left (sixteen cards placed at one spot since the last respace, or a list
    of dense positions from before, or an import), the list is respaced first. The caller holds the
    list's lock (lock_worklists), so the reads see every committed card; it sets the position before
    the card's other changes are flushed, so the card is written once.
    """
    position = _free_position(session, viewer, list_id, card_id, rank)
    if position is None:
        _respace(session, list_id, card_id)
        position = _free_position(session, viewer, list_id, card_id, rank)
        assert position is not None  # a respaced list has a gap before every card and after the last
    return position


def _free_position(session: Session, viewer: Viewer, list_id: int, card_id: int, rank: int | None) -> int | None:
    target_stmt, last_stmt = _PLACEMENT[viewer.authenticated]
    values: dict[str, Any] = {"list_id": list_id, "card_id": card_id}
    target = None
    if rank is not None:
        target = session.execute(target_stmt, {**values, "rank": rank, **viewer_values(viewer)}).first()
    if target is None:
        last = session.execute(last_stmt, values).scalar()
        position = GAP if last is None else last + GAP
        return position if position <= MAX_POSITION else None
    prev = target[2]
    low = -1 if prev is None else prev  # positions are not negative: the first gap is 0..target-1
    return (low + target[0]) // 2 if target[0] - low >= 2 else None


def _respace(session: Session, list_id: int, card_id: int) -> None:
    """Positions GAP, 2*GAP, ... (closer on a list too long for that) for the list's active cards but
    `card_id`, in their order, in one UPDATE; the session's copies of them expired."""
    values = {"in_list": list_id, "but_card": card_id}
    gap = min(GAP, MAX_POSITION // (int(session.execute(_COUNT_OTHERS, values).scalar_one()) + 2))
    if gap < 2:
        raise BadRequest("This worklist has too many cards to place one more", field="list_position")
    session.connection().execute(_RESPACE, {**values, "gap": gap})
    for obj in list(session.identity_map.values()):
        if isinstance(obj, WorklistItem) and obj.id != card_id and obj.list_id == list_id:
            session.expire(obj, ["list_position"])


def _visible_item(session: Session, viewer: Viewer, item_type: str, item_id: int) -> tuple[str | None, int | None, bool]:
    """item_title of the story or task a card is to point at, which the viewer must see (404)."""
    if item_type not in ITEM_TYPES:
        raise ValidationFailed("item_type", "must be 'story' or 'task'")
    title = visible_item_title(session, viewer, item_type, item_id)
    if title is None:
        raise NotFound(f"{item_type.capitalize()} {item_id} not found")
    return title


def _emit_contents(session: Session, wl_ids: Sequence[int], uid: int, *, added: Sequence[WorklistItem] = (),
                   removed: Sequence[WorklistItem] = (),
                   updated: Sequence[tuple[dict[str, Any], WorklistItem]] = (),
                   title: tuple[str | None, int | None, bool] | None = None) -> None:
    """worklist_contents_changed, one per list of `wl_ids` (the same change: a card moved between two
    lists is told to both). The event carries the story of the card (of the task's story for a task
    card) in `story_id`, so it is visible exactly when that story is, now and after any later change of
    the story's privacy: item titles of invisible stories never appear. `title`: item_title's answer
    for the card, when the caller has it already."""
    card = [*added, *removed, *(u[1] for u in updated)][0]
    name, story_id, _ = title or item_title(session, card.item_type, card.item_id)
    info = {
        "author_id": uid,
        "added": [item_entry(session, i, name) for i in added],
        "removed": [item_entry(session, i, name) for i in removed],
        "updated": [{"old": old, "new": item_entry(session, new, name)} for old, new in updated],
    }
    for wl_id in wl_ids:
        emit_worklist(session, "worklist_contents_changed", wl_id, uid, info, story_id=story_id)


def do_add_item(session: Session, viewer: Viewer, wl: Worklist, args: dict[str, Any]) -> WorklistItem:
    """Add a story or task (re-adding an archived card un-archives it; an active one is moved)."""
    uid = access.require_worklist_move(session, viewer, wl)
    item_id = _int_arg(args, "item_id", required=True)
    item_type = args.get("item_type")
    if item_type is None:
        raise ValidationFailed("item_type", "is required")
    position = _position(args)
    assert item_id is not None
    title = _visible_item(session, viewer, str(item_type), item_id)  # before the lock: held until the commit
    if wl.automatic:
        raise BadRequest("Items of an automatic worklist are computed from its filters", field="item_id")
    lock_worklists(session, [wl.id])
    card = session.execute(select(WorklistItem).where(
        WorklistItem.list_id == wl.id, WorklistItem.item_type == item_type, WorklistItem.item_id == item_id)
        .order_by(WorklistItem.archived, WorklistItem.id).limit(1)).scalar_one_or_none()
    if card is not None and not card.archived:
        old = item_entry(session, card, title[0])
        card.list_position = place(session, viewer, wl.id, card.id, position)
        card.updated_at = utcnow()
        session.flush()
        _emit_contents(session, [wl.id], uid, updated=[(old, card)], title=title)
        return card
    if card is None:
        card = WorklistItem(list_id=wl.id, item_id=item_id, item_type=item_type,
                            list_position=place(session, viewer, wl.id, -1, position))
        session.add(card)
    else:
        card.list_position = place(session, viewer, wl.id, card.id, position)
        card.archived = False
        card.updated_at = utcnow()
    session.flush()
    _emit_contents(session, [wl.id], uid, added=[card], title=title)
    return card


_GET_CARD = {auth: select(WorklistItem).where(
    WorklistItem.id == bindparam("card_id"), WorklistItem.list_id == bindparam("list_id"),
    WorklistItem.archived == false(), item_visible_bound(auth)) for auth in (False, True)}


def get_card(session: Session, viewer: Viewer, wl: Worklist, card_id: int) -> WorklistItem:
    """A card of *this* list whose story or task the viewer may see; 404 otherwise."""
    values = {"card_id": card_id, "list_id": wl.id, **viewer_values(viewer)}
    card = session.execute(_GET_CARD[viewer.authenticated], values).scalar_one_or_none()
    if card is None:
        raise NotFound(f"Worklist item {card_id} not found")
    return card


def do_update_item(session: Session, viewer: Viewer, wl: Worklist, card: WorklistItem,
                   args: dict[str, Any]) -> WorklistItem:
    """Move a card within its list or to another list (`list_id`, rights on both), or set its due date."""
    uid = access.require_worklist_move(session, viewer, wl)
    position = _position(args)
    target_id = _int_arg(args, "list_id")
    due = _int_arg(args, "display_due_date")
    target = wl
    if target_id is not None and target_id != wl.id:
        target = get_worklist(session, viewer, target_id)
        access.require_worklist_move(session, viewer, target)
        if target.automatic:
            raise BadRequest("Items of an automatic worklist are computed from its filters", field="list_id")
    if due is not None and due != -1:
        if session.execute(select(DueDate.id).where(DueDate.id == due, access.due_date_visible(viewer))
                           ).first() is None:
            raise ValidationFailed("display_due_date", f"Due date {due} not found")
    title = item_title(session, card.item_type, card.item_id)  # before the lock: it is held until the commit
    if lock_worklists(session, [wl.id, target.id]):
        session.refresh(card)
        if card.archived or card.list_id != wl.id:  # archived or moved away meanwhile
            raise NotFound(f"Worklist item {card.id} not found")
    old = item_entry(session, card, title[0])
    if target.id != wl.id or position is not None:
        card.list_position = place(session, viewer, target.id, card.id, position)
    card.list_id = target.id
    if due is not None:
        card.display_due_date = None if due == -1 else due
    card.updated_at = utcnow()
    session.flush()
    _emit_contents(session, list(dict.fromkeys((wl.id, target.id))), uid, updated=[(old, card)], title=title)
    return card


def do_remove_item(session: Session, viewer: Viewer, wl: Worklist, card: WorklistItem) -> None:
    """Archive a card: only that card is written (the others keep their places and their ranks close up)."""
    uid = access.require_worklist_move(session, viewer, wl)
    if lock_worklists(session, [wl.id]):
        session.refresh(card)
        if card.archived or card.list_id != wl.id:
            raise NotFound(f"Worklist item {card.id} not found")
    card.archived = True
    card.updated_at = utcnow()
    session.flush()
    _emit_contents(session, [wl.id], uid, removed=[card])


def do_add_permission(session: Session, viewer: Viewer, wl: Worklist, args: dict[str, Any]) -> str:
    """POST permissions (edit permission needed): adds members; returns the codename."""
    uid = access.require_worklist_edit(session, viewer, wl)
    perm, info = permission_service.do_add_permission(session, "worklist", wl.id, uid, args)
    emit_worklist(session, "worklist_permission_created", wl.id, uid, info)
    return perm.codename


def do_replace_permission(session: Session, viewer: Viewer, wl: Worklist, args: dict[str, Any]) -> str:
    """PUT permissions (edit permission needed): the member list is replaced; returns the codename."""
    uid = access.require_worklist_edit(session, viewer, wl)
    perm, info = permission_service.do_replace_permission(session, "worklist", wl.id, uid, args)
    emit_worklist(session, "worklist_permissions_changed", wl.id, uid, info)
    return perm.codename
