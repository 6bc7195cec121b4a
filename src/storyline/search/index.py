"""Full-text search behind one interface: SQLite FTS5 or PostgreSQL tsvector + GIN.

Each searchable kind has one document per row, written by the service that changes the row, in the
same transaction. SQLite keeps FTS5 tables `<kind>_fts` (rowid = the row's id); PostgreSQL keeps
tables `<kind>_search(id, document tsvector)` with a GIN index. Both are created by the migrations.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Integer, bindparam, select, text
from sqlalchemy.orm import Session

from storyline.sqltools import Prepared

KINDS = ("story", "task", "project", "user")
_WORD = re.compile(r"\w+", re.UNICODE)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# One document's statements per kind, built once: (delete, insert) on SQLite, (upsert,) on PostgreSQL.
# Run on the session's connection (the ORM session's execute costs several times what they do).
_PUT = {kind: {
    True: (text(f"DELETE FROM {kind}_fts WHERE rowid = :id"),
           text(f"INSERT INTO {kind}_fts (rowid, title, body) VALUES (:id, :title, :body)")),
    False: (text(f"INSERT INTO {kind}_search (id, document) VALUES (:id, "
                 "setweight(to_tsvector('simple', :title), 'A') || to_tsvector('simple', :body)) "
                 "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document"),),
} for kind in KINDS}
_REMOVE = {kind: {True: text(f"DELETE FROM {kind}_fts WHERE rowid = :id"),
                  False: text(f"DELETE FROM {kind}_search WHERE id = :id")} for kind in KINDS}


def _put(session: Session, kind: str, row_id: int, title: str, body: str) -> None:
    conn = session.connection()
    statements = _PUT[kind][conn.dialect.name == "sqlite"]
    if len(statements) == 2:
        conn.execute(statements[0], {"id": row_id})
    conn.execute(statements[-1], {"id": row_id, "title": title, "body": body})


def put_many(session: Session, kind: str, rows: list[tuple[int, str, str]]) -> None:
    """The documents of many rows at once, (id, title, body) each: bulk writers (the importers)."""
    if not rows:
        return
    session.flush()
    values = [{"id": i, "title": title, "body": body} for i, title, body in rows]
    if _sqlite(session):
        session.execute(text(f"DELETE FROM {kind}_fts WHERE rowid = :id"), [{"id": i} for i, _, _ in rows])
        session.execute(text(f"INSERT INTO {kind}_fts (rowid, title, body) VALUES (:id, :title, :body)"), values)
    else:
        session.execute(
            text(
                f"INSERT INTO {kind}_search (id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || to_tsvector('simple', :body)) "
                "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document"
            ),
            values,
        )


def remove(session: Session, kind: str, row_id: int) -> None:
    session.flush()
    conn = session.connection()
    conn.execute(_REMOVE[kind][conn.dialect.name == "sqlite"], {"id": row_id})


def index_project(session: Session, project: Any) -> None:
    session.flush()
    _put(session, "project", project.id, project.name, project.description or "")


def index_user(session: Session, user: Any) -> None:
    """Users are found by full name only: e-mail addresses are not public."""
    session.flush()
    _put(session, "user", user.id, user.full_name, "")


def index_task(session: Session, task: Any) -> None:
    session.flush()
    _put(session, "task", task.id, task.title, "")


_STORY_PARTS: tuple[Any, Any, Any] | None = None


def _story_parts() -> tuple[Any, Any, Any]:
    """index_story's three statements, built once (on first use: the models import this module)."""
    global _STORY_PARTS
    if _STORY_PARTS is None:
        from storyline.stories.models import Comment, Story, StoryTag, Tag

        story_id = bindparam("story_id", type_=Integer)
        _STORY_PARTS = (
            select(Story.title, Story.description).where(Story.id == story_id),
            select(Tag.name).join(StoryTag, StoryTag.tag_id == Tag.id).where(StoryTag.story_id == story_id),
            select(Comment.content).where(Comment.story_id == story_id, Comment.is_active.is_(True)),
        )
    return _STORY_PARTS


def index_story(session: Session, story_id: int) -> None:
    """A story's document: title, then description, tag names and active comments."""
    session.flush()
    conn = session.connection()
    story, tags, comments = _story_parts()
    key = {"story_id": story_id}
    row = conn.execute(story, key).first()
    if row is None:
        remove(session, "story", story_id)
        return
    body = "\n".join([row.description or "", " ".join(conn.execute(tags, key).scalars()),
                      *conn.execute(comments, key).scalars()])
    _put(session, "story", story_id, row.title, body)


_STORY_DOCUMENT = text("SELECT title, body FROM story_fts WHERE rowid = :id")
_APPEND_TO_STORY = text("UPDATE story_search SET document = document || to_tsvector('simple', :body) WHERE id = :id")


def index_new_story(session: Session, story_id: int, title: str, description: str | None) -> None:
    """The document of a story just created, without tags or comments: what index_story writes for
    it, without reading the story back."""
    _put(session, "story", story_id, title, "\n".join([description or "", ""]))


def append_to_story(session: Session, story_id: int, text_: str) -> None:
    """Add a new comment's text to the story's document without reading the story's other comments
    (the cost of a comment does not grow with the story's history). Same document as index_story
    builds: the comments in order after the description and tags."""
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        row = conn.execute(_STORY_DOCUMENT, {"id": story_id}).first()
        if row is None:
            index_story(session, story_id)
            return
        _put(session, "story", story_id, row.title, f"{row.body}\n{text_}")
    else:
        done = conn.execute(_APPEND_TO_STORY, {"id": story_id, "body": text_})
        if not done.rowcount:
            index_story(session, story_id)


def words(q: str) -> list[str]:
    return _WORD.findall(q or "")


def match_text(session: Session, kind: str, q: str) -> str | None:
    """The database's full-text query for `q`: every word, the last one as a prefix (FTS5 MATCH
    expression on SQLite, tsquery on PostgreSQL). None when `q` has no words (nothing matches)."""
    terms = words(q)
    if not terms:
        return None
    if _sqlite(session):
        expr = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        return expr.strip()
    tsq = " & ".join(t.replace("'", "") for t in terms[:-1])
    last = terms[-1].replace("'", "") + ":*"
    return f"{tsq} & {last}" if tsq else last


def ids_matching(sqlite: bool, kind: str) -> Any:
    """A selectable of the ids whose document matches the bound parameter `q_<kind>` (a match_text)."""
    if sqlite:
        return select(text("rowid")).select_from(text(f"{kind}_fts")).where(text(f"{kind}_fts MATCH :q_{kind}"))
    return (select(text("id")).select_from(text(f"{kind}_search"))
            .where(text(f"document @@ to_tsquery('simple', :q_{kind})")))


def matching_ids(session: Session, kind: str, q: str) -> Any | None:
    """A selectable of the ids whose document matches every word of `q`, the last one as a prefix.

    None when `q` has no words (the caller then returns nothing).
    """
    query = match_text(session, kind, q)
    if query is None:
        return None
    return ids_matching(_sqlite(session), kind).params({f"q_{kind}": query})


def only_matching(prepared: Prepared, session: Session, kind: str, id_column: Any, q: str) -> Prepared:
    """A prepared list (api/common.py) narrowed to the rows matching `q`; no words: no rows."""
    query = match_text(session, kind, q)
    if query is None:
        return prepared.narrowed("no match", lambda stmt: stmt.where(id_column.is_(None)))
    sqlite = _sqlite(session)
    return prepared.narrowed(("matching", sqlite),
                             lambda stmt: stmt.where(id_column.in_(ids_matching(sqlite, kind))),
                             {f"q_{kind}": query})
