"""Subscriptions and the notification inbox (subscription events).

Stories, tasks and inbox rows are arranged directly in the database, so these tests do not depend on
the story endpoints or on the event fan-out.
"""

import json

from builders import uniq
from sqlalchemy import update

from storyline.db import session_scope
from storyline.projects.queries import master_branch_id
from storyline.stories.models import Story, StoryUser, Task
from storyline.subscriptions.models import SubscriptionEvent

SUB_KEYS = {"id", "created_at", "updated_at", "user_id", "target_type", "target_id"}
EVENT_KEYS = {"id", "created_at", "updated_at", "subscriber_id", "author_id", "event_type", "event_info"}


def make_story(app, creator, *, private=False, members=()):
    with session_scope(app.state.write_sessions) as session:
        story = Story(title=uniq("Story "), creator_id=creator.id, private=private)
        session.add(story)
        session.flush()
        for m in members:
            session.add(StoryUser(story_id=story.id, user_id=m.id))
        story_id = story.id
    return story_id


def make_task(app, api, creator, story_id):
    project = api.project()
    with session_scope(app.state.write_sessions) as session:
        task = Task(title=uniq("Task "), creator_id=creator.id, story_id=story_id, project_id=project["id"],
                    branch_id=master_branch_id(session, project["id"]))
        session.add(task)
        session.flush()
        task_id = task.id
    return task_id


def set_private(app, story_id, private):
    with session_scope(app.state.write_sessions) as session:
        session.execute(update(Story).where(Story.id == story_id).values(private=private))


def subscribe(client, who, target_type, target_id, **extra):
    body = {"target_type": target_type, "target_id": target_id, **extra}
    return client.post("/v1/subscriptions", json=body, headers=who.headers)


# ---- subscriptions --------------------------------------------------------------------------------

def test_subscribe_to_a_project_and_unsubscribe(client, api, user):
    p = api.project()
    r = subscribe(client, user, "project", p["id"])
    assert r.status_code == 200, r.text
    sub = r.json()
    assert set(sub) == SUB_KEYS
    assert (sub["user_id"], sub["target_type"], sub["target_id"]) == (user.id, "project", p["id"])
    assert sub["updated_at"] is None and sub["created_at"].endswith("+00:00")
    assert client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers).json() == sub
    r = client.get("/v1/subscriptions", headers=user.headers)
    assert [s["id"] for s in r.json()] == [sub["id"]] and r.headers["X-Total"] == "1"
    r = subscribe(client, user, "project", p["id"])
    assert r.status_code == 409 and r.json()["faultstring"]
    r = client.delete(f"/v1/subscriptions/{sub['id']}", headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/v1/subscriptions/{sub['id']}", headers=user.headers).status_code == 404
    assert client.delete(f"/v1/subscriptions/{sub['id']}", headers=user.headers).status_code == 404
    assert subscribe(client, user, "project", p["id"]).status_code == 200


def test_subscribe_to_a_project_group(client, api, user):
    g = api.group()
    r = subscribe(client, user, "project_group", g["id"])
    assert r.status_code == 200 and r.json()["target_type"] == "project_group"
    r = subscribe(client, user, "project_group", 987654321)
    assert r.status_code == 400 and r.json()["field"] == "target_id"


def test_subscription_validation(client, api, user):
    p = api.project()
    cases = [({"target_id": p["id"]}, "target_type"),
             ({"target_type": "galaxy", "target_id": p["id"]}, "target_type"),
             # boards can be followed (a Storyline addition); a missing one names target_id
             ({"target_type": "board", "target_id": 987654321}, "target_id"),
             ({"target_type": "project"}, "target_id"),
             ({"target_type": "project", "target_id": "abc"}, "target_id"),
             ({"target_type": "project", "target_id": 2**40}, "target_id")]
    for body, field in cases:
        r = client.post("/v1/subscriptions", json=body, headers=user.headers)
        assert r.status_code == 400, body
        assert r.json()["field"] == field, body
    r = subscribe(client, user, "project", 987654321)
    assert r.status_code == 400
    assert r.json()["field"] == "target_id" and r.json()["faultstring"] == "Project 987654321 not found"
    # worklist is a valid target type; a missing worklist is refused like any missing target
    r = subscribe(client, user, "worklist", 987654321)
    assert r.status_code == 400 and r.json()["faultstring"] == "Worklist 987654321 not found"
    # numeric strings are accepted like numbers
    r = subscribe(client, user, "project", str(p["id"]))
    assert r.status_code == 200 and r.json()["target_id"] == p["id"]


def test_subscriptions_need_a_user(client, api, user):
    p = api.project()
    sub = subscribe(client, user, "project", p["id"]).json()
    for method, path in (("GET", "/v1/subscriptions"), ("GET", f"/v1/subscriptions/{sub['id']}"),
                         ("DELETE", f"/v1/subscriptions/{sub['id']}")):
        r = client.request(method, path)
        assert r.status_code == 401, (method, path)
        assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}
    r = client.post("/v1/subscriptions", json={"target_type": "project", "target_id": p["id"]})
    assert r.status_code == 401


def test_subscribing_someone_else(client, api, user, other, admin):
    p = api.project()
    r = subscribe(client, user, "project", p["id"], user_id=other.id)
    assert r.status_code == 403
    r = subscribe(client, admin, "project", p["id"], user_id=other.id)
    assert r.status_code == 200 and r.json()["user_id"] == other.id
    r = subscribe(client, admin, "project", p["id"], user_id=987654321)
    assert r.status_code == 400 and r.json()["field"] == "user_id"
    # naming yourself is fine
    assert subscribe(client, user, "project", p["id"], user_id=user.id).status_code == 200


def test_list_is_own_for_non_superusers(client, api, user, other, admin):
    p1, p2 = api.project(), api.project()
    mine = [subscribe(client, user, "project", p1["id"]).json(),
            subscribe(client, user, "project_group", api.group()["id"]).json(),
            subscribe(client, user, "project", p2["id"]).json()]
    theirs = subscribe(client, other, "project", p1["id"]).json()
    r = client.get("/v1/subscriptions", params={"user_id": other.id}, headers=user.headers)
    assert [s["id"] for s in r.json()] == [s["id"] for s in mine]
    r = client.get("/v1/subscriptions", params={"user_id": user.id}, headers=other.headers)
    assert [s["id"] for s in r.json()] == [theirs["id"]]
    r = client.get("/v1/subscriptions", params={"user_id": user.id}, headers=admin.headers)
    assert [s["id"] for s in r.json()] == [s["id"] for s in mine] and r.headers["X-Total"] == "3"
    r = client.get("/v1/subscriptions", params={"target_type": "project", "target_id": p1["id"]},
                   headers=admin.headers)
    assert {s["id"] for s in r.json()} >= {mine[0]["id"], theirs["id"]}
    assert all(s["target_id"] == p1["id"] and s["target_type"] == "project" for s in r.json())
    r = client.get("/v1/subscriptions", params={"target_type": "project_group"}, headers=user.headers)
    assert [s["id"] for s in r.json()] == [mine[1]["id"]]
    r = client.get("/v1/subscriptions?target_type=project&target_type=project_group", headers=user.headers)
    assert len(r.json()) == 3
    r = client.get("/v1/subscriptions?target_type[0]=project_group", headers=user.headers)
    assert [s["id"] for s in r.json()] == [mine[1]["id"]]
    r = client.get("/v1/subscriptions", params={"marker": mine[0]["id"], "limit": 1}, headers=user.headers)
    assert [s["id"] for s in r.json()] == [mine[1]["id"]]
    assert r.headers["X-Marker"] == str(mine[0]["id"]) and r.headers["X-Limit"] == "1"
    r = client.get("/v1/subscriptions", params={"target_type": "nope"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "target_type"


def test_get_and_delete_owner_or_superuser(client, api, user, other, admin):
    p = api.project()
    sub = subscribe(client, user, "project", p["id"]).json()
    path = f"/v1/subscriptions/{sub['id']}"
    assert client.get(path, headers=other.headers).status_code == 403
    assert client.get(path, headers=admin.headers).json() == sub
    assert client.delete(path, headers=other.headers).status_code == 403
    assert client.get(path, headers=user.headers).status_code == 200
    assert client.delete(path, headers=admin.headers).status_code == 204
    assert client.get(path, headers=user.headers).status_code == 404
    r = client.get("/v1/subscriptions/987654321", headers=user.headers)
    assert r.status_code == 404 and r.json()["faultstring"] == "Subscription 987654321 not found"


def test_story_and_task_targets_follow_visibility(client, app, api, user, other, admin):
    public = make_story(app, user)
    private = make_story(app, user, private=True, members=[user])
    public_task = make_task(app, api, user, public)
    private_task = make_task(app, api, user, private)
    for target_type, target_id in (("story", public), ("task", public_task), ("story", private),
                                   ("task", private_task)):
        r = subscribe(client, user, target_type, target_id)
        assert r.status_code == 200, (target_type, r.text)
    assert subscribe(client, other, "story", public).status_code == 200
    assert subscribe(client, other, "task", public_task).status_code == 200
    # invisible answers exactly like missing
    r = subscribe(client, other, "story", private)
    assert r.status_code == 400 and r.json()["faultstring"] == f"Story {private} not found"
    assert r.json()["field"] == "target_id"
    r = subscribe(client, other, "task", private_task)
    assert r.status_code == 400 and r.json()["faultstring"] == f"Task {private_task} not found"
    assert subscribe(client, other, "story", 987654321).status_code == 400
    assert subscribe(client, other, "task", 987654321).status_code == 400
    # superusers do not bypass access lists, neither for themselves nor for the subscriber
    assert subscribe(client, admin, "story", private).status_code == 400
    admin_private = make_story(app, user, private=True, members=[admin])
    assert subscribe(client, admin, "story", admin_private, user_id=other.id).status_code == 400
    assert subscribe(client, admin, "story", admin_private).status_code == 200


def test_subscriptions_to_stories_that_become_invisible_are_hidden(client, app, api, user):
    story = make_story(app, user)
    task = make_task(app, api, user, story)
    sub = subscribe(client, user, "story", story).json()
    task_sub = subscribe(client, user, "task", task).json()
    set_private(app, story, True)  # private with nobody on its list
    r = client.get("/v1/subscriptions", headers=user.headers)
    assert not {sub["id"], task_sub["id"]} & {s["id"] for s in r.json()}
    assert r.headers["X-Total"] == str(len(r.json()))
    for s in (sub, task_sub):
        assert client.get(f"/v1/subscriptions/{s['id']}", headers=user.headers).status_code == 404
    set_private(app, story, False)
    for s in (sub, task_sub):
        assert client.get(f"/v1/subscriptions/{s['id']}", headers=user.headers).status_code == 200


# ---- subscription events --------------------------------------------------------------------------

def make_event(app, subscriber, *, story_id=None, event_type="story_details_changed", author=None):
    info = json.dumps({"story_id": story_id, "story_title": "A title"})
    with session_scope(app.state.write_sessions) as session:
        row = SubscriptionEvent(subscriber_id=subscriber.id, author_id=author.id if author else None,
                                event_type=event_type, event_info=info, story_id=story_id)
        session.add(row)
        session.flush()
        row_id = row.id
    return row_id


def test_inbox_lists_own_visible_rows(client, app, user, other):
    public = make_story(app, other)
    visible_private = make_story(app, other, private=True, members=[user, other])
    hidden_private = make_story(app, other, private=True, members=[other])
    rows = [make_event(app, user, story_id=public, author=other),
            make_event(app, user, story_id=visible_private, event_type="task_created"),
            make_event(app, user, story_id=hidden_private),
            make_event(app, user, event_type="project_group deleted")]
    make_event(app, other, story_id=public)
    r = client.get("/v1/subscription_events", headers=user.headers)
    assert r.status_code == 200
    assert [e["id"] for e in r.json()] == [rows[0], rows[1], rows[3]]
    assert r.headers["X-Total"] == "3"
    first = r.json()[0]
    assert set(first) == EVENT_KEYS
    assert first["subscriber_id"] == user.id and first["author_id"] == other.id
    assert first["event_type"] == "story_details_changed"
    assert isinstance(first["event_info"], str)
    assert json.loads(first["event_info"]) == {"story_id": public, "story_title": "A title"}
    r = client.get("/v1/subscription_events", params={"subscriber_id": user.id}, headers=user.headers)
    assert [e["id"] for e in r.json()] == [rows[0], rows[1], rows[3]]


def test_inbox_filters_and_paging(client, app, user):
    ids = [make_event(app, user, event_type=t) for t in ("task_created", "user_comment", "task_created",
                                                         "task_deleted", "task_created")]
    r = client.get("/v1/subscription_events", params={"event_type": "task_created"}, headers=user.headers)
    assert [e["id"] for e in r.json()] == [ids[0], ids[2], ids[4]] and r.headers["X-Total"] == "3"
    r = client.get("/v1/subscription_events?event_type=user_comment&event_type=task_deleted",
                   headers=user.headers)
    assert [e["id"] for e in r.json()] == [ids[1], ids[3]]
    # what the web client asks
    r = client.get("/v1/subscription_events", headers=user.headers,
                   params={"subscriber_id": user.id, "offset": 0, "limit": 2, "sort_field": "created_at",
                           "sort_dir": "desc"})
    assert [e["id"] for e in r.json()] == [ids[4], ids[3]]
    assert r.headers["X-Total"] == "5" and r.headers["X-Limit"] == "2" and r.headers["X-Offset"] == "0"
    r = client.get("/v1/subscription_events", headers=user.headers,
                   params={"marker": ids[3], "limit": 2, "sort_field": "created_at", "sort_dir": "desc"})
    assert [e["id"] for e in r.json()] == [ids[2], ids[1]] and r.headers["X-Marker"] == str(ids[3])
    r = client.get("/v1/subscription_events", params={"marker": ids[1]}, headers=user.headers)
    assert [e["id"] for e in r.json()] == ids[2:]
    r = client.get("/v1/subscription_events", params={"sort_field": "nope"}, headers=user.headers)
    assert r.status_code == 400


def test_inbox_of_someone_else(client, app, user, other, admin):
    hidden = make_story(app, user, private=True, members=[user])
    lost = make_story(app, user, private=True, members=[admin])  # the subscriber is not on its list
    mine = [make_event(app, user), make_event(app, user, story_id=hidden),
            make_event(app, user, story_id=lost)]
    r = client.get("/v1/subscription_events", params={"subscriber_id": user.id}, headers=other.headers)
    assert r.status_code == 403
    r = client.get("/v1/subscription_events", params={"subscriber_id": user.id}, headers=admin.headers)
    # a superuser does not see rows about private stories they are not on the list of, nor rows about
    # stories the subscriber can no longer see
    assert [e["id"] for e in r.json()] == [mine[0]] and r.headers["X-Total"] == "1"
    assert client.get(f"/v1/subscription_events/{mine[2]}", headers=admin.headers).status_code == 404
    assert client.get(f"/v1/subscription_events/{mine[1]}", headers=admin.headers).status_code == 404
    assert client.get("/v1/subscription_events").status_code == 401


def test_inbox_get_and_delete(client, app, user, other, admin):
    event = make_event(app, user)
    path = f"/v1/subscription_events/{event}"
    r = client.get(path, headers=user.headers)
    assert r.status_code == 200 and r.json()["id"] == event
    assert client.get(path, headers=other.headers).status_code == 403
    assert client.get(path, headers=admin.headers).status_code == 200
    assert client.get(path).status_code == 401
    assert client.delete(path, headers=other.headers).status_code == 403
    r = client.delete(path, headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(path, headers=user.headers).status_code == 404
    r = client.get("/v1/subscription_events/987654321", headers=user.headers)
    assert r.status_code == 404 and r.json()["faultstring"] == "Subscription event 987654321 not found"
    second = make_event(app, user)
    assert client.delete(f"/v1/subscription_events/{second}", headers=admin.headers).status_code == 204
    assert client.get(f"/v1/subscription_events/{second}", headers=user.headers).status_code == 404


def test_inbox_row_about_an_invisible_story_is_not_found(client, app, user, other):
    story = make_story(app, other, private=True, members=[other, user])
    event = make_event(app, user, story_id=story)
    path = f"/v1/subscription_events/{event}"
    assert client.get(path, headers=user.headers).status_code == 200
    with session_scope(app.state.write_sessions) as session:
        session.query(StoryUser).filter_by(story_id=story, user_id=user.id).delete()
    assert client.get(path, headers=user.headers).status_code == 404
    assert event not in [e["id"] for e in client.get("/v1/subscription_events", headers=user.headers).json()]


def test_what_someone_else_follows_is_not_listed(client, api, user, other, admin):
    """Audit finding 9: `?subscriber_id=` on stories, projects, groups and worklists listed what
    anyone follows."""
    proj = api.project()
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "project", "target_id": proj["id"]})
    for path in ("/v1/stories", "/v1/projects", "/v1/project_groups", "/v1/worklists"):
        r = client.get(path, params={"subscriber_id": other.id}, headers=user.headers)
        assert r.status_code == 403 and "subscriber_id" in r.text, (path, r.status_code)
        assert client.get(path, params={"subscriber_id": other.id}).status_code == 403
        assert client.get(path, params={"subscriber_id": other.id}, headers=other.headers).status_code == 200
        assert client.get(path, params={"subscriber_id": other.id}, headers=admin.headers).status_code == 200
    mine = client.get("/v1/projects", params={"subscriber_id": other.id}, headers=other.headers).json()
    assert [p["id"] for p in mine] == [proj["id"]]


def test_a_commenter_follows_the_story_once_and_again_after_unsubscribing(client, api, user, other):
    """Commenting makes the commenter follow the story (on PostgreSQL inside the comment's own statement):
    one subscription however many comments, none added for someone who follows already, and a new one at
    the next comment after they unsubscribed."""
    story = api.story(user)["id"]

    def follows(who):
        return api.ok("GET", f"/v1/subscriptions?target_type=story&target_id={story}", who)

    assert follows(other) == []
    for n in range(3):
        api.ok("POST", f"/v1/stories/{story}/comments", other, json={"content": f"me too {n}"})
    [sub] = follows(other)
    assert (sub["user_id"], sub["target_type"], sub["target_id"]) == (other.id, "story", story)
    [own] = follows(user)  # the creator followed already: commenting adds nothing
    api.ok("POST", f"/v1/stories/{story}/comments", user, json={"content": "thanks"})
    assert [s["id"] for s in follows(user)] == [own["id"]]

    r = client.delete(f"/v1/subscriptions/{sub['id']}", headers=other.headers)
    assert r.status_code in (200, 204), r.text
    assert follows(other) == []
    api.ok("POST", f"/v1/stories/{story}/comments", other, json={"content": "still here"})
    [again] = follows(other)
    assert (again["user_id"], again["target_id"]) == (other.id, story)
