"""A page of a story query's matches, in the query's order, and the count of every match
(/preview/search; docs/search.md, "Performance")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

from storyline.search.query import SORT_COLUMNS
from storyline.stories.models import Story

# SQLite: when one story in WALK or more matches, the page walks the index of the sort's order.
WALK = 20
# SQLite: the index that gives each sort's order (with the rowid, the tie-break).
SORT_INDEXES = {"updated": "ix_stories_updated_at", "created": "ix_stories_created_at"}


def page_of(session: Session, stmt: Select[Any], field: str, direction: str, offset: int,
            limit: int) -> tuple[list[int], int]:
    """The page's story ids and the count of every match: the count, then the page.

    Many matches (one story in WALK or more): the page walks the index of its order until it is full,
    about WALK stories read per story of the page at most. SQLite is told to (`INDEXED BY`; the rowid
    order for `id`): its planner would rather take an index of the condition (`ix_stories_status_private`
    for `is:open`) and sort every match. Fewer matches are found first, then sorted: walking the order's
    index for a rare match reads most stories, and a planner misjudging the count (PostgreSQL guessed
    1,254 matches for a phrase with 114) would walk it; so the order's index is kept out of the plan
    (SQLite: `+column`; PostgreSQL: the matches in a subquery behind `OFFSET 0`, which the planner does
    not merge). (Reading up to 5,000 matches with their sort value first, to sort them here and count
    them in one statement, cost a query matching 8,000-14,000 stories as much CPU as its count.)

    PostgreSQL also: the sort `updated_at DESC NULLS LAST, id DESC` has an index of its own
    (`ix_stories_updated_desc`, migration 0015; walked backwards for ascending). A column without NULLs
    (created_at, id, title, status) is ordered without NULLS FIRST/LAST, which its ascending index gives
    read either way (with them, `sort:created-desc` sorted every match). PostgreSQL's JIT is off on every
    connection (db.make_engine): the visibility rule's EXISTS subqueries make the planner's cost
    estimates large (500,000 for `is:open`), enough to JIT-compile statements that run in 10-40 ms, and
    compiling took 400-700 ms."""
    conn = session.connection()
    desc = direction == "desc"
    col: Any = SORT_COLUMNS[field]
    nullable = bool(col.nullable)
    sqlite = conn.dialect.name == "sqlite"
    total = int(conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
    if total <= offset:
        return [], total
    few = total * WALK < (conn.execute(select(func.max(Story.id))).scalar() or 0)
    key: Any = Story.id
    if sqlite:
        if few:
            col, key = literal_column(f"+stories.{col.key}"), literal_column("+stories.id")
        elif field in SORT_INDEXES:
            stmt = stmt.with_hint(Story, f"INDEXED BY {SORT_INDEXES[field]}", "sqlite")
        elif field == "id":
            stmt = stmt.with_hint(Story, "NOT INDEXED", "sqlite")
    elif few:
        matches = stmt.add_columns(col.label("sort_value")).offset(0).subquery("matches")
        col, key = matches.c.sort_value, matches.c.id
        stmt = select(matches.c.id)
    # NULLs first ascending, last descending (SQLite's own order; as the v1 lists). A column without
    # NULLs has no NULLs to place: the plain order, which an ascending index gives both ways.
    if not sqlite and nullable:
        order = [col.desc().nulls_last() if desc else col.asc().nulls_first()]
    else:
        order = [col.desc() if desc else col.asc()]
    if field != "id":  # ties by id, in the same direction
        order.append(key.desc() if desc else key.asc())
    page = conn.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
    return [row[0] for row in page], total


__all__ = ["SORT_INDEXES", "WALK", "page_of"]
