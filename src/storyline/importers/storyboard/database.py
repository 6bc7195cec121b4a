"""StoryBoard's own database (MySQL or MariaDB, read with PyMySQL): everything, private stories and
every user's preferences included, one streamed query per kind of object.

Needs PyMySQL (`pip install 'storyline[storyboard]'`). Only reads: the account needs SELECT alone.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storyline.importers.common import ImportFailed, describe
from storyline.importers.storyboard.records import ReadFailed

T = "created_at, updated_at"

QUERIES: dict[str, str] = {
    "users": f"SELECT id, full_name, email, openid, is_superuser, enable_login, last_login, {T} FROM users ORDER BY id",
    "preferences": "SELECT user_id, `key`, value, type FROM user_preferences ORDER BY id",
    "teams": f"SELECT id, name, security, {T} FROM teams ORDER BY id",
    "team members": "SELECT team_id, user_id FROM team_membership",
    "projects": f"SELECT id, name, description, is_active, repo_url, autocreate_branches, {T} FROM projects ORDER BY id",
    "team projects": "SELECT team_id, project_id FROM project_teams",
    "project groups": f"SELECT id, name, title, {T} FROM project_groups ORDER BY id",
    "project group members": "SELECT project_group_id, project_id FROM project_group_mapping",
    "branches": f"SELECT id, name, project_id, expired, expiration_date, autocreated, restricted, {T} FROM branches "
                "ORDER BY id",
    "milestones": f"SELECT id, name, branch_id, expired, expiration_date, {T} FROM milestones ORDER BY id",
    "stories": f"SELECT id, title, description, is_bug, creator_id, story_type_id, private, security, {T} FROM stories "
               "ORDER BY id",
    "tags": f"SELECT id, name, {T} FROM storytags ORDER BY id",
    "story tags": "SELECT story_id, storytag_id AS tag_id FROM story_storytags",
    # a private story's access list: the users and teams holding its permission(s)
    "story access (people)": "SELECT DISTINCT sp.story_id, up.user_id FROM story_permissions sp "
                             "JOIN user_permissions up ON up.permission_id = sp.permission_id",
    "story access (teams)": "SELECT DISTINCT sp.story_id, tp.team_id FROM story_permissions sp "
                            "JOIN team_permissions tp ON tp.permission_id = sp.permission_id",
    "tasks": f"SELECT id, title, status, creator_id, story_id, project_id, branch_id, milestone_id, assignee_id, link, "
             f"priority, {T} FROM tasks ORDER BY id",
    # a comment's story and author are on its timeline event (COMMENT_EVENTS: a join makes MariaDB scan)
    "comments": f"SELECT id, content, is_active, in_reply_to, {T} FROM comments ORDER BY id",
    "comment versions": f"SELECT id, comment_id, content, {T} FROM comments_history ORDER BY id",
    "due dates": f"SELECT id, name, date, private, creator_id, {T} FROM due_dates ORDER BY id",
    "worklists": f"SELECT id, title, creator_id, project_id, private, archived, automatic, {T} FROM worklists "
                 "ORDER BY id",
    "worklist filters": f"SELECT id, list_id, type, {T} FROM worklist_filters ORDER BY id",
    "filter criteria": f"SELECT id, filter_id, title, field, value, negative, {T} FROM filter_criteria ORDER BY id",
    "boards": f"SELECT id, title, description, creator_id, project_id, private, archived, {T} FROM boards ORDER BY id",
    "board lanes": f"SELECT id, board_id, list_id, position, {T} FROM board_worklists ORDER BY id",
    "worklist items": f"SELECT id, list_id, item_id, item_type, list_position, archived, display_due_date, {T} "
                      "FROM worklist_items ORDER BY id",
    "due date items": "SELECT due_date_id, 'story' AS item_type, story_id AS item_id FROM story_due_dates "
                      "UNION SELECT due_date_id, 'task', task_id FROM task_due_dates",
    "due date boards": "SELECT DISTINCT due_date_id, board_id FROM board_due_dates",
    "due date worklists": "SELECT DISTINCT due_date_id, worklist_id FROM worklist_due_dates",
    "events": f"SELECT id, event_type, event_info, story_id, worklist_id, board_id, author_id, comment_id, {T} "
              "FROM events ORDER BY id",
    "subscriptions": f"SELECT id, user_id, target_type, target_id, {T} FROM subscriptions ORDER BY id",
}

COMMENT_EVENTS = "SELECT comment_id, story_id, author_id FROM events WHERE comment_id IS NOT NULL ORDER BY id DESC"

# Worklists', boards' and due dates' permissions, with the people and teams holding them.
PERMISSION_OBJECTS = (("worklist", "worklist_permissions", "worklist_id"), ("board", "board_permissions", "board_id"),
                      ("due_date", "due_date_permissions", "due_date_id"))


class DatabaseSource:
    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy's several parse errors: the message says it
            raise ImportFailed(f"--database {url!r} is not a database URL: {exc}") from exc
        if not parsed.drivername.startswith(("mysql", "mariadb")):
            raise ImportFailed(f"--database: StoryBoard runs on MySQL or MariaDB; write mysql+pymysql://USER:PASSWORD@"
                               f"HOST/DATABASE (not {parsed.drivername})")
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        if parsed.get_driver_name() == "pymysql" and importlib.util.find_spec("pymysql") is None:
            raise ImportFailed("--database needs PyMySQL: pip install 'storyline[storyboard]' (or pymysql)")
        self.description = parsed.render_as_string(hide_password=True)
        self.requests = 0
        self.engine: Engine = create_engine(parsed, pool_pre_ping=True)
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM stories LIMIT 1"))
        except Exception as exc:  # noqa: BLE001 - any driver error: name the database and stop
            self.engine.dispose()
            orig = getattr(exc, "orig", None) or exc
            raise ImportFailed(f"cannot read StoryBoard's database {self.description}: {orig}") from exc

    def rows(self, kind: str) -> Iterator[dict[str, Any]]:
        if kind == "permissions":
            yield from self._permissions()
            return
        if kind == "comments":
            yield from self._comments()
            return
        yield from self._stream(QUERIES[kind])

    def _stream(self, query: str) -> Iterator[dict[str, Any]]:
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=2000).execute(text(query))
                self.requests += 1
                for row in result.mappings():
                    yield dict(row)
        except SQLAlchemyError as exc:
            raise ReadFailed(f"{self.description}: {describe(exc)}") from exc

    def _comments(self) -> Iterator[dict[str, Any]]:
        """Comments with the story and author of their event (the first, when there are several)."""
        with self.engine.connect() as conn:
            events = {cid: (sid, aid) for cid, sid, aid in conn.execute(text(COMMENT_EVENTS))}
            self.requests += 1
        for row in self._stream(QUERIES["comments"]):
            row["story_id"], row["author_id"] = events.get(row["id"], (None, None))
            yield row

    def _permissions(self) -> Iterable[dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for object_type, table, column in PERMISSION_OBJECTS:
                for pid, object_id, name, codename in conn.execute(text(
                        f"SELECT p.id, o.{column}, p.name, p.codename FROM {table} o "
                        "JOIN permissions p ON p.id = o.permission_id")):
                    out[pid] = {"object_type": object_type, "object_id": object_id, "codename": codename,
                                "name": name, "users": [], "teams": []}
            for member, table in (("users", "user_permissions"), ("teams", "team_permissions")):
                column = "user_id" if member == "users" else "team_id"
                for pid, holder in conn.execute(text(f"SELECT permission_id, {column} FROM {table}")):
                    if pid in out and holder is not None:
                        out[pid][member].append(holder)
            self.requests += 5
        return list(out.values())

    def covered(self, kind: str) -> set[int] | None:
        return None  # the database has every parent's relations

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["DatabaseSource", "QUERIES"]
