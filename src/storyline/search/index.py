"""Full-text search behind one interface: SQLite FTS5 or PostgreSQL tsvector + GIN.

Each searchable kind has one document per row, written by the service that changes the row, in the
same transaction. SQLite keeps FTS5 tables `<kind>_fts` (rowid = the row's id); PostgreSQL keeps
tables `<kind>_search(id, document tsvector)` with a GIN index. Both are created by the migrations.

A story's document on SQLite is in parts: the title, description, tag names and comments in order,
cut between lines into parts of at most PART_CHARS characters (a longer line is a part of its own).
The first part is the story's row of story_fts (rowid = the story's id, as for every other kind); the
next ones, on the few stories that long, are rows above OVERFLOW (`part_rowid`). An FTS5 row cannot
grow: changing it deletes it (reading and tokenizing its whole text again) and inserts it anew, so
with one row per story a comment on a story of 5,000 comments cost three times one on a new story; a
new comment now rewrites only the last part, or starts the next one. A story matches a query when
every word (or phrase) is in one of its parts (`story_ids_matching`): all of them in its first part,
one FTS5 lookup as before; or, for the stories with more parts (found by a lookup above OVERFLOW, which
FTS5 seeks to: next to nothing while no story is that long), each word in one of its parts. PostgreSQL
appends a comment's words to the story's tsvector (in the comment's own statement), which grows less: the
new row version's words go into the GIN index's pending list again (the append 0.3 ms on a new story,
2.2 ms at 5,000 comments; docs/search.md).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql.ext import to_tsvector
from sqlalchemy.orm import Session

from storyline.sqltools import Prepared

KINDS = ("story", "task", "project", "user")
_WORD = re.compile(r"\w+", re.UNICODE)
PART_BITS = 16  # parts of a story's document (SQLite): 65,536 at most; the last one grows past PART_CHARS
PART_CHARS = 8000
OVERFLOW = 1 << 40  # story_fts rowids of the parts after the first (story ids stay below)
_LAST_PART = (1 << PART_BITS) - 1


def part_rowid(story_id: int, part: int) -> int:
    """The story_fts rowid of part `part` of a story's document (SQLite)."""
    return story_id if part == 0 else OVERFLOW + (story_id << PART_BITS) + part


def _parts_of(story_id: int) -> dict[str, int]:
    """The rowids of a story's parts: the first, and the range of the next ones."""
    return {"first": story_id, "lo": part_rowid(story_id, 1), "hi": part_rowid(story_id, _LAST_PART)}


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
    if _sqlite(session) and kind == "story":
        session.execute(_DELETE_STORY, [_parts_of(i) for i, _, _ in rows])
        session.execute(_INSERT_PART, [part for i, title, body in rows for part in _part_rows(i, title, body)])
    elif _sqlite(session):
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
    if kind == "story" and conn.dialect.name == "sqlite":
        conn.execute(_DELETE_STORY, _parts_of(row_id))
        return
    conn.execute(_REMOVE[kind][conn.dialect.name == "sqlite"], {"id": row_id})


# A story's parts (SQLite).
_DELETE_STORY = text("DELETE FROM story_fts WHERE rowid = :first OR rowid BETWEEN :lo AND :hi")
_INSERT_PART = text("INSERT INTO story_fts (rowid, title, body) VALUES (:rowid, :title, :body)")
_DELETE_PART = text("DELETE FROM story_fts WHERE rowid = :rowid")
_LAST_PART_OF = text("SELECT rowid, title, body FROM story_fts WHERE rowid = :first UNION ALL "
                     "SELECT rowid, title, body FROM story_fts WHERE rowid BETWEEN :lo AND :hi ORDER BY 1 DESC LIMIT 1")


def story_parts(title: str, body: str) -> list[tuple[str, str]]:
    """A story's document as its parts' (title, body): the title in the first; the body cut between
    lines, each part at most PART_CHARS characters unless one line is longer."""
    parts: list[list[str]] = [[]]
    size = 0
    for line in body.split("\n"):
        if parts[-1] and size + 1 + len(line) > PART_CHARS:
            parts.append([])
            size = 0
        size += len(line) + (1 if len(parts[-1]) else 0)
        parts[-1].append(line)
    return [(title if n == 0 else "", "\n".join(lines)) for n, lines in enumerate(parts)]


def _part_rows(story_id: int, title: str, body: str) -> list[dict[str, Any]]:
    """_INSERT_PART's parameters for a story's document."""
    return [{"rowid": part_rowid(story_id, n), "title": t, "body": b}
            for n, (t, b) in enumerate(story_parts(title, body))]


def _put_story(session: Session, story_id: int, title: str, body: str) -> None:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        _put(session, "story", story_id, title, body)
        return
    conn.execute(_DELETE_STORY, _parts_of(story_id))
    conn.execute(_INSERT_PART, _part_rows(story_id, title, body))


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
    _put_story(session, story_id, row.title, body)


_STORY_SEARCH = table("story_search", column("id", Integer), column("document"))


def appended_to_story(story_id: Any, body: Any) -> Any:
    """PostgreSQL: the UPDATE adding a text's words to a story's document (a writer may put it in the
    WITH of its own statement; it updates no row when the story has no document yet)."""
    return (update(_STORY_SEARCH).where(_STORY_SEARCH.c.id == story_id)
            .values(document=_STORY_SEARCH.c.document.op("||")(
                to_tsvector(literal_column("'simple'"), body))))  # type: ignore[no-untyped-call]


_APPEND_TO_STORY = appended_to_story(bindparam("story_id", type_=Integer), bindparam("body", type_=Text))


def index_new_story(session: Session, story_id: int, title: str, description: str | None) -> None:
    """The document of a story just created, without tags or comments: what index_story writes for
    it, without reading the story back."""
    _put_story(session, story_id, title, "\n".join([description or "", ""]))


def append_to_story(session: Session, story_id: int, text_: str) -> None:
    """Add a new comment's text to the story's document without reading the story's other comments
    (the cost of a comment does not grow with the story's history). Same document as index_story
    builds: the comments in order after the description and tags (on SQLite, in its last part, or
    in a new one when the last is full)."""
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        row = conn.execute(_LAST_PART_OF, _parts_of(story_id)).first()
        if row is None:
            index_story(session, story_id)
            return
        if len(row.body) + 1 + len(text_) <= PART_CHARS or row.rowid == part_rowid(story_id, _LAST_PART):
            conn.execute(_DELETE_PART, {"rowid": row.rowid})
            conn.execute(_INSERT_PART, {"rowid": row.rowid, "title": row.title, "body": f"{row.body}\n{text_}"})
        else:  # the comment starts the next part (a long one is a part of its own)
            following = part_rowid(story_id, 1) if row.rowid == story_id else row.rowid + 1
            conn.execute(_INSERT_PART, {"rowid": following, "title": "", "body": text_})
    else:
        done = conn.execute(_APPEND_TO_STORY, {"story_id": story_id, "body": text_})
        if not done.rowcount:
            index_story(session, story_id)


def words(q: str) -> list[str]:
    return _WORD.findall(q or "")


def match_text(session: Session, kind: str, q: str) -> list[str] | None:
    """The database's full-text queries for `q`, all of which a document must match: every word, the
    last one as a prefix. On SQLite, FTS5 MATCH expressions: one per word for stories (a story's
    document is in parts, a word may be in any), one of all the words otherwise; on PostgreSQL one
    tsquery. None when `q` has no words (nothing matches)."""
    terms = words(q)
    if not terms:
        return None
    if _sqlite(session):
        pieces = [f'"{t}"' for t in terms[:-1]] + [f'"{terms[-1]}"*']
        return pieces if kind == "story" else [" ".join(pieces)]
    tsq = " & ".join(t.replace("'", "") for t in terms[:-1])
    last = terms[-1].replace("'", "") + ":*"
    return [f"{tsq} & {last}" if tsq else last]


_ROWID = literal_column("story_fts.rowid", Integer)
_DOCUMENT: Any = literal_column("story_fts")
_STORY_OF_PART = case((_ROWID < OVERFLOW, _ROWID), else_=(_ROWID - OVERFLOW).op(">>")(PART_BITS))


def _story_keys(count: int) -> list[str]:
    """The parameters of _story_ids's statement for `count` expressions: each one (`q_story_<n>`), and
    with several, all of them (`q_story_all`: in one part) and any of them (`q_story_any`)."""
    return [f"q_story_{n}" for n in range(count)] + (["q_story_all", "q_story_any"] if count > 1 else [])


def _story_values(expressions: list[str]) -> dict[str, str]:
    """The values of _story_keys's parameters."""
    values = [*expressions, " AND ".join(f"({e})" for e in expressions), " OR ".join(f"({e})" for e in expressions)]
    return dict(zip(_story_keys(len(expressions)), values, strict=False))


def _story_has(expression: Any, story_id: Any) -> ColumnElement[bool]:
    """SQLite: the story `story_id` has `expression` in one of its parts (two rowid lookups)."""
    first = story_id
    after = literal_column(str(OVERFLOW), Integer) + story_id.op("<<")(PART_BITS)
    return or_(exists().select_from(table("story_fts")).where(_DOCUMENT.op("MATCH")(expression), _ROWID == first),
               exists().select_from(table("story_fts")).where(_DOCUMENT.op("MATCH")(expression),
                                                                _ROWID >= after + 1, _ROWID <= after + _LAST_PART))


def _story_ids(sqlite: bool, count: int, params: dict[str, Any]) -> Any:
    """The ids of the stories matching `count` expressions, bound as `params` (_story_values's keys)."""
    each = [params[f"q_story_{n}"] for n in range(count)]
    if not sqlite:
        condition = and_(*(literal_column("document").op("@@")(func.to_tsquery("simple", v)) for v in each))
        return select(literal_column("id", Integer)).select_from(table("story_search")).where(condition)
    if count == 1:  # in any part
        return select(_STORY_OF_PART).select_from(table("story_fts")).where(_DOCUMENT.op("MATCH")(each[0]))
    # every one in the first part; or, for the stories with more parts where any is after the first,
    # each in one of its parts
    first = (select(_ROWID).select_from(table("story_fts"))
             .where(_DOCUMENT.op("MATCH")(params["q_story_all"]), _ROWID < OVERFLOW))
    longer = (select(_STORY_OF_PART.label("story_id")).select_from(table("story_fts"))
              .where(_DOCUMENT.op("MATCH")(params["q_story_any"]), _ROWID >= OVERFLOW).distinct().subquery("longer"))
    spread = select(longer.c.story_id).where(*(_story_has(v, longer.c.story_id) for v in each))
    return union_all(first, spread)


def story_ids_matching(sqlite: bool, expressions: list[str]) -> Any:
    """A selectable of the ids of the stories whose document matches every one of `expressions` (FTS5
    MATCH expressions, each in one of a story's parts; tsqueries, all in the one document), bound as
    unique parameters holding their values."""
    params = {k: bindparam(k, v, type_=String, unique=True) for k, v in _story_values(expressions).items()}
    return _story_ids(sqlite, len(expressions), params)


def ids_matching(sqlite: bool, kind: str, count: int = 1) -> Any:
    """A selectable of the ids whose document matches the bound parameters `q_<kind>_<n>`, n from 0 to
    `count` - 1 (what match_text returns)."""
    if kind == "story":
        return _story_ids(sqlite, count, {k: bindparam(k, type_=String) for k in _story_keys(count)})
    assert count == 1
    if sqlite:
        return select(text("rowid")).select_from(text(f"{kind}_fts")).where(text(f"{kind}_fts MATCH :q_{kind}_0"))
    return (select(text("id")).select_from(text(f"{kind}_search"))
            .where(text(f"document @@ to_tsquery('simple', :q_{kind}_0)")))


def _values(kind: str, expressions: list[str]) -> dict[str, str]:
    if kind == "story":
        return _story_values(expressions)
    return {f"q_{kind}_{n}": e for n, e in enumerate(expressions)}


def matching_ids(session: Session, kind: str, q: str) -> Any | None:
    """A selectable of the ids whose document matches every word of `q`, the last one as a prefix.

    None when `q` has no words (the caller then returns nothing).
    """
    expressions = match_text(session, kind, q)
    if expressions is None:
        return None
    return ids_matching(_sqlite(session), kind, len(expressions)).params(_values(kind, expressions))


def only_matching(prepared: Prepared, session: Session, kind: str, id_column: Any, q: str) -> Prepared:
    """A prepared list (api/common.py) narrowed to the rows matching `q`; no words: no rows."""
    expressions = match_text(session, kind, q)
    if expressions is None:
        return prepared.narrowed("no match", lambda stmt: stmt.where(id_column.is_(None)))
    sqlite = _sqlite(session)
    count = len(expressions)
    return prepared.narrowed(("matching", sqlite, count),
                             lambda stmt: stmt.where(id_column.in_(ids_matching(sqlite, kind, count))),
                             _values(kind, expressions))



def story_matches(sqlite: bool, expressions: list[str], story_id: Any) -> ColumnElement[bool]:
    """Whether the story `story_id` (a column: a correlated condition) matches every one of
    `expressions` (as story_ids_matching): per expression, lookups of that story's parts by rowid
    (SQLite) or of its document (PostgreSQL), whatever the matches elsewhere."""
    values = [bindparam(None, e, type_=String) for e in expressions]
    if sqlite:
        return and_(*(_story_has(v, story_id) for v in values))
    return exists().select_from(table("story_search")).where(
        literal_column("story_search.id", Integer) == story_id,
        *(literal_column("document").op("@@")(func.to_tsquery("simple", v)) for v in values))
