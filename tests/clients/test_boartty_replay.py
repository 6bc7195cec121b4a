"""boartty's sync, replayed request for request against a real server, on both engines.

boartty (the offline terminal client) talks to `<url>api/v1/...` through `boartty/sync.py`: GETs with
`Accept: application/json`, writes with a `json.dumps` body and `Content-Type:
application/json;charset=UTF-8`, a GET's answer used only when it is a 200. The order below is its
task queue's: version, own user, projects, users, project subscriptions, the stories of each
subscribed project (first without, then with `updated_since`), each story's tags, tasks and events,
the users it does not know, boards, worklists; then its uploads (UpdateStoryTask, UpdateTaskTask,
AddCommentTask), each followed by a SyncStoryTask, and the incremental sync afterwards.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from builders import Persona, uniq
from liveserver import LiveServer, live_server  # noqa: F401

from storyline import __version__


class Boartty:
    """boartty's Sync.get/post/put/delete over httpx (same URLs, headers and bodies)."""

    def __init__(self, server: LiveServer, token: str) -> None:  # noqa: F811
        self.http = httpx.Client(timeout=30)
        self.root = f"{server.base}/"  # boartty's config url ends with a slash; it adds 'api/' + path
        self.token = f"Bearer {token}"
        self.user_agent = "Boartty/0.0.0 python-requests/2.31.0"
        self.log: list[tuple[str, str, int]] = []

    def url(self, path: str) -> str:
        return self.root + "api/" + path

    def _record(self, r: httpx.Response) -> httpx.Response:
        self.log.append((r.request.method, r.request.url.raw_path.decode(), r.status_code))
        return r

    def get(self, path: str) -> Any:
        r = self._record(self.http.get(self.url(path), headers={
            "Accept": "application/json", "Accept-Encoding": "gzip", "User-Agent": self.user_agent,
            "Authorization": self.token}))
        assert r.status_code == 200, ("GET", path, r.status_code, r.text[:300])
        return json.loads(r.text)

    def _write(self, method: str, path: str, data: Any) -> httpx.Response:
        return self._record(self.http.request(method, self.url(path), content=json.dumps(data).encode("utf8"), headers={
            "Content-Type": "application/json;charset=UTF-8", "User-Agent": self.user_agent,
            "Authorization": self.token}))

    def post(self, path: str, data: Any) -> Any:
        r = self._write("POST", path, data)
        assert r.status_code == 200, ("POST", path, r.status_code, r.text[:300])
        return json.loads(r.text)

    def put(self, path: str, data: Any) -> Any:
        r = self._write("PUT", path, data)
        assert r.status_code == 200, ("PUT", path, r.status_code, r.text[:300])
        return json.loads(r.text)

    def delete(self, path: str, data: Any) -> None:
        r = self._write("DELETE", path, data)
        assert r.status_code == 204, ("DELETE", path, r.status_code, r.text[:300])
        assert r.text == ""


def format_datetime(value: datetime.datetime) -> str:
    """boartty's formatDateTime: str() of a naive UTC datetime, then '+00:00'."""
    return str(value) + "+00:00"


def parse_version(version: str) -> tuple[int, int, int]:
    """boartty's Sync.setRemoteVersion."""
    parts = [int(p) for p in version.split("-")[0].split(".")]
    return (parts + [0, 0, 0])[0], (parts + [0, 0])[1], (parts + [0, 0, 0])[2]


class World:
    """The server's data before boartty starts, arranged through the API by a superuser."""

    def __init__(self, server: LiveServer) -> None:  # noqa: F811
        self.server = server
        self.admin_http = httpx.Client(base_url=server.api, headers=server.admin.headers, timeout=30)
        self.me: Persona = server.persona(name=uniq("Boartty User "))
        self.other: Persona = server.persona(name=uniq("Other Person "))

    def call(self, method: str, path: str, who: Persona | None = None, **kw: Any) -> Any:
        headers = (who or self.server.admin).headers
        r = self.admin_http.request(method, path, headers=headers, **kw)
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text[:300])
        return r.json() if r.content else None

    def build(self) -> None:
        self.project = self.call("POST", "/projects", json={"name": uniq("boartty-"), "description": "Watched"})
        self.elsewhere = self.call("POST", "/projects", json={"name": uniq("elsewhere-")})
        self.call("POST", "/subscriptions", self.me,
                  json={"target_type": "project", "target_id": self.project["id"], "user_id": self.me.id})
        p = self.project["id"]
        self.a = self.call("POST", "/stories", self.other, json={"title": "Story A", "description": "About A"})
        self.a_task = self.call("POST", "/tasks", self.other, json={
            "story_id": self.a["id"], "project_id": p, "title": "Task of A", "assignee_id": self.other.id})
        self.call("PUT", f"/tags/{self.a['id']}", self.other, json=["ui"])
        self.call("POST", f"/stories/{self.a['id']}/comments", self.other, json={"content": "First comment"})
        self.b = self.call("POST", "/stories", json={"title": "Story B", "description": "About B"})
        self.b_task = self.call("POST", "/tasks", json={"story_id": self.b["id"], "project_id": p, "title": "Task of B"})
        self.c = self.call("POST", "/stories", json={"title": "Story C elsewhere"})
        self.call("POST", "/tasks", json={"story_id": self.c["id"], "project_id": self.elsewhere["id"], "title": "Task of C"})
        self.hidden = self.call("POST", "/stories", json={"title": "Private D", "private": True})
        self.call("POST", "/tasks", json={"story_id": self.hidden["id"], "project_id": p, "title": "Hidden task"})
        self.worklist = self.call("POST", "/worklists", json={"title": uniq("Boartty list "), "automatic": False})
        for item_type, item_id in (("story", self.a["id"]), ("task", self.b_task["id"])):
            self.call("POST", f"/worklists/{self.worklist['id']}/items",
                      json={"item_id": item_id, "item_type": item_type, "list_position": 0})
        self.loose = self.call("POST", "/worklists", json={"title": uniq("Loose list "), "automatic": False})
        self.call("POST", f"/worklists/{self.loose['id']}/items",
                  json={"item_id": self.a["id"], "item_type": "story", "list_position": 0})
        self.board = self.call("POST", "/boards", json={
            "title": uniq("Boartty board "), "description": "Lanes", "lanes": [{"list_id": self.worklist["id"]}]})


@pytest.fixture()
def world(live_server: LiveServer) -> Iterator[World]:  # noqa: F811
    w = World(live_server)
    w.build()
    yield w
    w.admin_http.close()


def sync_story(bt: Boartty, story_id: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """SyncStoryTask: the story (unless the list gave it), its tags, tasks and events; the fields it reads."""
    story = data if data is not None else bt.get(f"v1/stories/{story_id}")
    tags = bt.get(f"v1/stories/{story_id}/tags")
    tasks = bt.get(f"v1/stories/{story_id}/tasks")
    events = bt.get(f"v1/stories/{story_id}/events")
    for key in ("id", "title", "description", "updated_at", "creator_id", "created_at", "private", "status"):
        assert key in story, key
    assert story["id"] == story_id
    for tag in tags:
        assert isinstance(tag["id"], int) and isinstance(tag["name"], str)
    assert sorted(t["name"] for t in tags) == sorted(story.get("tags", [t["name"] for t in tags]))
    for task in tasks:
        for key in ("id", "title", "status", "created_at", "creator_id", "assignee_id", "project_id", "link"):
            assert key in task, key
        assert task["story_id"] == story_id
    for event in events:
        for key in ("id", "event_type", "author_id", "created_at", "event_info"):
            assert key in event, key
        if "comment" in event:
            assert {"id", "content", "in_reply_to"} <= set(event["comment"])
    return {"story": story, "tags": tags, "tasks": tasks, "events": events}


def users_of(bt: Boartty, synced: dict[str, Any], known: dict[int, dict[str, Any]]) -> None:
    """getUser: a user boartty does not know yet is read with GET v1/users/{id}."""
    wanted = {synced["story"]["creator_id"]}
    wanted |= {t["creator_id"] for t in synced["tasks"]} | {t["assignee_id"] for t in synced["tasks"]}
    wanted |= {e["author_id"] for e in synced["events"]}
    for uid in sorted(i for i in wanted if i is not None):
        remote = bt.get(f"v1/users/{uid}")
        assert remote["id"] == uid and remote["full_name"]
        known[uid] = remote


def sync_stories(bt: Boartty, **kw: Any) -> dict[int, dict[str, Any]]:
    """syncStories: v1/stories?<urlencoded non-null params>, then a SyncStoryTask per story."""
    params = urlencode({k: v for k, v in kw.items() if v is not None})
    return {s["id"]: sync_story(bt, s["id"], s) for s in bt.get(f"v1/stories?{params}")}


def test_boartty_sync_and_uploads(world: World, live_server: LiveServer) -> None:  # noqa: F811
    bt = Boartty(live_server, world.me.token)
    p = world.project["id"]

    # GetVersionTask, SyncOwnUserTask
    assert parse_version(bt.get("v1/systeminfo")["version"]) == parse_version(__version__)
    assert bt.get("v1/users/self")["id"] == world.me.id
    # SyncProjectListTask, SyncUserListTask
    projects = {x["id"]: x for x in bt.get("v1/projects")}
    assert projects[p]["name"] == world.project["name"] and projects[p].get("description", "") == "Watched"
    assert world.elsewhere["id"] in projects
    users = {u["id"]: u for u in bt.get("v1/users")}
    assert users[world.me.id]["full_name"] == world.me.name and users[world.other.id]["full_name"] == world.other.name
    # SyncProjectSubscriptionsTask
    subscribed = {s["target_id"] for s in bt.get(f"v1/subscriptions?user_id={world.me.id}&target_type=project")}
    assert subscribed == {p}

    # SyncSubscribedProjectsTask -> SyncProjectTask: the first time, project.updated is None.
    time.sleep(1.05)  # the arranged writes lie in an earlier second than the sync's clock
    synced_at = datetime.datetime.utcnow()
    first = sync_stories(bt, project_id=p, updated_since=None)
    assert set(first) == {world.a["id"], world.b["id"]}  # not C (other project), not D (private)
    a = first[world.a["id"]]
    assert a["story"]["title"] == "Story A" and a["story"]["status"] == "active"
    assert [t["name"] for t in a["tags"]] == ["ui"]
    assert [(t["title"], t["assignee_id"], t["project_id"]) for t in a["tasks"]] == [
        ("Task of A", world.other.id, p)]
    comments = [e for e in a["events"] if e["event_type"] == "user_comment"]
    assert [e["comment"]["content"] for e in comments] == ["First comment"]
    assert comments[0]["author_id"] == world.other.id
    known: dict[int, dict[str, Any]] = {}
    users_of(bt, a, known)
    assert known[world.other.id]["full_name"] == world.other.name

    # SyncBoardsTask, then each board's lanes and their worklists (items resolved by id).
    boards = {x["id"]: x for x in bt.get("v1/boards")}
    board = boards[world.board["id"]]
    assert board["title"] == world.board["title"] and board["description"] == "Lanes"
    assert board["creator_id"] == live_server.admin.id and "created_at" in board and "updated_at" in board
    (lane,) = board["lanes"]
    assert lane["worklist"]["archived"] is False and lane["worklist"]["id"] == world.worklist["id"]
    assert {"id", "position", "created_at", "updated_at"} <= set(lane)
    lane_items = [i for i in lane["worklist"]["items"] if not i["archived"]]
    assert {(i["item_type"], i["item_id"]) for i in lane_items} == {
        ("story", world.a["id"]), ("task", world.b_task["id"])}
    for item in lane_items:
        assert {"id", "list_position", "created_at", "updated_at"} <= set(item)
        if item["item_type"] == "task":  # SyncStoryByTaskTask
            assert bt.get(f"v1/tasks/{item['item_id']}")["story_id"] == world.b["id"]
            sync_story(bt, world.b["id"])
    # SyncWorklistsTask: lists that are not a board's lane (StoryBoard's hide_lanes default), with items.
    worklists = {x["id"]: x for x in bt.get("v1/worklists")}
    assert world.worklist["id"] not in worklists
    loose = worklists[world.loose["id"]]
    assert loose["title"] == world.loose["title"] and loose["creator_id"] == live_server.admin.id
    assert [(i["item_type"], i["item_id"], i["archived"]) for i in loose["items"]] == [("story", world.a["id"], False)]

    # UpdateStoryTask for a story made offline: POST, read its tags, PUT the new ones.
    n = bt.post("v1/stories", {"description": "Written offline", "title": "Story made in boartty"})
    n_id = n["id"]
    assert n["title"] == "Story made in boartty" and n["creator_id"] == world.me.id
    assert bt.get(f"v1/stories/{n_id}/tags") == []
    tagged = bt.put(f"v1/tags/{n_id}", ["boartty", "offline"])
    assert sorted(tagged["tags"]) == ["boartty", "offline"]
    sync_story(bt, n_id)
    # UpdateTaskTask for new tasks: POST v1/tasks/ with the trailing slash.
    body = {"assignee_id": None, "project_id": p, "status": "todo", "title": "Task made in boartty",
            "story_id": n_id, "link": None}
    kept = bt.post("v1/tasks/", body)
    doomed = bt.post("v1/tasks/", {**body, "title": "Task deleted in boartty"})
    assert (kept["story_id"], kept["project_id"], kept["creator_id"]) == (n_id, p, world.me.id)
    assert {t["title"] for t in sync_story(bt, n_id)["tasks"]} == {"Task made in boartty", "Task deleted in boartty"}

    # UpdateStoryTask on story A: its tags changed offline ("ui" -> "tui").
    bt.put(f"v1/stories/{world.a['id']}", {"description": "About A", "title": "Story A"})
    assert {t["name"] for t in bt.get(f"v1/stories/{world.a['id']}/tags")} == {"ui"}
    bt.delete(f"v1/tags/{world.a['id']}", ["ui"])
    assert bt.put(f"v1/tags/{world.a['id']}", ["tui"])["tags"] == ["tui"]
    assert [t["name"] for t in sync_story(bt, world.a["id"])["tags"]] == ["tui"]
    # UpdateTaskTask: an edited task, then a deleted one (DELETE with a `{}` body).
    edited = bt.put(f"v1/tasks/{world.a_task['id']}", {
        "assignee_id": world.me.id, "project_id": p, "status": "inprogress", "title": "Task of A, taken",
        "story_id": world.a["id"], "link": None})
    assert (edited["status"], edited["assignee_id"], edited["title"]) == ("inprogress", world.me.id, "Task of A, taken")
    bt.delete(f"v1/tasks/{doomed['id']}", {})
    assert [t["title"] for t in sync_story(bt, n_id)["tasks"]] == ["Task made in boartty"]
    # AddCommentTask
    event = bt.post(f"v1/stories/{world.a['id']}/comments", {"content": "Reply written in boartty"})
    assert event["event_type"] == "user_comment" and event["comment"]["content"] == "Reply written in boartty"
    assert event["author_id"] == world.me.id
    # UpdateStoryTask: the offline story edited.
    edited_story = bt.put(f"v1/stories/{n_id}", {"description": "Edited offline", "title": "Story renamed in boartty"})
    assert edited_story["title"] == "Story renamed in boartty"
    assert sorted(t["name"] for t in bt.get(f"v1/stories/{n_id}/tags")) == ["boartty", "offline"]

    # The next SyncProjectTask: only what changed since the first sync started.
    later = sync_stories(bt, project_id=p, updated_since=format_datetime(synced_at))
    assert set(later) == {world.a["id"], n_id}  # not B: untouched since
    a2, n2 = later[world.a["id"]], later[n_id]
    assert a2["story"]["status"] == "active" and [t["name"] for t in a2["tags"]] == ["tui"]
    assert [(t["status"], t["assignee_id"]) for t in a2["tasks"]] == [("inprogress", world.me.id)]
    assert [e["comment"]["content"] for e in a2["events"] if e["event_type"] == "user_comment"] == [
        "First comment", "Reply written in boartty"]
    assert (n2["story"]["title"], n2["story"]["description"]) == ("Story renamed in boartty", "Edited offline")
    assert [t["title"] for t in n2["tasks"]] == ["Task made in boartty"]
    event_types = {e["event_type"] for e in n2["events"]}
    assert {"story_created", "tags_added", "task_created", "task_deleted", "story_details_changed"} <= event_types

    # Every request went to /api/v1 and succeeded (the helpers asserted each status).
    assert all(path.startswith("/api/v1/") for _, path, _ in bt.log)
    assert ("POST", "/api/v1/tasks/", 200) in bt.log
    assert ("DELETE", f"/api/v1/tags/{world.a['id']}", 204) in bt.log
