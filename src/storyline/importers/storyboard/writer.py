"""Writing StoryBoard's rows into Storyline under their StoryBoard ids, idempotently.

Each kind is written in chunks, one transaction each (`BatchTransactions`): the rows of the chunk
that Storyline lacks are inserted with their ids, the ones that differ are updated, the equal ones
left alone, so a second run changes nothing. Relations (a story's tags, a team's members, access
lists) are mirrored for every imported parent. A dry run reads and compares the same way and writes
nothing.

Ids are kept, so a Storyline row with the same id that did not come from StoryBoard is a conflict:
the import stops before that chunk, naming it. What is "ours": every id up to the largest one a
previous run wrote into that table (`import_refs`, source "storyboard", kind = the table, key
"max-id"). The one exception is a user: a Storyline account with the same id and the same e-mail
address or OpenID identifier (the operator's account, created before the import) is taken over.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from storyline.db import utcnow
from storyline.importers.common import BatchTransactions, ImportFailed, Summary, index_stories, raise_sequence
from storyline.importers.models import ImportRef
from storyline.importers.storyboard import mapping
from storyline.importers.storyboard.records import (
    PERMISSION_TEAMS,
    PERMISSION_USERS,
    SOURCE,
    USERS,
    Kind,
    Link,
)
from storyline.planning.models import PlanningPermission
from storyline.search import index as search_index
from storyline.sqltools import table_of
from storyline.stories.models import TASK_STATUSES, Comment, Story, Task

log = logging.getLogger("storyline.import")

WATERMARK = "max-id"
# what an item, a subscription or a due date points at, by its type
TARGET_KINDS = {"story": "stories", "task": "tasks", "project": "projects", "project_group": "project groups",
                "worklist": "worklists"}
OBJECT_KINDS = {"worklist": "worklists", "board": "boards", "due_date": "due dates"}
SEARCHED = {"stories": "story", "tasks": "task", "projects": "project", "users": "user"}


def _chunks(rows: Iterable[Any], size: int) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Writer(BatchTransactions):
    def __init__(self, factory: sessionmaker[Session], *, dry_run: bool = False, chunk: int = 1000) -> None:
        super().__init__(factory, dry_run)
        self.chunk = chunk
        self.summary = Summary()
        self.known: dict[str, set[int]] = defaultdict(set)  # ids of the source's rows, by kind, once written
        self.top: Counter[str] = Counter()  # largest id seen, by table
        self.masters: dict[int, int] = {}  # project id: its master branch
        self.fallback_user: int | None = None
        self.fallbacks: Counter[str] = Counter()  # references to missing users given to the fallback
        self.stories_to_refresh: set[int] = set()  # status and counts, from the tasks
        self.to_index: dict[str, set[int]] = defaultdict(set)  # search documents to write, by kind
        self.replies: list[tuple[int, int]] = []  # (comment, the comment it answers) written last
        self.openids: set[str] = set()
        self.superusers: set[int] = set()
        self.seen: dict[str, set[tuple[Any, ...]]] = defaultdict(set)  # natural keys seen, by kind
        with factory() as session:
            self.watermarks: dict[str, int] = dict(session.execute(
                select(ImportRef.kind, ImportRef.local_id).where(ImportRef.source == SOURCE,
                                                                 ImportRef.key == WATERMARK)).all())

    # ---- objects with ids --------------------------------------------------------------------------

    def write_kind(self, kind: Kind, rows: Iterable[dict[str, Any]]) -> None:
        for chunk in _chunks(rows, self.chunk):
            self.in_chunk: set[int] = set()
            unique = {row["id"]: row for row in chunk if row["id"] not in self.known[kind.name]}
            if len(unique) < len(chunk):  # read twice (a list that moved while it was paged)
                self.summary.skipped[kind.name] += len(chunk) - len(unique)
            planned = [r for r in (self._prepare(kind, mapping.to_storyline(kind.name, row))
                                   for row in unique.values()) if r]
            if not planned:
                continue
            with self.transaction() as session:
                self._write_chunk(session, kind, planned)
            for row in planned:
                self.known[kind.name].add(row["id"])
        if kind is USERS:
            self._choose_fallback()

    def _prepare(self, kind: Kind, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row with its references checked: a missing user becomes the fallback user, another
        missing optional reference None; a row missing what it cannot live without is skipped."""
        name = kind.name
        if name == "tasks" and row.get("branch_id") is None:
            row["branch_id"] = self.masters.get(row.get("project_id") or 0)
        if name == "users" and row["is_superuser"]:
            self.superusers.add(row["id"])
        if name == "users" and row["openid"]:
            if row["openid"] in self.openids:  # StoryBoard does not keep them unique; Storyline does
                self.summary.notes.append(f"user {row['id']}: OpenID identifier {row['openid']} is also another "
                                          "user's; left out (it stays with the first)")
                row["openid"] = None
            else:
                self.openids.add(row["openid"])
        if name in ("worklist items", "subscriptions"):
            target = TARGET_KINDS.get(row["item_type" if name == "worklist items" else "target_type"])
            if target is None or row["item_id" if name == "worklist items" else "target_id"] not in self.known[target]:
                self.summary.skipped[name] += 1  # what it points at was not imported (hidden from the API)
                return None
        if name == "subscriptions":
            natural = (row["user_id"], row["target_type"], row["target_id"])
            if natural in self.seen[name]:
                self.summary.skipped[name] += 1  # a duplicate (StoryBoard does not prevent them)
                return None
            self.seen[name].add(natural)
        if name == "board lanes":
            if row["list_id"] in self.seen[name]:
                self.summary.skipped[name] += 1
                return None
            self.seen[name].add(row["list_id"])
        if name == "events" and row["story_id"] is not None and row["story_id"] not in self.known["stories"]:
            self.summary.skipped[name] += 1  # a private story's event
            return None
        if name == "events" and row["event_type"] == "user_comment" and row["comment_id"] not in self.known["comments"]:
            self.summary.skipped[name] += 1
            return None
        for column, (target, required) in kind.refs.items():
            value = row.get(column)
            if value is not None and value in self.known[target]:
                continue
            if target == "users" and required and self.fallback_user is not None:
                row[column] = self.fallback_user
                self.fallbacks[f"{name}.{column}"] += 1
            elif required:
                self.summary.skipped[name] += 1
                return None
            else:
                row[column] = None
        if name == "comments":
            parent = row["in_reply_to"]
            # a reply to a comment written before it (or earlier in this chunk: rows go in id order) is
            # written as it is; one to a comment not there yet, once every comment is
            if parent is not None and parent not in self.known["comments"] and parent not in self.in_chunk:
                row["in_reply_to"] = None
                row["_keep"] = ("in_reply_to",)  # a second run leaves the value finish() wrote
                self.replies.append((row["id"], parent))
            self.in_chunk.add(row["id"])
        return row

    def _choose_fallback(self) -> None:
        """Who a reference to a missing user (a NULL creator, an account hidden from the API) points at:
        the first superuser, else the first user."""
        self.fallback_user = min(self.superusers or self.known["users"], default=None)

    def _write_chunk(self, session: Session, kind: Kind, rows: list[dict[str, Any]]) -> None:
        table = kind.table
        ids = [r["id"] for r in rows]
        self.top[table.name] = max(self.top[table.name], *ids)
        columns = [table.c[c] for c in kind.columns]
        existing = {r[0]: r for r in session.execute(select(table.c.id, *columns).where(table.c.id.in_(ids)))}
        self._check_conflicts(session, kind, rows, existing)
        if not self.dry_run and max(ids) > self.watermarks.get(table.name, 0):
            self._raise_watermark(session, table.name, max(ids))
        for row in rows:
            for column in row.pop("_keep", ()):
                if row["id"] in existing:
                    row[column] = existing[row["id"]][kind.columns.index(column) + 1]
        new = [r for r in rows if r["id"] not in existing]
        compared = [c for c in kind.columns if c not in kind.insert_only]
        changed = []
        for row in rows:
            old = existing.get(row["id"])
            if old is not None and any(_differs(old[i + 1], row[c]) for i, c in enumerate(kind.columns)
                                       if c in compared):
                changed.append(row)
        if new:
            self.summary.created[kind.name] += len(new)
            if not self.dry_run:
                session.execute(insert(table), [{c: r[c] for c in ("id", *kind.columns)} for r in new])
        if changed:
            self.summary.updated[kind.name] += len(changed)
            if not self.dry_run:
                session.execute(update(table).where(table.c.id == bindparam("_id")).values(
                    {c: bindparam(f"_{c}") for c in compared}),
                    [{"_id": r["id"], **{f"_{c}": r[c] for c in compared}} for r in changed])
        if kind.name == "branches":
            self.masters.update((r["project_id"], r["id"]) for r in rows if r["name"] == "master")
        if kind.name == "tasks":  # a task moved to another story: both change status
            self.stories_to_refresh.update(existing[r["id"]][kind.columns.index("story_id") + 1] for r in changed)
        self._after_chunk(kind, new + changed)

    def _after_chunk(self, kind: Kind, written: list[dict[str, Any]]) -> None:
        name = kind.name
        if name in SEARCHED:
            self.to_index[name].update(r["id"] for r in written)
        if name == "stories":
            self.stories_to_refresh.update(r["id"] for r in written)
        if name == "tasks":
            self.stories_to_refresh.update(r["story_id"] for r in written)
        if name == "comments":
            self.to_index["stories"].update(r["story_id"] for r in written)

    def _check_conflicts(self, session: Session, kind: Kind, rows: list[dict[str, Any]],
                         existing: dict[int, Any]) -> None:
        table = kind.table
        mark = self.watermarks.get(table.name, 0)
        for row in rows:
            if row["id"] not in existing or row["id"] <= mark:
                continue
            if kind is USERS and self._same_person(existing[row["id"]], row):
                self.summary.notes.append(f"user {row['id']} ({row['email']}): the Storyline account with this id "
                                          "and address or OpenID identifier is that person; it takes StoryBoard's values")
                continue
            raise ImportFailed(
                f"{kind.name} {row['id']}: Storyline already has one with this id, which did not come from StoryBoard "
                f"(the ids are kept, so it is in the way): import into a new Storyline database (`storyline db "
                f"upgrade` on an empty one) before anything else is created in it")
        for column in kind.unique:
            values = {r[column]: r["id"] for r in rows if r[column] is not None}
            if not values:
                continue
            for holder, value in session.execute(select(table.c.id, table.c[column]).where(
                    table.c[column].in_(list(values)))):
                if holder != values[value]:
                    raise ImportFailed(
                        f"StoryBoard's {kind.name} {values[value]} has the {column} {value!r}, which Storyline's "
                        f"{kind.name} {holder} already has (Storyline keeps it unique): rename one of them and run "
                        "again")

    @staticmethod
    def _same_person(old: Any, row: dict[str, Any]) -> bool:
        email, openid = old[2], old[3]  # (id, full_name, email, openid, ...)
        return bool((email and email.lower() == row["email"].lower()) or (openid and openid == row["openid"]))

    # ---- relations ---------------------------------------------------------------------------------

    def write_link(self, link: Link, rows: Iterable[dict[str, Any]], covered: set[int] | None = None) -> None:
        """Mirror the relation for each parent imported (or each of `covered`, what the source could see)."""
        planned: dict[int, dict[tuple[Any, ...], tuple[Any, ...]]] = defaultdict(dict)
        for raw in rows:
            row = mapping.to_storyline(link.name, raw)
            if row[link.parent] not in self.known[link.parent_kind]:
                self.summary.skipped[link.name] += 1
                continue
            if link.name == "due date items":
                target = TARGET_KINDS.get(row["item_type"])
                if target is None or row["item_id"] not in self.known[target]:
                    self.summary.skipped[link.name] += 1
                    continue
            if any(row[c] not in self.known[target] for c, (target, _) in link.refs.items()):
                self.summary.skipped[link.name] += 1
                continue
            planned[row[link.parent]][tuple(row[c] for c in link.key)] = tuple(row[c] for c in link.values)
        parents = sorted(covered if covered is not None else self.known[link.parent_kind])
        for chunk in _chunks(parents, self.chunk):
            with self.transaction() as session:
                self._mirror(session, link, chunk, planned)

    def _mirror(self, session: Session, link: Link, parents: list[int],
                planned: dict[int, dict[tuple[Any, ...], tuple[Any, ...]]]) -> None:
        table = link.table
        parent = table.c[link.parent]
        existing: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for row in session.execute(select(parent, *[table.c[c] for c in (*link.key, *link.values)])
                                   .where(parent.in_(parents))):
            existing[tuple(row[:1 + len(link.key)])] = tuple(row[1 + len(link.key):])
        wanted = {(p, *key): values for p in parents for key, values in planned.get(p, {}).items()}
        names = (link.parent, *link.key)
        new = [k for k in wanted if k not in existing]
        gone = [k for k in existing if k not in wanted]
        changed = [k for k in wanted if k in existing and existing[k] != wanted[k]]
        if new:
            self.summary.created[link.name] += len(new)
            if not self.dry_run:
                session.execute(insert(table), [{**dict(zip(names, k, strict=True)),
                                                 **dict(zip(link.values, wanted[k], strict=True))} for k in new])
        if gone:
            self.summary.updated[link.name] += len(gone)  # (removed: StoryBoard no longer has them)
            if not self.dry_run:
                for i in range(0, len(gone), 500):
                    session.execute(delete(table).where(tuple_(*[table.c[n] for n in names]).in_(gone[i:i + 500])))
        if changed:
            self.summary.updated[link.name] += len(changed)
            if not self.dry_run:
                session.execute(update(table).where(*[table.c[n] == bindparam(f"_{n}") for n in names]).values(
                    {c: bindparam(f"_{c}") for c in link.values}),
                    [{**{f"_{n}": v for n, v in zip(names, k, strict=True)},
                      **{f"_{c}": v for c, v in zip(link.values, wanted[k], strict=True)}} for k in changed])
        if link.name in ("story tags",) and (new or gone):
            self.to_index["stories"].update(k[0] for k in (*new, *gone))

    # ---- planning permissions ----------------------------------------------------------------------

    def write_permissions(self, rows: Iterable[dict[str, Any]]) -> None:
        """Worklists', boards' and due dates' permissions: Storyline keeps one per object and codename
        (StoryBoard's own ids are not kept: nothing in v1 shows them), with the people and teams holding it."""
        merged: dict[tuple[str, int, str], dict[str, Any]] = {}
        for row in rows:
            kind = OBJECT_KINDS.get(row["object_type"])
            if kind is None or row["object_id"] not in self.known[kind]:
                self.summary.skipped["permissions"] += 1
                continue
            key = (row["object_type"], row["object_id"], row["codename"])
            entry = merged.setdefault(key, {"name": row.get("name"), "users": set(), "teams": set()})
            entry["users"].update(row.get("users") or ())
            entry["teams"].update(row.get("teams") or ())
        table = table_of(PlanningPermission)
        ids: dict[tuple[str, int, str], int] = {}
        for chunk in _chunks(sorted(merged), self.chunk):
            with self.transaction() as session:
                objects = sorted({(t, o) for t, o, _ in chunk})
                existing = {(t, o, c): (pid, name) for pid, t, o, c, name in session.execute(
                    select(table.c.id, table.c.object_type, table.c.object_id, table.c.codename, table.c.name).where(
                        tuple_(table.c.object_type, table.c.object_id).in_(objects)))}
                for key in chunk:
                    name = merged[key]["name"] or f"{key[2]}_{key[1]}"
                    if key in existing:
                        ids[key] = existing[key][0]
                        if existing[key][1] != name:
                            self.summary.updated["permissions"] += 1
                            if not self.dry_run:
                                session.execute(update(table).where(table.c.id == ids[key]).values(name=name))
                        continue
                    self.summary.created["permissions"] += 1
                    if self.dry_run:
                        ids[key] = -len(ids) - 1
                        continue
                    ids[key] = session.execute(insert(table).values(
                        object_type=key[0], object_id=key[1], codename=key[2], name=name,
                        created_at=utcnow()).returning(table.c.id)).scalar_one()
        self.known["permissions"] = set(ids.values())
        for link, field in ((PERMISSION_USERS, "users"), (PERMISSION_TEAMS, "teams")):
            self.write_link(link, [{"permission_id": ids[key], link.key[0]: member}
                                   for key, entry in merged.items() for member in sorted(entry[field])],
                            covered=set(ids.values()))  # (a dry run's are negative: counted, not written)

    # ---- the end -----------------------------------------------------------------------------------

    def finish(self) -> None:
        """Replies between comments, story statuses, search documents, sequences, the watermarks."""
        if self.fallbacks:
            self.summary.notes.append(
                f"references to users missing from StoryBoard were given to user {self.fallback_user}: "
                + ", ".join(f"{n} {what}" for what, n in sorted(self.fallbacks.items())))
        replies = [(c, p) for c, p in self.replies if p in self.known["comments"]]
        comments = table_of(Comment)
        for chunk in _chunks(replies, self.chunk):
            with self.transaction() as session:
                current = dict(session.execute(select(comments.c.id, comments.c.in_reply_to).where(
                    comments.c.id.in_([c for c, _ in chunk]))).all())
                todo = [(c, p) for c, p in chunk if current.get(c) != p]
                if todo and not self.dry_run:
                    session.execute(update(comments).where(comments.c.id == bindparam("_id")).values(
                        in_reply_to=bindparam("_parent")), [{"_id": c, "_parent": p} for c, p in todo])
        if self.dry_run:
            return
        for chunk in _chunks(sorted(self.stories_to_refresh), self.chunk):
            with self.transaction() as session:
                session.execute(_STATUS_FROM_TASKS, {"ids": chunk})
        for kind, ids in self.to_index.items():
            for chunk in _chunks(sorted(ids), self.chunk):
                with self.transaction() as session:
                    if kind == "stories":
                        index_stories(session, chunk)
                    else:
                        self._index(session, kind, chunk)
        with self.transaction() as session:
            for table, top in self.top.items():
                raise_sequence(session, table, top)

    def _raise_watermark(self, session: Session, table: str, top: int) -> None:
        """Ids up to `top` in `table` are StoryBoard's from now on (written with the rows themselves, so a
        run cut short leaves no row it would take for someone else's)."""
        refs = table_of(ImportRef)
        done = session.execute(update(refs).where(refs.c.source == SOURCE, refs.c.kind == table,
                                                  refs.c.key == WATERMARK).values(local_id=top))
        if not done.rowcount:  # type: ignore[attr-defined]
            session.execute(insert(refs).values(source=SOURCE, kind=table, key=WATERMARK, local_id=top,
                                                imported_at=utcnow()))
        self.watermarks[table] = top

    @staticmethod
    def _index(session: Session, kind: str, ids: list[int]) -> None:
        from storyline.projects.models import Project
        from storyline.stories.models import Task
        from storyline.users.models import User

        if kind == "tasks":
            rows = [(i, t, "") for i, t in session.execute(select(Task.id, Task.title).where(Task.id.in_(ids)))]
        elif kind == "projects":
            rows = [(i, n, d or "") for i, n, d in session.execute(
                select(Project.id, Project.name, Project.description).where(Project.id.in_(ids)))]
        else:  # users: by full name only (addresses are not public)
            rows = [(i, n, "") for i, n in session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))]
        search_index.put_many(session, SEARCHED[kind], rows)


def _status_from_tasks() -> Any:
    """One UPDATE for many stories: what stories.service.refresh_status computes for each (the count of
    tasks per status, and the status: active, else merged, else invalid)."""
    stories, tasks = table_of(Story), table_of(Task)

    def count(*statuses: str) -> Any:
        return (select(func.count()).where(tasks.c.story_id == stories.c.id, tasks.c.status.in_(statuses))
                .scalar_subquery())

    values: dict[str, Any] = {f"count_{status}": count(status) for status in TASK_STATUSES}
    values["status"] = case((count("todo", "inprogress", "review") > 0, "active"), (count("merged") > 0, "merged"),
                            else_="invalid")
    return update(stories).where(stories.c.id.in_(bindparam("ids", expanding=True))).values(values)


_STATUS_FROM_TASKS = _status_from_tasks()


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old) != bool(new) if old is not None and new is not None else old is not new
    return bool(old != new)


__all__ = ["Writer"]
