"""GET /v1/tasks with several story_id values: the tasks of a page of stories in one request
(additive: one value behaves as before)."""

from __future__ import annotations


def test_tasks_of_several_stories(client, api, user, other):
    p = api.project()
    a, b, c = api.story(user), api.story(user), api.story(user)
    hidden = api.story(user, private=True)
    ta = api.task(a["id"], p["id"], user)
    tb1 = api.task(b["id"], p["id"], user)
    tb2 = api.task(b["id"], p["id"], user, status="merged")
    api.task(c["id"], p["id"], user)
    th = api.task(hidden["id"], p["id"], user)

    both = client.get("/v1/tasks", params={"story_id": [a["id"], b["id"]], "sort_field": "id"}, headers=user.headers)
    assert both.status_code == 200
    assert [t["id"] for t in both.json()] == [ta["id"], tb1["id"], tb2["id"]]
    assert both.headers["X-Total"] == "3"
    # The other filters still hold; one value is a story's tasks as before.
    merged = client.get("/v1/tasks", params={"story_id": [a["id"], b["id"]], "status": "merged"}, headers=user.headers)
    assert [t["id"] for t in merged.json()] == [tb2["id"]]
    assert [t["id"] for t in client.get("/v1/tasks", params={"story_id": a["id"]}).json()] == [ta["id"]]
    # A private story's tasks only for those on its list.
    ids = {"story_id": [a["id"], hidden["id"]]}
    assert {t["id"] for t in client.get("/v1/tasks", params=ids, headers=user.headers).json()} == {ta["id"], th["id"]}
    assert {t["id"] for t in client.get("/v1/tasks", params=ids, headers=other.headers).json()} == {ta["id"]}
    assert {t["id"] for t in client.get("/v1/tasks", params=ids).json()} == {ta["id"]}


def test_too_many_story_ids_is_refused_naming_the_field(client):
    r = client.get("/v1/tasks", params={"story_id": list(range(1, 502))})
    assert r.status_code == 400
    assert "story_id" in r.text
