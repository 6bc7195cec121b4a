"""A page of a story query's matches, in the query's order, and the count of every match
(/preview/search; docs/search.md, "Performance")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from storyline.search.query import SORT_COLUMNS
from storyline.stories.models import Story

FEW = 5000  # matches: read at once with their sort value and sorted here (SQLite)
WALK = 20  # SQLite: when one story in WALK or more matches, the page walks the sort order's index
# SQLite: the index that gives each sort's order (with the rowid, the tie-break): walked when many match.
SORT_INDEXES = {"updated": "ix_stories_updated_at", "created": "ix_stories_created_at"}


def page_of(session: Session, stmt: Select[Any], field: str, direction: str, offset: int,
            limit: int) -> tuple[list[int], int]:
    """The page's story ids and the count of every match.

    On SQLite, the matches are first read with their sort value, up to FEW of them: when that is all of
    them, they are counted and sorted here, one statement instead of a count and a page. Otherwise many
    match: counted, then the page read. When one story in 20 or more matches, it walks the sort column's
    index (`INDEXED BY`; the rowid order for `id`) until the page is full: about 20 stories read per
    story of the page at most, where SQLite's planner would rather take an index of the condition (say
    `ix_stories_status_private` for `is:open`) and sort every match. Fewer are sorted once found, the
    index kept out of the plan (`+column`): walking it for a rare match would read every story.

    On PostgreSQL the planner chooses, with two helps: the sort `updated_at DESC NULLS LAST, id DESC`
    has an index of its own (`ix_stories_updated_desc`, migration 0015; walked backwards for
    ascending), and JIT compilation is off for these statements: the visibility rule's EXISTS
    subqueries make the planner's cost estimates large enough (500,000 for `is:open`) to JIT-compile
    statements that run in 10-40 ms, and compiling took 400-700 ms."""
    conn = session.connection()
    desc = direction == "desc"
    col: Any = SORT_COLUMNS[field]
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        found = list(conn.execute(stmt.add_columns(col).limit(FEW + 1)).all())
        if len(found) <= FEW:
            # NULLs first ascending, last descending (as the v1 lists); ties by id in the same direction.
            found.sort(key=lambda r: (r[1] is not None, r[1] if r[1] is not None else 0, r[0]), reverse=desc)
            return [r[0] for r in found[offset:offset + limit]], len(found)
    else:
        conn.execute(text("SET LOCAL jit = off"))
    total = int(conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
    if total <= offset:
        return [], total
    key: Any = Story.id
    if sqlite:
        size = conn.execute(select(func.max(Story.id))).scalar() or 0
        if total * WALK < size:
            col, key = literal_column(f"+stories.{col.key}"), literal_column("+stories.id")
        elif field in SORT_INDEXES:
            stmt = stmt.with_hint(Story, f"INDEXED BY {SORT_INDEXES[field]}", "sqlite")
        elif field == "id":
            stmt = stmt.with_hint(Story, "NOT INDEXED", "sqlite")
        order = [col.desc() if desc else col.asc()]
    else:
        order = [col.desc().nulls_last() if desc else col.asc().nulls_first()]
    if field != "id":
        order.append(key.desc() if desc else key.asc())
    page = conn.execute(stmt.order_by(*order).offset(offset).limit(limit)).all()
    return [row[0] for row in page], total


__all__ = ["FEW", "SORT_INDEXES", "WALK", "page_of"]
