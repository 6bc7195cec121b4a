"""v1 JSON of worklists, items, filters, boards, lanes and due dates, in a bounded number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, false, func, or_, select
from sqlalchemy.orm import Session

from storyline.authz import ANONYMOUS, Viewer, story_visible_bound, viewer_values
from storyline.planning import queries
from storyline.planning.access import due_date_visible, due_date_visible_bound, held_map, item_visible_bound
from storyline.planning.models import (
    Board,
    BoardLane,
    DueDate,
    DueDateBoard,
    DueDateItem,
    FilterCriterion,
    Worklist,
    WorklistFilter,
    WorklistItem,
)
from storyline.planning.permission_service import members_json
from storyline.sqltools import ts
from storyline.stories.models import Story, Task
from storyline.stories.serialize import TASK_COLUMNS, stories_by_ids, task_rows_json


def criterion_json(c: FilterCriterion) -> dict[str, Any]:
    return {"filter_id": c.filter_id, "title": c.title, "field": c.field, "value": c.value, "negative": c.negative,
            "id": c.id, "created_at": ts(c.created_at), "updated_at": ts(c.updated_at)}


def filter_json(f: WorklistFilter, criteria: Sequence[FilterCriterion]) -> dict[str, Any]:
    return {"list_id": f.list_id, "type": f.type, "filter_criteria": [criterion_json(c) for c in criteria],
            "id": f.id, "created_at": ts(f.created_at), "updated_at": ts(f.updated_at)}


def due_dates_json(session: Session, viewer: Viewer, dues: Sequence[DueDate]) -> list[dict[str, Any]]:
    """Due dates with the stories and tasks assigned to them that the viewer may see."""
    if not dues:
        return []
    ids = [d.id for d in dues]
    assigned: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for due_id, item_type, item_id in session.execute(
        select(DueDateItem.due_date_id, DueDateItem.item_type, DueDateItem.item_id)
        .where(DueDateItem.due_date_id.in_(ids)).order_by(DueDateItem.item_id)
    ):
        assigned[due_id].append((item_type, item_id))
    story_ids = {i for rows in assigned.values() for t, i in rows if t == "story"}
    task_ids = {i for rows in assigned.values() for t, i in rows if t == "task"}
    stories = _stories(session, viewer, story_ids)
    tasks = _tasks(session, viewer, task_ids)
    members = members_json(session, "due_date", ids)
    held = held_map(session, viewer, "due_date", ids)
    out = []
    for d in dues:
        s = [stories[i] for t, i in assigned.get(d.id, []) if t == "story" and i in stories]
        k = [tasks[i] for t, i in assigned.get(d.id, []) if t == "task" and i in tasks]
        out.append({
            "name": d.name, "date": ts(d.date), "private": d.private, "creator_id": d.creator_id,
            "tasks": k, "stories": s, "count": len(s) + len(k), **members[d.id],
            "editable": "edit_date" in held.get(d.id, set()),
            "assignable": bool(held.get(d.id, set()) & {"edit_date", "assign_date"}),
            "id": d.id, "created_at": ts(d.created_at), "updated_at": ts(d.updated_at),
        })
    return out


def _stories(session: Session, viewer: Viewer, ids: set[int]) -> dict[int, dict[str, Any]]:
    return stories_by_ids(session, viewer, sorted(ids))


def _tasks(session: Session, viewer: Viewer, ids: set[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.connection().execute(_TASKS_BY_IDS[viewer.authenticated],
                                        {"ids": sorted(ids), **viewer_values(viewer)}).all()
    return {t["id"]: t for t in task_rows_json(rows)}


def item_json(item: WorklistItem, position: int) -> dict[str, Any]:
    """A card; `position` is its rank among the cards the reader may see (never the stored position,
    which counts cards of stories the reader cannot see: a gap would show where a private one is)."""
    return {"list_id": item.list_id, "item_id": item.item_id, "item_type": item.item_type,
            "list_position": position, "archived": item.archived,
            "display_due_date": item.display_due_date,
            "id": item.id, "created_at": ts(item.created_at), "updated_at": ts(item.updated_at)}


def _automatic_json(list_id: int, item: tuple[str, int, str, str]) -> dict[str, Any]:
    """An item of an automatic list: computed at read time, so it has no id of its own; position 0."""
    item_type, item_id, created_at, updated_at = item
    return {"list_id": list_id, "item_id": item_id, "item_type": item_type, "list_position": 0,
            "archived": False, "display_due_date": None,
            "id": None, "created_at": created_at, "updated_at": updated_at}


# The due dates of cards' stories and tasks, and cards' displayed due dates: built once per kind of
# viewer (anonymous, authenticated), ids and the viewer's id bound (building them cost more than
# running them, on every card write's answer).
_DUE_DATE_IDS = {
    authenticated: select(DueDateItem.item_type, DueDateItem.item_id, DueDateItem.due_date_id)
    .join(DueDate, DueDate.id == DueDateItem.due_date_id)
    .where(or_(and_(DueDateItem.item_type == "story", DueDateItem.item_id.in_(bindparam("stories", expanding=True))),
               and_(DueDateItem.item_type == "task", DueDateItem.item_id.in_(bindparam("tasks", expanding=True)))),
           due_date_visible_bound(authenticated))
    .order_by(DueDateItem.due_date_id)
    for authenticated in (False, True)
}
_DUE_DATES = {
    authenticated: select(DueDate).where(DueDate.id.in_(bindparam("ids", expanding=True)),
                                         due_date_visible_bound(authenticated))
    for authenticated in (False, True)
}
_TASKS_BY_IDS = {
    authenticated: select(*TASK_COLUMNS).join(Story, Story.id == Task.story_id)
    .where(Task.id.in_(bindparam("ids", expanding=True)), story_visible_bound(authenticated))
    for authenticated in (False, True)
}


def _due_date_ids(session: Session, viewer: Viewer, stories: set[int], tasks: set[int]) -> dict[tuple[str, int], list[int]]:
    """The due dates the viewer may see that each story and task is assigned to (one query)."""
    out: dict[tuple[str, int], list[int]] = defaultdict(list)
    if not stories and not tasks:
        return out
    values = {"stories": sorted(stories), "tasks": sorted(tasks), **viewer_values(viewer)}
    for item_type, item_id, due_id in session.connection().execute(_DUE_DATE_IDS[viewer.authenticated], values):
        out[(item_type, item_id)].append(due_id)
    return out


def _with_due_dates(entry: dict[str, Any], due_ids: list[int], after: str) -> dict[str, Any]:
    """A card's story or task with StoryBoard's `due_dates` (the ids of its due dates), placed as
    StoryBoard places it (after `tags` in a story, after `milestone_id` in a task)."""
    out: dict[str, Any] = {}
    for key, value in entry.items():
        out[key] = value
        if key == after:
            out["due_dates"] = due_ids
    out.setdefault("due_dates", due_ids)
    return out


def resolve_items(session: Session, viewer: Viewer, items: list[dict[str, Any]]) -> None:
    """Add `story`, `task` and `resolved_due_date` to item dicts (a few queries for any number). The
    story or task carries `due_dates`, the ids of the due dates it is on that the viewer may see (as
    StoryBoard's cards do)."""
    stories = _stories(session, viewer, {i["item_id"] for i in items if i["item_type"] == "story"})
    tasks = _tasks(session, viewer, {i["item_id"] for i in items if i["item_type"] == "task"})
    on_dates = _due_date_ids(session, viewer, set(stories), set(tasks))
    stories = {sid: _with_due_dates(s, on_dates.get(("story", sid), []), "tags") for sid, s in stories.items()}
    tasks = {tid: _with_due_dates(t, on_dates.get(("task", tid), []), "milestone_id") for tid, t in tasks.items()}
    due_ids = {i["display_due_date"] for i in items if i["display_due_date"] is not None}
    dues: dict[int, dict[str, Any]] = {}
    if due_ids:
        rows = list(session.execute(_DUE_DATES[viewer.authenticated],
                                    {"ids": sorted(due_ids), **viewer_values(viewer)}).scalars())
        dues = {d["id"]: d for d in due_dates_json(session, viewer, rows)}
    for i in items:
        i["story"] = stories.get(i["item_id"]) if i["item_type"] == "story" else None
        i["task"] = tasks.get(i["item_id"]) if i["item_type"] == "task" else None
        i["resolved_due_date"] = dues.get(i["display_due_date"]) if i["display_due_date"] else None


@dataclass
class Budget:
    """What one read may resolve: items per automatic list and cards in all (0: no limit).

    `truncated` tells whether anything was left out (the answer then says `X-Truncated: true`)."""

    automatic: int = 0
    cards: int = 0
    truncated: bool = False

    def cap(self, automatic: bool) -> int:
        """How many items the next list may bring, plus one to notice a cut (0: no limit)."""
        caps = [c for c in (self.automatic if automatic else 0, self.cards) if c > 0]
        return min(caps) + 1 if caps else 0

    def take(self, items: list[dict[str, Any]], automatic: bool) -> list[dict[str, Any]]:
        cap = self.cap(automatic)
        if cap and len(items) >= cap:
            items = items[:cap - 1]
            self.truncated = True
        if self.cards:
            self.cards = max(self.cards - len(items), 0) or -1  # -1: spent (0 would mean unlimited)
        return items

    @classmethod
    def of_settings(cls, settings: Any, *, board: bool = False) -> Budget:
        """The most one worklist (or, with `board`, one board) read may compute and resolve."""
        return cls(automatic=settings.max_automatic_items, cards=settings.max_board_cards if board else 0)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Truncated": "true"} if self.truncated else {}


ARCHIVED_POSITION = 99999  # what StoryBoard shows as an archived card's list_position


def archived_items(session: Session, viewer: Viewer, worklist_id: int) -> list[dict[str, Any]]:
    """The archived cards of a list the viewer may see, oldest first (`GET /v1/worklists/{id}/items`
    lists them after the active ones, as StoryBoard does; their position says nothing of the others)."""
    from storyline.planning.access import item_visible

    cards = session.execute(
        select(WorklistItem).where(WorklistItem.list_id == worklist_id, WorklistItem.archived.is_(True),
                                   item_visible(viewer)).order_by(WorklistItem.id)).scalars()
    return [item_json(card, ARCHIVED_POSITION) for card in cards]


def list_items(session: Session, viewer: Viewer, worklist: Worklist, filters: list[WorklistFilter],
               criteria: dict[int, list[FilterCriterion]], budget: Budget,
               manual: list[WorklistItem] | None = None, *, archived: bool = False) -> list[dict[str, Any]]:
    """The items of one list as the viewer may see them (automatic lists are computed now), within
    the read's budget. `archived`: a manual list's archived cards too, after the active ones (the
    list's own items read; a worklist or board read shows the active cards only)."""
    if archived and not worklist.automatic:
        active = list_items(session, viewer, worklist, filters, criteria, budget, manual)
        return active + budget.take(archived_items(session, viewer, worklist.id), False)
    if budget.cards < 0:  # spent: nothing more is resolved, but say whether something was left out
        left = (queries.automatic_items(session, viewer, filters, criteria, 1) if worklist.automatic
                else manual if manual is not None
                else queries.active_items(session, viewer, [worklist.id]).get(worklist.id, []))
        budget.truncated = budget.truncated or bool(left)
        return []
    if worklist.automatic:
        found = queries.automatic_items(session, viewer, filters, criteria, budget.cap(True))
        return budget.take([_automatic_json(worklist.id, o) for o in found], True)
    if manual is None:
        manual = queries.active_items(session, viewer, [worklist.id]).get(worklist.id, [])
    return budget.take([item_json(i, n) for n, i in enumerate(manual)], False)


def worklists_json(session: Session, viewer: Viewer, worklists: Sequence[Worklist], *, resolve: bool,
                   budget: Budget | None = None) -> list[dict[str, Any]]:
    """Worklists with filters and members; items resolved (and automatic ones computed) if `resolve`."""
    if not worklists:
        return []
    ids = [w.id for w in worklists]
    filters, criteria = queries.load_filters(session, ids)
    members = members_json(session, "worklist", ids)
    manual = queries.active_items(session, viewer, [w.id for w in worklists if not w.automatic])
    out = []
    all_items: list[dict[str, Any]] = []
    for w in worklists:
        if w.automatic and not resolve:
            items: list[dict[str, Any]] = []
        else:
            items = list_items(session, viewer, w, filters.get(w.id, []), criteria, budget or Budget(),
                               manual.get(w.id, []))
        all_items.extend(items)
        out.append({
            "title": w.title, "creator_id": w.creator_id, "project_id": w.project_id, "private": w.private,
            "archived": w.archived, "automatic": w.automatic,
            "filters": [filter_json(f, criteria.get(f.id, [])) for f in filters.get(w.id, [])],
            **members[w.id], "items": items,
            "id": w.id, "created_at": ts(w.created_at), "updated_at": ts(w.updated_at),
        })
    if resolve:
        resolve_items(session, viewer, all_items)
    return out


def boards_json(session: Session, viewer: Viewer, boards: Sequence[Board], *, resolve: bool,
                budget: Budget | None = None) -> list[dict[str, Any]]:
    """Boards with lanes (each with its worklist), due dates and members."""
    if not boards:
        return []
    ids = [b.id for b in boards]
    lanes: dict[int, list[tuple[BoardLane, Worklist]]] = defaultdict(list)
    for lane, wl in session.execute(
        select(BoardLane, Worklist).join(Worklist, Worklist.id == BoardLane.list_id)
        .where(BoardLane.board_id.in_(ids)).order_by(BoardLane.board_id, BoardLane.position, BoardLane.id)
    ):
        lanes[lane.board_id].append((lane, wl))
    lists = {d["id"]: d for d in worklists_json(
        session, viewer, [wl for rows in lanes.values() for _, wl in rows], resolve=resolve, budget=budget)}
    dues_of: dict[int, list[int]] = defaultdict(list)
    for due_id, board_id in session.execute(select(DueDateBoard.due_date_id, DueDateBoard.board_id)
                                            .where(DueDateBoard.board_id.in_(ids))):
        dues_of[board_id].append(due_id)
    due_ids = {i for v in dues_of.values() for i in v}
    dues: dict[int, dict[str, Any]] = {}
    if due_ids:
        rows = list(session.execute(select(DueDate).where(DueDate.id.in_(due_ids), due_date_visible(viewer))
                                    .order_by(DueDate.id)).scalars())
        dues = {d["id"]: d for d in due_dates_json(session, viewer, rows)}
    members = members_json(session, "board", ids)
    return [{
        "title": b.title, "description": b.description, "creator_id": b.creator_id, "project_id": b.project_id,
        "private": b.private, "archived": b.archived,
        "lanes": [{"board_id": lane.board_id, "list_id": lane.list_id, "position": lane.position,
                   "worklist": lists[wl.id],
                   "id": lane.id, "created_at": ts(lane.created_at), "updated_at": ts(lane.updated_at)}
                  for lane, wl in lanes.get(b.id, [])],
        "due_dates": [dues[i] for i in sorted(dues_of.get(b.id, [])) if i in dues],
        **members[b.id],
        "id": b.id, "created_at": ts(b.created_at), "updated_at": ts(b.updated_at),
    } for b in boards]


_STORY_TITLE = select(Story.title, Story.id, Story.private).where(Story.id == bindparam("item_id"))
_TASK_TITLE = (select(Task.title, Story.id, Story.private).join(Story, Story.id == Task.story_id)
               .where(Task.id == bindparam("item_id")))


def item_title(session: Session, item_type: str, item_id: int) -> tuple[str | None, int | None, bool]:
    """(title, story id, story is private) of the story or task an item points at."""
    stmt = _STORY_TITLE if item_type == "story" else _TASK_TITLE
    row = session.execute(stmt, {"item_id": item_id}).first()
    return (row[0], row[1], row[2]) if row else (None, None, False)


# item_title's statements for the stories (and tasks of stories) a viewer may see, per kind of viewer.
_VISIBLE_TITLE = {(item_type, auth): stmt.where(story_visible_bound(auth))
                  for item_type, stmt in (("story", _STORY_TITLE), ("task", _TASK_TITLE)) for auth in (False, True)}


def visible_item_title(session: Session, viewer: Viewer, item_type: str,
                       item_id: int) -> tuple[str, int, bool] | None:
    """item_title of a story or task (`item_type` 'story' or 'task') the viewer may see; None when there
    is none or the viewer may not see it (one statement: the check and the title together)."""
    row = session.execute(_VISIBLE_TITLE[item_type, viewer.authenticated],
                          {"item_id": item_id, **viewer_values(viewer)}).first()
    return (row[0], row[1], row[2]) if row else None


def _cards_before_statement(authenticated: bool) -> Any:
    """How many active cards the viewer may see stand before a card in its list (its visible rank);
    built once per kind of viewer (bound: list_id, card_id, position, viewer_id)."""
    pos = WorklistItem.list_position
    at: BindParameter[Any] = bindparam("position")
    card: BindParameter[Any] = bindparam("card_id")
    return select(func.count()).where(
        WorklistItem.list_id == bindparam("list_id"), WorklistItem.archived == false(), WorklistItem.id != card,
        or_(pos < at, and_(pos == at, WorklistItem.id < card)), item_visible_bound(authenticated))


_CARDS_BEFORE = {auth: _cards_before_statement(auth) for auth in (False, True)}


def visible_rank(session: Session, viewer: Viewer, item: WorklistItem) -> int:
    values = {"list_id": item.list_id, "card_id": item.id, "position": item.list_position, **viewer_values(viewer)}
    return int(session.execute(_CARDS_BEFORE[viewer.authenticated], values).scalar_one())


def item_entry(session: Session, item: WorklistItem, title: str | None) -> dict[str, Any]:
    """An item as worklist_contents_changed events carry it. An event is read by everyone who may see
    its card's story, so its position is the rank among cards of public stories."""
    return {"item_id": item.item_id, "item_type": item.item_type, "item_title": title,
            "position": visible_rank(session, ANONYMOUS, item), "worklist_id": item.list_id,
            "due_date_id": item.display_due_date}
