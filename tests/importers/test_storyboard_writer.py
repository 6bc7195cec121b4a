"""The StoryBoard import's writer on rows StoryBoard's database can hold but its API never makes (NULL
creators and addresses, two users with one OpenID identifier, a task without a branch, a reply to a later
comment, a relation removed since the last run), and the rows that are in the way of kept ids; on SQLite
and PostgreSQL. (The end-to-end import against the real StoryBoard is test_storyboard.py.)"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from storyline.db import make_engine, make_sessionmaker
from storyline.importers.common import ImportFailed
from storyline.importers.storyboard import records
from storyline.importers.storyboard.writer import Writer

_n = itertools.count(1)
T = "2020-05-01T10:00:00+00:00"


def world(story_tags: list[tuple[int, int]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "users": [
            {"id": 1, "full_name": "Admin", "email": "admin@example.org", "openid": "https://id/admin",
             "is_superuser": 1, "enable_login": 1, "created_at": T},
            {"id": 2, "full_name": None, "email": None, "openid": "https://id/shared", "is_superuser": 0},
            {"id": 3, "full_name": "Twin", "email": "twin@example.org", "openid": "https://id/shared"},
        ],
        "projects": [{"id": 5, "name": "nova", "is_active": 1, "created_at": T}],
        "branches": [{"id": 9, "name": "master", "project_id": 5, "created_at": T}],
        "stories": [{"id": 40, "title": "No creator", "creator_id": None, "private": 0, "created_at": T},
                    {"id": 41, "title": "Hers", "creator_id": 3, "private": 1, "security": 1, "created_at": T}],
        "tags": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        "story tags": [{"story_id": s, "tag_id": t} for s, t in story_tags],
        "story access (people)": [{"story_id": 41, "user_id": 3}],
        "tasks": [{"id": 70, "title": "no branch", "status": "merged", "creator_id": 1, "story_id": 40, "project_id": 5,
                   "branch_id": None, "created_at": T},
                  {"id": 71, "title": "orphan", "status": "todo", "creator_id": 1, "story_id": 999, "project_id": 5}],
        "comments": [{"id": 100, "content": "answers a later comment", "in_reply_to": 101, "story_id": 40,
                      "author_id": None, "is_active": 1, "created_at": T},
                     {"id": 101, "content": "later", "story_id": 40, "author_id": 3, "is_active": 1, "created_at": T}],
        "events": [{"id": 500, "event_type": "user_comment", "story_id": 40, "comment_id": 101, "author_id": 3,
                    "created_at": T},
                   {"id": 501, "event_type": "story_created", "story_id": 999, "author_id": 3, "created_at": T}],
    }


def write(url: str, rows: dict[str, list[dict[str, Any]]], dry_run: bool = False) -> Writer:
    engine = make_engine(url)
    try:
        writer = Writer(make_sessionmaker(engine), dry_run=dry_run, chunk=1)  # a transaction per row
        for entry in records.ORDER:
            if isinstance(entry, records.Kind):
                writer.write_kind(entry, rows.get(entry.name, []))
            elif isinstance(entry, records.Link):
                writer.write_link(entry, rows.get(entry.name, []))
        writer.finish()
        return writer
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_awkward_rows_are_written_and_a_second_run_follows_storyboard(url: str) -> None:
    writer = write(url, world([(40, 1), (40, 2)]))
    s = writer.summary
    assert s.created["stories"] == 2 and s.skipped["tasks"] == 1 and s.skipped["events"] == 1, s
    users = query(url, "SELECT id, full_name, email, openid FROM users ORDER BY id")
    assert users == [(1, "Admin", "admin@example.org", "https://id/admin"),
                     (2, "storyboard-user-2", "storyboard-user-2@storyboard.invalid", "https://id/shared"),
                     (3, "Twin", "twin@example.org", None)]  # the identifier stays with the first
    assert any("https://id/shared" in note for note in s.notes)
    # a missing creator or author is the first superuser's; a task without a branch is on master
    assert query(url, "SELECT creator_id FROM stories WHERE id = 40") == [(1,)]
    assert query(url, "SELECT author_id, in_reply_to FROM comments ORDER BY id") == [(1, 101), (3, None)]
    assert query(url, "SELECT branch_id FROM tasks") == [(9,)]
    assert query(url, "SELECT status, count_merged FROM stories WHERE id = 40") == [("merged", 1)]
    assert query(url, "SELECT information_type FROM stories WHERE id = 41") == [("private_security",)]
    assert query(url, "SELECT story_id, user_id FROM story_users") == [(41, 3)]

    again = write(url, world([(40, 1), (40, 2)]))
    assert not sum(again.summary.created.values()) and not sum(again.summary.updated.values()), again.summary
    # StoryBoard took tag b off story 40 since: the next run takes it off too
    later = write(url, world([(40, 1)]))
    assert later.summary.updated["story tags"] == 1
    assert query(url, "SELECT story_id, tag_id FROM story_tags") == [(40, 1)]


def test_a_dry_run_writes_nothing(url: str) -> None:
    writer = write(url, world([(40, 1)]), dry_run=True)
    assert writer.summary.created["users"] == 3 and writer.summary.created["comments"] == 2
    assert query(url, "SELECT count(*) FROM users") == [(0,)]


def test_rows_in_the_way_of_kept_ids(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:  # the operator's account, made before the import, with StoryBoard's address
        conn.execute(text("INSERT INTO users (id, full_name, email, is_superuser, enable_login, created_at) "
                          "VALUES (1, 'Ops', 'ADMIN@example.org', true, true, CURRENT_TIMESTAMP)"))
    engine.dispose()
    writer = write(url, world([]))
    assert query(url, "SELECT full_name, email FROM users WHERE id = 1") == [("Admin", "admin@example.org")]
    assert any("user 1" in note for note in writer.summary.notes)

    other = create_engine(url)
    with other.begin() as conn:  # a project made in Storyline under an id StoryBoard uses too
        conn.execute(text("INSERT INTO projects (id, name, is_active, autocreate_branches, created_at) "
                          "VALUES (6, 'swift', true, false, CURRENT_TIMESTAMP)"))
    other.dispose()
    rows = world([])
    rows["projects"].append({"id": 6, "name": "swift-from-storyboard"})
    with pytest.raises(ImportFailed, match="projects 6: Storyline already has one with this id"):
        write(url, rows)
