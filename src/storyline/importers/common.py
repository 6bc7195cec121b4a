"""What every importer shares: the report's counters, the bookkeeping of imported objects
(`import_refs`), one transaction per batch (rolled back in a dry run, timed), sequences raised past
ids written explicitly, and the error that stops an import before it starts."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, insert, literal_column, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from storyline.db import session_scope, utcnow
from storyline.importers.models import ImportRef
from storyline.sqltools import table_of


class ImportFailed(Exception):
    """The import cannot start (bad option, missing project, conflicting rows): the message says what
    to do."""


@dataclass
class Summary:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int | None, str, str]] = field(default_factory=list)  # (object, url, message)
    renumbered: list[tuple[int, int]] = field(default_factory=list)  # (outside id, story id)
    review: list[int] = field(default_factory=list)  # objects a person should look at
    notes: list[str] = field(default_factory=list)  # what the import did that the operator should know

    def merge(self, other: Summary) -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.skipped.update(other.skipped)
        self.errors.extend(other.errors)
        self.renumbered.extend(other.renumbered)
        self.review.extend(other.review)
        self.notes.extend(other.notes)

    def count_lines(self) -> list[str]:
        """`  kind: N created, N updated, N skipped`, one line per kind of object."""
        lines = []
        for kind in sorted(set(self.created) | set(self.updated) | set(self.skipped)):
            parts = [f"{self.created[kind]} created"] if kind in self.created else []
            if kind in self.updated:
                parts.append(f"{self.updated[kind]} updated")
            if kind in self.skipped:
                parts.append(f"{self.skipped[kind]} skipped")
            lines.append(f"  {kind}: {', '.join(parts)}")
        return lines


_FIND_REFS = select(ImportRef.key, ImportRef.local_id, ImportRef.version).where(
    ImportRef.source == bindparam("source"), ImportRef.kind == bindparam("kind"),
    ImportRef.key.in_(bindparam("keys", expanding=True)))
# PostgreSQL: the keys as one array parameter (the same statement whatever their number: prepared once,
# where an IN list of N parameters is a new statement for the driver to parse for each N)
_FIND_REFS_PG = text("SELECT key, local_id, version FROM import_refs "
                     "WHERE source = :source AND kind = :kind AND key = ANY(CAST(:keys AS varchar[]))")


def find_refs(session: Session, source: str, kind: str, keys: list[str]) -> dict[str, tuple[int, str | None]]:
    """(local id, version) of the objects of `kind` already imported from `source`, by key."""
    out: dict[str, tuple[int, str | None]] = {}
    if not keys:
        return out
    if session.get_bind().dialect.name == "postgresql":
        for i in range(0, len(keys), 5000):
            for key, local_id, version in session.execute(
                    _FIND_REFS_PG, {"source": source, "kind": kind, "keys": keys[i:i + 5000]}):
                out[key] = (local_id, version)
        return out
    for i in range(0, len(keys), 500):
        for key, local_id, version in session.execute(
                _FIND_REFS, {"source": source, "kind": kind, "keys": keys[i:i + 500]}):
            out[key] = (local_id, version)
    return out


def allocate_ids(session: Session, table: Any, n: int) -> list[int]:
    """`n` new ids for rows of `table` written with explicit ids, so that a bulk INSERT needs no RETURNING
    (which SQLite answers one row at a time when the order matters). PostgreSQL: the serial sequence's
    next values (one statement); SQLite: above the largest id, which no one else can take meanwhile (a
    write transaction holds the database's write lock from its first statement)."""
    if n <= 0:
        return []
    name = table.name
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{name}', 'id')) FROM generate_series(1, :n)"), {"n": n}).scalars())
    top = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {name}")).scalar_one()
    return list(range(top + 1, top + 1 + n))


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]],
                skip_existing: list[str] | None = None) -> int:
    """INSERT many rows (all with the same keys). PostgreSQL: COPY (rows formatted by psycopg's C code,
    no statement to parse), or with `skip_existing` one `INSERT ... SELECT * FROM unnest(arrays)` (psycopg's
    executemany runs one INSERT per row, and SQLAlchemy's multi-row VALUES makes a statement of thousands
    of parameters that psycopg parses in Python each time: both cost more than the writes). SQLite runs
    in-process: its executemany is already the cheapest. `skip_existing`: rows whose values of these
    (unique) columns another row already has are left out (ON CONFLICT DO NOTHING), and the number of
    rows written is returned."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        if skip_existing is None:
            session.execute(insert(table), rows)
            return len(rows)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(rows).on_conflict_do_nothing(index_elements=skip_existing)
        return len(session.execute(stmt.returning(literal_column("1"))).all())
    given = list(rows[0])
    # The columns' Python-side defaults (what an INSERT through SQLAlchemy fills in)
    defaults = {c.name: c.default for c in table.c
                if c.name not in given and c.default is not None and (c.default.is_scalar or c.default.is_callable)}
    filled = {name: (d.arg if d.is_scalar else None) for name, d in defaults.items()}
    for name, d in defaults.items():
        if not d.is_scalar:
            filled[name] = d.arg(None)
    names = given + list(filled)
    quote = dialect.identifier_preparer.quote
    if skip_existing is None:
        if session.new or session.dirty or session.deleted:
            session.flush()  # (COPY goes around the session: what it holds is written first)
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        extra = tuple(filled.values())
        pick = itemgetter(*given) if len(given) > 1 else (lambda row: (row[given[0]],))
        with cursor.copy(f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(pick(row) + extra)
        return len(rows)
    key = (table.name, tuple(names), tuple(skip_existing))
    sql = _UNNEST.get(key)
    if sql is None:
        arrays = ", ".join(f"CAST(:c{n} AS {table.c[name].type.compile(dialect=dialect)}[])"
                           for n, name in enumerate(names))
        tail = f" ON CONFLICT ({', '.join(quote(c) for c in skip_existing)}) DO NOTHING RETURNING 1"
        sql = _UNNEST[key] = text(f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
                                  f"SELECT * FROM unnest({arrays}){tail}")
    done = session.execute(sql, {f"c{n}": [row[name] for row in rows] if name not in filled
                                 else [filled[name]] * len(rows) for n, name in enumerate(names)})
    return len(done.all())


def update_rows(session: Session, table: Any, rows: list[dict[str, Any]], keys: tuple[str, ...] = ("id",)) -> None:
    """UPDATE many rows, each found by its values of `keys` (given under `b_<key>`) and set to the other
    values it holds. Rows are grouped by the columns they set. PostgreSQL: one
    `UPDATE ... FROM unnest(arrays)` per group; SQLite: an executemany (in-process, already the cheapest)."""
    if not rows:
        return
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(k for k in row if not k.startswith("b_")), []).append(row)
    dialect = session.get_bind().dialect
    for columns, same in groups.items():
        if dialect.name != "postgresql":
            where = [table.c[k] == bindparam(f"b_{k}") for k in keys]
            session.execute(update(table).where(*where), same)
            continue
        cache_key = ("update", table.name, columns, keys)
        sql = _UNNEST.get(cache_key)
        if sql is None:
            quote = dialect.identifier_preparer.quote
            names = [*keys, *columns]
            arrays = ", ".join(f"CAST(:c{n} AS {table.c[name].type.compile(dialect=dialect)}[])"
                               for n, name in enumerate(names))
            sets = ", ".join(f"{quote(c)} = d.{quote(c)}" for c in columns)
            match = " AND ".join(f"t.{quote(k)} = d.{quote(k)}" for k in keys)
            sql = _UNNEST[cache_key] = text(
                f"UPDATE {quote(table.name)} AS t SET {sets} FROM unnest({arrays}) "
                f"AS d({', '.join(quote(n) for n in names)}) WHERE {match}")
        values = {f"c{n}": [row[f"b_{k}"] for row in same] for n, k in enumerate(keys)}
        values.update({f"c{len(keys) + n}": [row[c] for row in same] for n, c in enumerate(columns)})
        session.execute(sql, values)


_UNNEST: dict[tuple[Any, ...], Any] = {}


def add_refs(session: Session, source: str, kind: str, rows: list[tuple[str, int, str | None]]) -> None:
    """Record objects imported from `source`: (key, local id, version) each."""
    if rows:
        now = utcnow()
        insert_rows(session, table_of(ImportRef), [
            {"source": source, "kind": kind, "key": key, "local_id": local_id, "version": version,
             "imported_at": now} for key, local_id, version in rows])


def raise_sequence(session: Session, table: str, top: int) -> None:
    """PostgreSQL: rows created later in `table` get ids above `top` (ids written explicitly do not move
    the serial sequence). SQLite needs nothing: a new rowid is above the largest one. Not undone by a
    rollback, so a dry run does not call it."""
    if session.get_bind().dialect.name != "postgresql" or top < 1:
        return
    session.execute(text(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"GREATEST(:top, (SELECT last_value FROM {table}_id_seq)))"), {"top": top})


class BatchTransactions:
    """One transaction per batch of imported objects: committed, or rolled back in a dry run (so that
    the report still counts what would be written); the time spent writing (SQLite's write lock held)
    and the number of transactions are kept for the report."""

    def __init__(self, factory: sessionmaker[Session], dry_run: bool) -> None:
        self.factory = factory
        self.dry_run = dry_run
        self.write_seconds = 0.0
        self.transactions = 0

    @contextmanager
    def transaction(self, on_rollback: Callable[[], None] | None = None) -> Iterator[Session]:
        started = time.monotonic()
        try:
            with session_scope(self.factory) as session:
                yield session
                if self.dry_run:
                    session.rollback()  # nothing of a dry run is kept
                    if on_rollback is not None:
                        on_rollback()
        finally:
            self.write_seconds += time.monotonic() - started
            self.transactions += 1


def describe(exc: BaseException) -> str:
    """An exception in one line, its driver's message for a database error."""
    orig = getattr(exc, "orig", None) or exc
    text_ = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"{type(orig).__name__}: {text_}"




def put_documents(session: Session, kind: str, rows: list[tuple[int, str, str]]) -> None:
    """search.index.put_many for an importer's batch. PostgreSQL: one statement for all the rows (the
    same document: the title weighted A, then the body), where put_many runs one upsert per row."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        from storyline.search import index as search_index

        search_index.put_many(session, kind, rows)
        return
    last = {row_id: (title, body) for row_id, title, body in rows}  # one document per row
    session.flush()
    session.execute(text(
        f"INSERT INTO {kind}_search (id, document) SELECT d.id, "
        "setweight(to_tsvector('simple', d.title), 'A') || to_tsvector('simple', d.body) "
        "FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS text[]), CAST(:bodies AS text[])) AS d(id, title, body) "
        "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document"),
        {"ids": list(last), "titles": [t for t, _ in last.values()], "bodies": [b for _, b in last.values()]})


def index_stories(session: Session, story_ids: list[int]) -> None:
    """The search documents of many stories at once (what search.index.index_story writes for each:
    title; description, tag names and active comments), in four statements per 500 stories."""
    from storyline.stories.models import Comment, Story, StoryTag, Tag

    for i in range(0, len(story_ids), 500):
        chunk = story_ids[i:i + 500]
        stories = {sid: (title, description) for sid, title, description in session.execute(
            select(Story.id, Story.title, Story.description).where(Story.id.in_(chunk)))}
        tags: dict[int, list[str]] = {sid: [] for sid in stories}
        for sid, name in session.execute(select(StoryTag.story_id, Tag.name).join(Tag, Tag.id == StoryTag.tag_id)
                                         .where(StoryTag.story_id.in_(chunk))):
            tags[sid].append(name)
        comments: dict[int, list[str]] = {sid: [] for sid in stories}
        for sid, content in session.execute(select(Comment.story_id, Comment.content).where(
                Comment.story_id.in_(chunk), Comment.is_active.is_(True)).order_by(Comment.id)):
            comments[sid].append(content)
        put_documents(session, "story", [
            (sid, title, "\n".join([description or "", " ".join(sorted(tags[sid])), *comments[sid]]))
            for sid, (title, description) in stories.items()])


__all__ = ["BatchTransactions", "ImportFailed", "Summary", "add_refs", "describe", "find_refs", "index_stories",
           "insert_rows", "raise_sequence", "update_rows"]
