"""Each endpoint's query count is bounded: a story with 1,500 tasks costs what a story with 1 costs."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from builders import Api, Persona, app_on, client_of, make_persona, uniq
from fastapi.testclient import TestClient
from migrated import like
from sqlalchemy import event

from storyline.db import session_scope
from storyline.projects.queries import master_branch_id
from storyline.stories.models import Comment, Event, StoryTag, Tag, Task
from storyline.stories.service import refresh_status


# A database of this module's own: what a write costs depends on who follows and which webhooks exist,
# and the session's database holds what other tests left there (a hook for every story writes an
# outbox row for each event).
@pytest.fixture(scope="module")
def app(database_url: str, pg: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with app_on(like(database_url, pg, tmp_path_factory.mktemp("counts"), "storyline_query_counts")) as application:
        yield application


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with client_of(app) as c:
        yield c


@pytest.fixture(scope="module")
def admin(app: Any) -> Persona:
    return make_persona(app, superuser=True, name="Admin Person")


@pytest.fixture()
def api(client: TestClient, admin: Persona) -> Api:
    return Api(client, admin)


@pytest.fixture()
def user(app: Any) -> Persona:
    return make_persona(app)


@pytest.fixture()
def other(app: Any) -> Persona:
    return make_persona(app)


@contextlib.contextmanager
def count_queries(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if threading.current_thread().name.startswith("storyline-"):
            return  # the server's own background threads (outbox delivery, worker), not the request
        head = statement.lstrip().upper()
        # Transaction control, and the at-most-once-a-minute note of a token's last use, are not
        # part of what an endpoint reads.
        if not head.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "UPDATE ACCESS_TOKENS",
                                "SET LOCAL", "PRAGMA")):
            statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(app.state.engine, "before_cursor_execute", _record)


def _fill(app, story_id: int, project_ids: list[int], creator_id: int, n: int) -> None:
    """Bulk rows for a big story: tasks over several projects, events, comments and tags."""
    with session_scope(app.state.write_sessions) as session:
        branches = {p: master_branch_id(session, p) for p in project_ids}
        session.add_all(
            Task(title=f"Bulk task {i}", status=("todo", "merged", "review")[i % 3], creator_id=creator_id,
                 story_id=story_id, project_id=project_ids[i % len(project_ids)],
                 branch_id=branches[project_ids[i % len(project_ids)]], assignee_id=creator_id)
            for i in range(n)
        )
        comments = [Comment(content=f"c{i}", story_id=story_id, author_id=creator_id) for i in range(min(n, 50))]
        session.add_all(comments)
        session.flush()
        session.add_all(Event(event_type="user_comment", story_id=story_id, author_id=creator_id,
                              comment_id=c.id) for c in comments)
        session.add_all(Event(event_type="task_assignee_changed", story_id=story_id, author_id=creator_id,
                              event_info=f'{{"old_assignee_id": null, "new_assignee_id": {creator_id}}}')
                        for _ in range(min(n, 50)))
        tags = [Tag(name=uniq("bulktag")) for _ in range(min(n, 5))]
        session.add_all(tags)
        session.flush()
        session.add_all(StoryTag(story_id=story_id, tag_id=t.id) for t in tags)
        refresh_status(session, [story_id])


def test_query_count_does_not_grow_with_tasks(client, api, user, app):
    projects = [api.project()["id"] for _ in range(3)]
    small = api.story(user, private=True)
    big = api.story(user, private=True)
    _fill(app, small["id"], projects[:1], user.id, 1)
    _fill(app, big["id"], projects, user.id, 1500)
    big_tasks = client.get(f"/v1/stories/{big['id']}/tasks", headers=user.headers)
    assert big_tasks.headers["X-Total"] == "1500" and len(big_tasks.json()) == 1500

    paths = [
        "/v1/stories/{id}", "/v1/stories/{id}/tasks", "/v1/stories/{id}/events", "/v1/stories/{id}/comments",
        "/v1/tasks?story_id={id}", "/v1/tags?story_id={id}", "/v1/events?story_id={id}",
        "/v1/stories?creator_id=" + str(user.id),
    ]
    for path in paths:
        counts = []
        for story in (small, big):
            with count_queries(app) as statements:
                r = client.get(path.format(id=story["id"]), headers=user.headers)
            assert r.status_code == 200, (path, r.text)
            counts.append(len(statements))
        assert counts[0] == counts[1], (path, counts)
        assert counts[1] <= 8, (path, counts)


def test_adding_and_moving_a_card_cost_the_same_on_a_long_list(client, api, user, app):
    """A card put at the top of a list, then moved to its end, writes that card only: the same
    statements (an executemany's parameter sets counted one by one) on a list of 2 cards or 40."""
    sent: list[int] = []

    def _rows(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if not threading.current_thread().name.startswith("storyline-"):
            sent.append(len(parameters) if executemany else 1)

    stories = [api.story(user)["id"] for _ in range(41)]
    counts = []
    for size in (2, 40):
        wl = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Cards "), "automatic": False})
        for sid in stories[:size]:  # appended: the list has room at the top (see test_worklist_positions)
            api.ok("POST", f"/v1/worklists/{wl['id']}/items", user, json={"item_id": sid, "item_type": "story"})
        sent.clear()
        event.listen(app.state.engine, "before_cursor_execute", _rows)
        try:
            card = api.ok("POST", f"/v1/worklists/{wl['id']}/items", user,
                          json={"item_id": stories[40], "item_type": "story", "list_position": 0})
            api.ok("PUT", f"/v1/worklists/{wl['id']}/items/{card['id']}", user, json={"list_position": size})
        finally:
            event.remove(app.state.engine, "before_cursor_execute", _rows)
        counts.append(sum(sent))
        items = client.get(f"/v1/worklists/{wl['id']}/items", headers=user.headers).json()
        assert sorted(i["list_position"] for i in items) == list(range(size + 1))
        assert [i["item_id"] for i in items if i["list_position"] == size] == [stories[40]]
    assert counts[0] == counts[1], counts


def test_a_write_costs_the_same_statements_on_a_big_story(client, api, user, other, app):
    """A comment, a task's status, a new tag and its removal cost a fixed number of statements (prebuilt
    ones: the same on a story with 1,500 tasks as on one with 1), and an event that nobody but its author
    follows writes no outbox row; once someone else follows the story, it writes one."""
    project = api.project()["id"]
    small = api.story(user)
    big = api.story(user)
    _fill(app, small["id"], [project], user.id, 1)
    _fill(app, big["id"], [project], user.id, 1500)
    tasks = {s["id"]: api.task(s["id"], project, user)["id"] for s in (small, big)}

    def writes(story_id: int, n: int) -> list[tuple[str, str, str, dict | None]]:
        tag = uniq("cost")
        return [("comment", "POST", f"/v1/stories/{story_id}/comments", {"content": f"cost {n}"}),
                ("status", "PUT", f"/v1/tasks/{tasks[story_id]}", {"status": ("inprogress", "review")[n % 2]}),
                ("tag", "PUT", f"/v1/stories/{story_id}/tags?tags={tag}", None),
                ("untag", "DELETE", f"/v1/stories/{story_id}/tags?tags={tag}", None)]

    counts: dict[str, list[int]] = {}
    for n, story in enumerate((small, big)):
        for kind, method, path, body in writes(story["id"], n):
            with count_queries(app) as statements:
                r = client.request(method, path, headers=user.headers, json=body)
            assert r.status_code in (200, 204), (kind, r.text)
            assert not [s for s in statements if "INSERT INTO outbox" in s], (kind, statements)
            counts.setdefault(kind, []).append(len(statements))
    for kind, (on_small, on_big) in counts.items():
        assert on_small == on_big, (kind, counts)
    # comment: its author follows the story (one read when they do already)
    limits = {"comment": 10, "status": 11, "tag": 16, "untag": 12}
    if app.state.engine.dialect.name != "sqlite":
        # Each statement a round trip: the comment's row, story touch, search words and its author's
        # following the story are one, and the event's INSERT asks who follows; the status's story touch takes the projects', and its count
        # sets the story (docs/architecture.md, "CPU per write").
        limits.update(comment=4, status=6)
    assert all(counts[k][0] <= limits[k] for k in limits), counts

    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "story", "target_id": small["id"]})
    with count_queries(app) as statements:
        api.ok("POST", f"/v1/stories/{small['id']}/comments", user, json={"content": "followed"})
    assert len([s for s in statements if "INSERT INTO outbox" in s]) == 1, statements
    inbox = client.get(f"/v1/subscription_events?subscriber_id={other.id}&event_type=user_comment",
                       headers=other.headers).json()
    assert [e["event_type"] for e in inbox] == ["user_comment"]
