import json

from builders import uniq

V1_RAW_KEYS = {"id", "created_at", "updated_at", "title", "description", "is_bug", "creator_id",
               "story_type_id", "private", "security"}
# Additive fields (security handling).
RAW_KEYS = V1_RAW_KEYS | {"information_type", "embargo_until", "embargo_days_left", "embargo_expired",
                          "disclosure_at"} | {"duplicate_of", "cves"}  # (the last two: Launchpad import)
FULL_KEYS = RAW_KEYS | {"status", "task_statuses", "tags", "users", "teams"}


def test_create_story_returns_raw_shape_and_get_full_shape(client, api, user):
    s = api.story(user, title="A fine story title", description="Some *markdown*")
    assert set(s) == RAW_KEYS
    assert s["creator_id"] == user.id and s["updated_at"] is None and s["is_bug"] is True
    r = client.get(f"/v1/stories/{s['id']}")
    assert r.status_code == 200
    full = r.json()
    assert set(full) == FULL_KEYS
    assert full["status"] == "invalid"
    assert full["task_statuses"] == [{"key": k, "count": 0} for k in
                                     ("todo", "merged", "invalid", "review", "inprogress")]
    assert full["tags"] == [] and full["users"] == [] and full["teams"] == []
    # The creator is subscribed to the new story.
    subs = client.get("/v1/stories", params={"subscriber_id": user.id}, headers=user.headers).json()
    assert [x["id"] for x in subs] == [s["id"]]


def test_story_validation(client, user):
    r = client.post("/v1/stories", json={"title": "abcd"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = client.post("/v1/stories", json={}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = client.post("/v1/stories", json={"title": "Valid title", "story_type_id": 3}, headers=user.headers)
    assert r.status_code == 400 and r.json()["faultstring"] == "Now you can't add story with type 3."
    r = client.post("/v1/stories", json={"title": "Valid title", "creator_id": 99999}, headers=user.headers)
    assert r.status_code == 400
    r = client.post("/v1/stories", json={"title": "Valid title"})
    assert r.status_code == 401
    r = client.post("/v1/stories", content=b"{not json", headers={**user.headers, "content-type": "application/json"})
    assert r.status_code == 400
    # Unknown attributes are ignored.
    r = client.post("/v1/stories", json={"title": "Valid title", "bogus": 1}, headers=user.headers)
    assert r.status_code == 200


def test_status_follows_tasks_and_events(client, api, user):
    proj = api.project()
    s = api.story(user)
    t1 = api.task(s["id"], proj["id"], user, title="First task")
    assert t1["status"] == "todo" and t1["branch_id"] and t1["priority"] == "medium"
    story = client.get(f"/v1/stories/{s['id']}").json()
    assert story["status"] == "active" and story["updated_at"] is not None
    api.ok("PUT", f"/v1/tasks/{t1['id']}", user, json={"status": "merged", "task_id": "x"})
    assert client.get(f"/v1/stories/{s['id']}").json()["status"] == "merged"
    api.ok("PUT", f"/v1/tasks/{t1['id']}", user, json={"status": "invalid", "assignee_id": user.id})
    story = client.get(f"/v1/stories/{s['id']}").json()
    assert story["status"] == "invalid"
    assert {"key": "invalid", "count": 1} in story["task_statuses"]
    events = client.get(f"/v1/stories/{s['id']}/events", params={"sort_dir": "asc"}).json()
    types = [e["event_type"] for e in events]
    assert types == ["story_created", "task_created", "task_status_changed", "task_status_changed",
                     "task_assignee_changed"]
    info = json.loads(events[-1]["event_info"])
    assert info["new_assignee_id"] == user.id and info["old_assignee_fullname"] == "unassigned"
    assert info["new_assignee_fullname"] == user.name and info["task_title"] == "First task"
    # A PUT that changes nothing specific is a details change.
    api.ok("PUT", f"/v1/tasks/{t1['id']}", user, json={"title": "Renamed task"})
    last = client.get(f"/v1/stories/{s['id']}/events", params={"sort_dir": "desc", "limit": 1}).json()[0]
    assert last["event_type"] == "task_details_changed"
    assert json.loads(last["event_info"])["task_title"] == "First task"
    api.ok("DELETE", f"/v1/tasks/{t1['id']}", user)
    assert client.get(f"/v1/tasks/{t1['id']}").status_code == 404
    assert client.get(f"/v1/stories/{s['id']}").json()["status"] == "invalid"


def test_story_update_only_real_changes_emit(client, api, user):
    s = api.story(user)
    before = client.get(f"/v1/stories/{s['id']}/events").headers["X-Total"]
    api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"title": s["title"]})
    assert client.get(f"/v1/stories/{s['id']}/events").headers["X-Total"] == before
    out = api.ok("PUT", f"/v1/stories/{s['id']}", user, json={"title": "A changed title", "status": "merged"})
    assert out["title"] == "A changed title" and out["status"] == "invalid"
    assert int(client.get(f"/v1/stories/{s['id']}/events").headers["X-Total"]) == int(before) + 1
    r = client.put(f"/v1/stories/{s['id']}", json={"creator_id": 424242}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "creator_id"


def test_task_rules(client, api, user):
    proj, other_proj = api.project(), api.project()
    s = api.story(user)
    r = client.post("/v1/tasks", json={"title": "No story", "project_id": proj["id"]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "story_id"
    r = client.post("/v1/tasks", json={"title": "ab", "story_id": s["id"], "project_id": proj["id"]},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = client.post("/v1/tasks", json={"title": "Bad status", "story_id": s["id"], "project_id": proj["id"],
                                       "status": "done"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "status"
    other_branch = client.get("/v1/branches", params={"project_id": other_proj["id"]}).json()[0]["id"]
    r = client.post("/v1/tasks", json={"title": "Wrong branch", "story_id": s["id"], "project_id": proj["id"],
                                       "branch_id": other_branch}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "branch_id"
    t = api.task(s["id"], proj["id"], user)
    moved = api.ok("PUT", f"/v1/tasks/{t['id']}", user, json={"project_id": other_proj["id"]})
    assert moved["branch_id"] == other_branch
    # Nested paths.
    s2 = api.story(user)
    r = client.get(f"/v1/stories/{s2['id']}/tasks/{t['id']}")
    assert r.status_code == 400
    r = client.post(f"/v1/stories/{s2['id']}/tasks", json={"title": "Nested", "project_id": proj["id"]},
                    headers=user.headers)
    assert r.status_code == 200 and r.json()["story_id"] == s2["id"]
    r = client.get(f"/v1/stories/{s2['id']}/tasks")
    assert r.headers["X-Total"] == "1" and "X-Limit" not in r.headers
    assert client.get("/v1/tasks/987654").status_code == 404


def test_tags_on_stories(client, api, user):
    s = api.story(user, tags=[uniq("tg"), uniq("tg")])
    story = client.get(f"/v1/stories/{s['id']}").json()
    assert len(story["tags"]) == 2
    t3 = uniq("tg")
    r = client.put(f"/v1/stories/{s['id']}/tags", params={"tags": t3}, headers=user.headers)
    # As StoryBoard 1.1.0 really answers (benchmarks/compare_shapes.py): the full story.
    assert r.status_code == 200 and set(r.json()) == FULL_KEYS and t3 in r.json()["tags"]
    r = client.put(f"/v1/tags/{s['id']}", json=[t3], headers=user.headers)
    assert r.status_code == 400
    assert t3 in client.get(f"/v1/stories/{s['id']}").json()["tags"]
    by_tag = client.get("/v1/stories", params={"tags": [t3, story["tags"][0]]}).json()
    assert [x["id"] for x in by_tag] == [s["id"]]
    assert client.get("/v1/stories", params={"tags": [t3, "nope-nothing"]}).json() == []
    assert len(client.get("/v1/stories", params={"tags": [t3, "nope-nothing"], "tags_filter_type": "any"}).json()) == 1
    assert client.get("/v1/stories", params={"tags": t3, "tags_filter_type": "some"}).status_code == 400
    tags = client.get("/v1/tags", params={"name": t3}).json()
    assert tags[0]["name"] == t3 and tags[0]["popularity"] == 1
    r = client.delete(f"/v1/stories/{s['id']}/tags", params={"tags": t3}, headers=user.headers)
    assert r.status_code == 204
    r = client.delete(f"/v1/stories/{s['id']}/tags", params={"tags": t3}, headers=user.headers)
    assert r.status_code == 404
    types = [e["event_type"] for e in client.get(f"/v1/stories/{s['id']}/events").json()]
    assert types.count("tags_added") == 2 and types.count("tags_deleted") == 1
    free = uniq("free")
    r = client.post("/v1/tags", params={"tag_name": free}, headers=user.headers)
    assert r.status_code == 200 and r.json()["popularity"] == 0
    assert client.post("/v1/tags", json={"tag_name": free}, headers=user.headers).status_code == 400


def test_comments_history_and_delete(client, api, user, other, admin):
    s = api.story(user)
    r = client.post(f"/v1/stories/{s['id']}/comments", json={"content": "First comment", "story_id": "77"},
                    headers=user.headers)
    assert r.status_code == 200
    ev = r.json()
    assert ev["event_type"] == "user_comment" and ev["event_info"] is None
    assert ev["comment"]["content"] == "First comment" and ev["comment_id"] == ev["comment"]["id"]
    cid = ev["comment_id"]
    reply = api.ok("POST", f"/v1/stories/{s['id']}/comments", other, json={"content": "reply", "in_reply_to": cid})
    assert reply["comment"]["in_reply_to"] == cid
    assert client.post(f"/v1/stories/{s['id']}/comments", json={"content": ""},
                       headers=user.headers).status_code == 400
    assert client.put(f"/v1/stories/{s['id']}/comments/{cid}", json={"content": "hijack"},
                      headers=other.headers).status_code == 403
    edited = api.ok("PUT", f"/v1/stories/{s['id']}/comments/{cid}", user, json={"content": "Edited"})
    assert edited["content"] == "Edited"
    hist = client.get(f"/v1/stories/{s['id']}/comments/{cid}/history").json()
    assert [h["content"] for h in hist] == ["First comment"]
    r = client.get(f"/v1/stories/{s['id']}/comments")
    assert r.headers["X-Total"] == "2"
    assert client.delete(f"/v1/stories/{s['id']}/comments/{cid}", headers=user.headers).status_code == 403
    assert client.delete(f"/v1/stories/{s['id']}/comments/{cid}", headers=admin.headers).status_code == 204
    deleted = client.get(f"/v1/stories/{s['id']}/comments/{cid}").json()
    assert deleted["is_active"] is False and deleted["content"] == ""  # its place stays, not its text
    assert client.get(f"/v1/stories/{s['id']}/comments/{cid}/history").json() == []
    timeline = client.get(f"/v1/stories/{s['id']}/events?event_type=user_comment").json()
    assert all(e["comment"]["content"] == "" for e in timeline if e["comment_id"] == cid)
    other_story = api.story(user)
    assert client.get(f"/v1/stories/{other_story['id']}/comments/{cid}").status_code == 404


def test_story_list_filters_and_sort(client, api, user):
    proj = api.project()
    a, b, c = (api.story(user, title=f"{uniq('Filter story')} wombat") for _ in range(3))
    api.task(a["id"], proj["id"], user, assignee_id=user.id)
    api.task(b["id"], proj["id"], user, status="merged")
    r = client.get("/v1/stories", params={"project_id": proj["id"], "sort_field": "updated_at",
                                          "sort_dir": "desc"})
    assert [x["id"] for x in r.json()] == [b["id"], a["id"]] and r.headers["X-Total"] == "2"
    r = client.get("/v1/stories", params={"project_id": proj["id"], "status": "active"})
    assert [x["id"] for x in r.json()] == [a["id"]]
    r = client.get("/v1/stories", params={"project_id": proj["id"], "assignee_id": user.id})
    assert [x["id"] for x in r.json()] == [a["id"]]
    r = client.get("/v1/stories", params={"creator_id": user.id, "sort_field": "status"})
    assert [x["id"] for x in r.json()] == [a["id"], c["id"], b["id"]]
    assert client.get("/v1/stories", params={"status": "bogus"}).status_code == 400
    r = client.get("/v1/stories", params={"creator_id": user.id, "updated_since": "2000-01-01T00:00:00Z"})
    assert r.headers["X-Total"] == "2"
    assert client.get("/v1/stories", params={"updated_since": "yesterday"}).status_code == 400
    r = client.get("/v1/stories", params={"creator_id": user.id, "offset": 1})
    assert [x["id"] for x in r.json()] == [b["id"], c["id"]]
    r = client.get("/v1/stories", params={"title": "WOMBAT", "creator_id": user.id, "marker": a["id"], "limit": 1})
    assert [x["id"] for x in r.json()] == [b["id"]] and r.headers["X-Marker"] == str(a["id"])


def test_keyset_breaks_ties_on_id(client, api, user):
    made = [api.story(user)["id"] for _ in range(5)]
    seen, marker = [], None
    for _ in range(len(made) + 2):  # a marker that does not move on fails the test instead of looping
        params = {"creator_id": user.id, "sort_field": "status", "limit": 2}
        if marker:
            params["marker"] = marker
        page = client.get("/v1/stories", params=params).json()
        if not page:
            break
        seen += [x["id"] for x in page]
        marker = page[-1]["id"]
    else:
        raise AssertionError(f"the pages did not end: {seen}")
    assert seen == made


def test_story_and_task_search(client, api, user):
    proj = api.project()
    word = uniq("platypus")
    s = api.story(user, title=f"Search target {word}", description="nothing here")
    s2 = api.story(user, title="Another plain story")
    api.ok("POST", f"/v1/stories/{s2['id']}/comments", user, json={"content": f"mentions {word} in a comment"})
    t = api.task(s["id"], proj["id"], user, title=f"task about {word}")
    found = client.get("/v1/stories/search", params={"q": word}).json()
    assert {x["id"] for x in found} == {s["id"], s2["id"]}
    assert [x["id"] for x in client.get("/v1/stories/search", params={"q": word[:-2]}).json()] != []
    assert client.get("/v1/stories/search", params={"q": "   "}).json() == []
    tasks = client.get("/v1/tasks/search", params={"q": word}).json()
    assert [x["id"] for x in tasks] == [t["id"]]


def test_delete_story_superuser_only(client, api, user, admin):
    proj = api.project()
    s = api.story(user)
    api.task(s["id"], proj["id"], user)
    assert client.delete(f"/v1/stories/{s['id']}", headers=user.headers).status_code == 403
    assert client.delete(f"/v1/stories/{s['id']}", headers=admin.headers).status_code == 204
    assert client.get(f"/v1/stories/{s['id']}").status_code == 404
    assert client.get("/v1/tasks", params={"story_id": s["id"]}).json() == []


def test_events_endpoints(client, api, user):
    s = api.story(user)
    events = client.get("/v1/events", params={"story_id": s["id"]}).json()
    assert len(events) == 1
    eid = events[0]["id"]
    assert client.get(f"/v1/events/{eid}").json()["event_type"] == "story_created"
    assert client.get(f"/v1/stories/{s['id']}/events/{eid}").status_code == 200
    s2 = api.story(user)
    assert client.get(f"/v1/stories/{s2['id']}/events/{eid}").status_code == 404
    r = client.get("/v1/events", params={"event_type": "nope"})
    assert r.status_code == 400 and "story_created" in r.json()["faultstring"]
    r = client.get("/v1/events", params={"event_type": ["story_created", "user_comment"], "limit": 1})
    assert r.status_code == 200 and r.headers["X-Limit"] == "1"
