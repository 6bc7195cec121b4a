"""POST /preview/bulk: one change to many stories or tasks, all or nothing, reported per item."""

from __future__ import annotations

import re
from typing import Any

from builders import uniq

BULK = "/preview/bulk"


def _events(client, who, story_id: int) -> list[dict[str, Any]]:
    r = client.get(f"/v1/stories/{story_id}/events", params={"sort_field": "id"}, headers=who.headers)
    assert r.status_code == 200
    return r.json()


def _task(client, who, task_id: int) -> dict[str, Any]:
    r = client.get(f"/v1/tasks/{task_id}", headers=who.headers)
    assert r.status_code == 200
    return r.json()


def test_tasks_change_together_with_their_events(client, api, user, other):
    p = api.project()
    s1, s2 = api.story(user), api.story(user)
    t1 = api.task(s1["id"], p["id"], user)
    t2 = api.task(s1["id"], p["id"], user)
    t3 = api.task(s2["id"], p["id"], user, status="review")
    r = client.post(BULK, json={"tasks": [t1["id"], t2["id"], t3["id"]],
                                "change": {"status": "review", "assignee_id": other.id}}, headers=user.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["changed"] == 3
    assert [(i["type"], i["id"], i["ok"], i["changed"]) for i in body["items"]] == [
        ("task", t1["id"], True, True), ("task", t2["id"], True, True), ("task", t3["id"], True, True)]
    for item in body["items"]:
        assert item["task"]["status"] == "review" and item["task"]["assignee_id"] == other.id
        assert item["error"] is None
        assert _task(client, user, item["id"]) == item["task"]
    # The v1 service wrote the events: status changes (not t3's, which had it) and assignments.
    kinds = [e["event_type"] for e in _events(client, user, s1["id"])]
    assert kinds.count("task_status_changed") == 2 and kinds.count("task_assignee_changed") == 2
    kinds2 = [e["event_type"] for e in _events(client, user, s2["id"])]
    assert "task_status_changed" not in kinds2 and kinds2.count("task_assignee_changed") == 1
    # The stories' stored status follows the tasks, as after v1 writes.
    assert client.get(f"/v1/stories/{s1['id']}").json()["task_statuses"][3] == {"key": "review", "count": 2}
    # The same change again changes nothing and writes no event.
    before = len(_events(client, user, s1["id"]))
    again = client.post(BULK, json={"tasks": [t1["id"], t2["id"]],
                                    "change": {"status": "review", "assignee_id": other.id}}, headers=user.headers)
    assert again.status_code == 200 and again.json()["changed"] == 0
    assert [i["changed"] for i in again.json()["items"]] == [False, False]
    assert len(_events(client, user, s1["id"])) == before


def test_stories_tags_and_their_tasks_of_one_project(client, api, user):
    pa, pb = api.project(), api.project()
    keep, gone = uniq("keep"), uniq("gone")
    s1 = api.story(user, tags=[gone])
    s2 = api.story(user)
    a1, b1 = api.task(s1["id"], pa["id"], user), api.task(s1["id"], pb["id"], user)
    a2 = api.task(s2["id"], pa["id"], user)
    r = client.post(BULK, json={"stories": [s1["id"], s2["id"]], "project_id": pa["id"],
                                "change": {"add_tags": [keep], "remove_tags": [gone], "priority": "high"}},
                    headers=user.headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["type"], i["id"]) for i in items] == [
        ("story", s1["id"]), ("task", a1["id"]), ("story", s2["id"]), ("task", a2["id"])]
    assert items[0]["story"]["tags"] == [keep] and items[2]["story"]["tags"] == [keep]
    assert items[1]["task"]["priority"] == "high" and items[3]["task"]["priority"] == "high"
    assert _task(client, user, b1["id"])["priority"] == "medium"  # another project's task: untouched
    assert client.get(f"/v1/stories/{s1['id']}").json()["tags"] == [keep]
    kinds = [e["event_type"] for e in _events(client, user, s1["id"])]
    assert "tags_added" in kinds and "tags_deleted" in kinds and "task_priority_changed" in kinds
    # The search index knows the new tag.
    found = client.get("/v1/stories/search", params={"q": keep}, headers=user.headers).json()
    assert {s["id"] for s in found} == {s1["id"], s2["id"]}


def test_one_bad_item_changes_nothing(client, api, user, admin):
    p = api.project()
    s1, s2 = api.story(user), api.story(user)
    t1, t2 = api.task(s1["id"], p["id"], user), api.task(s2["id"], p["id"], user)
    other_project = api.project()
    foreign_branch = api.ok("POST", "/v1/branches", json={"name": uniq("stable-"), "project_id": other_project["id"]})
    events_before = {sid: _events(client, user, sid) for sid in (s1["id"], s2["id"])}
    # t2 is fine on its own; the branch of another project makes t1 (and t2) refuse, a missing id too.
    missing = 2_000_000_000
    r = client.post(BULK, json={"tasks": [t2["id"], missing, t1["id"]],
                                "change": {"status": "merged", "branch_id": foreign_branch["id"]}},
                    headers=user.headers)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["field"] == "items" and "nothing was changed" in body["message"]
    by_id = {i["id"]: i for i in body["items"]}
    assert by_id[missing]["error"] == {"status": 404, "message": f"Task {missing} not found", "field": "tasks"}
    assert by_id[t1["id"]]["error"]["field"] == "branch_id" and by_id[t1["id"]]["error"]["status"] == 400
    assert all(i["task"] is None and i["story"] is None for i in body["items"])
    # Now only the branch is wrong: the good item is reported as passing, and still nothing is written.
    r = client.post(BULK, json={"tasks": [t2["id"], missing], "change": {"status": "merged"}}, headers=user.headers)
    assert r.status_code == 400
    assert [(i["id"], i["ok"], i["changed"]) for i in r.json()["items"]] == [(t2["id"], True, True), (missing, False, False)]
    for t in (t1, t2):
        assert _task(client, user, t["id"]) == t
    for sid, events in events_before.items():
        assert _events(client, user, sid) == events
        assert client.get(f"/v1/stories/{sid}").json()["status"] == "active"


def test_a_refused_story_leaves_no_tag_nor_event(client, api, user, other):
    tag = uniq("bulk-tag")
    mine = api.story(other)
    hidden = api.story(user, private=True)
    r = client.post(BULK, json={"stories": [mine["id"], hidden["id"]], "change": {"add_tags": [tag]}},
                    headers=other.headers)
    assert r.status_code == 400
    assert client.get(f"/v1/stories/{mine['id']}").json()["tags"] == []
    assert "tags_added" not in [e["event_type"] for e in _events(client, other, mine["id"])]
    # The tag the change would have created was not created either.
    assert client.get("/v1/tags", params={"name": tag}, headers=other.headers).json() == []


def _without_ids(text: str) -> str:
    return re.sub(r"\d+", "N", text)


def test_a_private_story_is_reported_exactly_like_a_missing_one(client, api, user, other):
    p = api.project()
    hidden = api.story(user, private=True, title="Private bulk secret")
    hidden_task = api.task(hidden["id"], p["id"], user, title="secret task")
    missing_story, missing_task = 2_000_000_001, 2_000_000_002
    answers = {}
    for kind, ids, change in (("stories", (hidden["id"], missing_story), {"add_tags": ["intruder"]}),
                              ("tasks", (hidden_task["id"], missing_task), {"status": "invalid"})):
        for target in ids:
            r = client.post(BULK, json={kind: [target], "change": change}, headers=other.headers)
            assert r.status_code == 400
            assert "secret" not in r.text
            answers[(kind, target == ids[0])] = _without_ids(r.text)
        assert answers[(kind, True)] == answers[(kind, False)]
    assert client.get(f"/v1/stories/{hidden['id']}", headers=user.headers).json()["tags"] == []
    assert _task(client, user, hidden_task["id"])["status"] == "todo"
    # Those on the list may change it.
    ok = client.post(BULK, json={"tasks": [hidden_task["id"]], "change": {"status": "invalid"}}, headers=user.headers)
    assert ok.status_code == 200 and ok.json()["items"][0]["task"]["status"] == "invalid"


def test_limits_and_malformed_requests(client, api, user, app, monkeypatch):
    p = api.project()
    s = api.story(user)
    tasks = [api.task(s["id"], p["id"], user)["id"] for _ in range(3)]
    monkeypatch.setattr(app.state.settings, "bulk_max_items", 2)
    r = client.post(BULK, json={"tasks": tasks, "change": {"status": "merged"}}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "tasks" and "At most 2" in r.json()["message"]
    # A story selection counts the tasks it reaches.
    r = client.post(BULK, json={"stories": [s["id"]], "change": {"status": "merged"}}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "stories"
    assert all(_task(client, user, t)["status"] == "todo" for t in tasks)
    # Tags alone on one story stay within the limit.
    assert client.post(BULK, json={"stories": [s["id"]], "change": {"add_tags": ["fine"]}},
                       headers=user.headers).status_code == 200
    monkeypatch.setattr(app.state.settings, "bulk_max_items", 500)
    bad = [
        ({"tasks": tasks, "change": {}}, "change"),
        ({"tasks": tasks, "change": {"add_tags": ["x"]}}, "change.add_tags"),
        ({"tasks": tasks, "project_id": p["id"], "change": {"status": "merged"}}, "project_id"),
        ({"tasks": tasks, "change": {"status": "done"}}, "change.status"),
        ({"tasks": tasks, "stories": [s["id"]], "change": {"status": "merged"}}, "stories"),
        ({"change": {"status": "merged"}}, "stories"),
        ({"tasks": [], "change": {"status": "merged"}}, "stories"),
        ({"tasks": tasks}, "change"),
    ]
    for body, field in bad:  # each refused naming its field, nothing changed
        r = client.post(BULK, json=body, headers=user.headers)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == field, (body, r.json())
    assert client.post(BULK, json={"tasks": tasks, "change": {"status": "merged"}}).status_code == 401
    assert all(_task(client, user, t)["status"] == "todo" for t in tasks)


def test_followers_hear_of_a_bulk_change(client, api, user, other):
    p = api.project()
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "project", "target_id": p["id"]})
    s = api.story(user)
    t = api.task(s["id"], p["id"], user)
    assert client.post(BULK, json={"tasks": [t["id"]], "change": {"status": "inprogress"}},
                       headers=user.headers).status_code == 200
    inbox = client.get("/v1/subscription_events", params={"subscriber_id": other.id}, headers=other.headers).json()
    assert any(e["event_type"] == "task_status_changed" and str(t["id"]) in (e["event_info"] or "") for e in inbox)
