"""Worklists (reference §2.14, §5.4, §6 items 4, 13, 17): manual and automatic lists, cards, filters,
permissions, private lists, and cards about private stories."""

from __future__ import annotations

import json

from builders import uniq

from storyline.planning.schemas import WorklistItemOut

WORKLIST_KEYS = {"id", "created_at", "updated_at", "title", "creator_id", "project_id", "private", "archived",
                 "automatic", "filters", "owners", "users", "team_owners", "team_users", "items"}
ITEM_KEYS = {"id", "created_at", "updated_at", "list_id", "item_id", "item_type", "list_position", "archived",
             "display_due_date", "resolved_due_date", "task", "story"}


def worklist(api, who=None, **fields):
    fields.setdefault("title", uniq("List "))
    return api.ok("POST", "/v1/worklists", who, json=fields)


def add(api, wl_id, item_id, item_type="story", who=None, **extra):
    return api.ok("POST", f"/v1/worklists/{wl_id}/items", who,
                  json={"item_id": item_id, "item_type": item_type, **extra})


def positions(client, wl_id, who):
    """The active cards' (item, position); /items lists the archived ones too, after them."""
    r = client.get(f"/v1/worklists/{wl_id}/items", headers=who.headers)
    assert r.status_code == 200, r.text
    return [(i["item_id"], i["list_position"]) for i in r.json() if not i["archived"]]


def events(client, who, wl_id, event_type):
    r = client.get("/v1/events", params={"worklist_id": wl_id, "event_type": event_type},
                   headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    return [json.loads(e["event_info"]) for e in r.json()]


def test_create_get_update_archive(client, api, user):
    r = client.post("/v1/worklists", json={"title": "Mine", "private": False}, headers=user.headers)
    assert r.status_code == 200, r.text
    wl = r.json()
    assert set(wl) == WORKLIST_KEYS
    assert wl["owners"] == [user.id] and wl["users"] == [] and wl["items"] == [] and not wl["automatic"]
    assert client.get(f"/v1/worklists/{wl['id']}").json()["title"] == "Mine"
    r = client.put(f"/v1/worklists/{wl['id']}", json={"title": "Renamed", "items": [1], "filters": []},
                   headers=user.headers)
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    changed = events(client, user, wl["id"], "worklist_details_changed")
    assert changed == [{"worklist_id": wl["id"], "author_id": user.id, "field": "title", "old_value": "Mine",
                        "new_value": "Renamed"}]
    created = events(client, user, wl["id"], "worklist_created")
    assert created == [{"worklist_id": wl["id"], "author_id": user.id, "worklist_title": "Mine"}]
    perms = events(client, user, wl["id"], "worklist_permission_created")
    assert sorted(p["codename"] for p in perms) == ["edit_worklist", "move_items"]
    assert set(perms[0]) == {"worklist_id", "permission_id", "author_id", "codename", "users", "teams"}
    owner_perm = next(p for p in perms if p["codename"] == "edit_worklist")
    assert owner_perm["users"] == [{str(user.id): user.name}]
    r = client.delete(f"/v1/worklists/{wl['id']}", headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/v1/worklists/{wl['id']}").json()["archived"] is True
    listed = client.get("/v1/worklists", params={"creator_id": user.id}).json()
    assert wl["id"] not in [w["id"] for w in listed]
    listed = client.get("/v1/worklists", params={"creator_id": user.id, "archived": "true"}).json()
    assert [w["id"] for w in listed] == [wl["id"]]


def test_validation_and_auth(client, api, user, other):
    assert client.post("/v1/worklists", json={"title": "x"}).status_code == 401
    r = client.post("/v1/worklists", json={"title": "x" * 101}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = client.post("/v1/worklists", json={"title": "x", "owners": [2_000_000_000]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "owners"
    assert client.get("/v1/worklists/2000000000").status_code == 404
    wl = worklist(api, user)
    r = client.put(f"/v1/worklists/{wl['id']}", json={"title": "Taken"}, headers=other.headers)
    assert r.status_code == 403
    assert client.delete(f"/v1/worklists/{wl['id']}", headers=other.headers).status_code == 403
    assert client.get("/v1/worklists", params={"item_type": "epic"}).status_code == 400
    assert client.get("/v1/worklists", params={"sort_field": "nope"}).status_code == 400


def test_cards_positions_and_archiving(client, api, user):
    wl = worklist(api, user)
    stories = [api.story(user)["id"] for _ in range(4)]
    for sid in stories:
        item = add(api, wl["id"], sid, who=user)
        assert set(item) == ITEM_KEYS and item["story"]["id"] == sid and item["task"] is None
    assert positions(client, wl["id"], user) == [(s, n) for n, s in enumerate(stories)]
    # Insert at the front, from the query string this time.
    first = api.story(user)["id"]
    r = client.post(f"/v1/worklists/{wl['id']}/items", params={"item_id": first, "item_type": "story",
                                                               "list_position": 0}, headers=user.headers)
    assert r.status_code == 200, r.text
    order = [first, *stories]
    assert positions(client, wl["id"], user) == [(s, n) for n, s in enumerate(order)]
    cards = {i["item_id"]: i["id"] for i in client.get(f"/v1/worklists/{wl['id']}/items").json()}
    # Move the last card to position 1.
    r = client.put(f"/v1/worklists/{wl['id']}/items/{cards[stories[-1]]}", json={"list_position": 1},
                   headers=user.headers)
    assert r.status_code == 200 and r.json()["list_position"] == 1
    order = [first, stories[-1], *stories[:-1]]
    assert positions(client, wl["id"], user) == [(s, n) for n, s in enumerate(order)]
    # Archive one: the others' positions close up.
    r = client.delete(f"/v1/worklists/{wl['id']}/items/{cards[stories[0]]}", headers=user.headers)
    assert r.status_code == 204
    order.remove(stories[0])
    assert positions(client, wl["id"], user) == [(s, n) for n, s in enumerate(order)]
    archived = [i for i in client.get(f"/v1/worklists/{wl['id']}/items").json() if i["archived"]]
    assert [(i["id"], i["list_position"]) for i in archived] == [(cards[stories[0]], 99999)]
    assert client.delete(f"/v1/worklists/{wl['id']}/items/{cards[stories[0]]}",
                         headers=user.headers).status_code == 404
    # Re-adding un-archives the same card.
    again = add(api, wl["id"], stories[0], who=user, list_position=0)
    assert again["id"] == cards[stories[0]] and again["archived"] is False and again["list_position"] == 0
    r = client.get(f"/v1/worklists/{wl['id']}/items")
    assert r.headers["X-Total"] == "5" and len(r.json()) == 5
    contents = events(client, user, wl["id"], "worklist_contents_changed")
    added = contents[0]
    assert set(added) == {"worklist_id", "author_id", "added", "removed", "updated"}
    assert set(added["added"][0]) == {"item_id", "item_type", "item_title", "position", "worklist_id",
                                      "due_date_id"}
    moved = [c for c in contents if c["updated"]][0]["updated"][0]
    assert set(moved) == {"old", "new"}


def test_tasks_as_cards_and_bad_input(client, api, user):
    project = api.project()
    story = api.story(user)
    task = api.task(story["id"], project["id"], user)
    wl = worklist(api, user)
    item = add(api, wl["id"], task["id"], "task", who=user)
    assert item["task"]["id"] == task["id"] and item["story"] is None
    base = f"/v1/worklists/{wl['id']}/items"
    for body, field in (({"item_type": "story"}, "item_id"), ({"item_id": story["id"]}, "item_type"),
                        ({"item_id": "abc", "item_type": "story"}, "item_id"),
                        ({"item_id": story["id"], "item_type": "epic"}, "item_type"),
                        ({"item_id": story["id"], "item_type": "story", "list_position": -1}, "list_position")):
        r = client.post(base, json=body, headers=user.headers)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    r = client.post(base, json={"item_id": 2_000_000_000, "item_type": "story"}, headers=user.headers)
    assert r.status_code == 404
    assert client.post(base, content=b"{nope", headers=user.headers).status_code == 400
    assert client.put(f"{base}/{item['id']}", json={"display_due_date": 2_000_000_000},
                      headers=user.headers).status_code == 400


def test_cards_belong_to_the_list_in_the_url(client, api, user, other):
    """§6 item 4: card ids must belong to the worklist named in the URL; moving needs rights on both."""
    mine, theirs = worklist(api, user), worklist(api, other)
    story = api.story(other)["id"]
    card = add(api, theirs["id"], story, who=other)
    # Edit rights on my list do not reach the other list's card.
    r = client.put(f"/v1/worklists/{mine['id']}/items/{card['id']}", json={"list_id": mine["id"]},
                   headers=user.headers)
    assert r.status_code == 404
    assert client.delete(f"/v1/worklists/{mine['id']}/items/{card['id']}", headers=user.headers).status_code == 404
    # Moving my card into their list needs rights there.
    my_card = add(api, mine["id"], api.story(user)["id"], who=user)
    r = client.put(f"/v1/worklists/{mine['id']}/items/{my_card['id']}", json={"list_id": theirs["id"]},
                   headers=user.headers)
    assert r.status_code == 403
    assert positions(client, theirs["id"], other) == [(story, 0)]
    # With move rights on both, the card moves and both lists' positions close up.
    api.ok("PUT", f"/v1/worklists/{theirs['id']}/permissions", other,
           json={"codename": "move_items", "users": [user.id]})
    r = client.put(f"/v1/worklists/{mine['id']}/items/{my_card['id']}",
                   json={"list_id": theirs["id"], "list_position": 0}, headers=user.headers)
    assert r.status_code == 200 and r.json()["list_id"] == theirs["id"]
    assert positions(client, theirs["id"], other) == [(my_card["item_id"], 0), (story, 1)]
    assert positions(client, mine["id"], user) == []


def test_permissions_endpoints(client, api, user, other):
    wl = worklist(api, user)
    base = f"/v1/worklists/{wl['id']}/permissions"
    assert client.get(base, headers=user.headers).json() == ["edit_worklist"]
    assert client.get(base, headers=other.headers).json() == []
    assert client.get(base).json() == []
    card = add(api, wl["id"], api.story(user)["id"], who=user)
    assert client.delete(f"/v1/worklists/{wl['id']}/items/{card['id']}", headers=other.headers).status_code == 403
    r = client.post(base, json={"codename": "move_items", "users": [other.id]}, headers=other.headers)
    assert r.status_code == 403
    r = client.post(base, json={"codename": "move_items", "users": [other.id]}, headers=user.headers)
    assert r.status_code == 200 and r.json() == "move_items"
    assert client.get(base, headers=other.headers).json() == ["move_items"]
    # move_items allows cards but not the list's details.
    assert client.put(f"/v1/worklists/{wl['id']}/items/{card['id']}", json={"list_position": 0},
                      headers=other.headers).status_code == 200
    assert client.put(f"/v1/worklists/{wl['id']}", json={"title": "no"}, headers=other.headers).status_code == 403
    r = client.put(base, json={"codename": "move_items", "users": []}, headers=user.headers)
    assert r.status_code == 200 and r.json() == "move_items"
    assert client.get(base, headers=other.headers).json() == []
    changed = events(client, user, wl["id"], "worklist_permissions_changed")
    assert changed[-1]["removed"] == [{str(other.id): other.name}] and changed[-1]["added"] == []
    assert set(changed[-1]) == {"worklist_id", "permission_id", "author_id", "codename", "added", "removed"}
    r = client.post(base, json={"codename": "admin", "users": []}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "codename"
    r = client.put(base, json={"codename": "move_items", "users": [2_000_000_000]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "users"


def test_team_permissions(client, api, user, other, admin):
    team = api.ok("POST", "/v1/teams", json={"name": uniq("planners-")})
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{other.id}")
    wl = worklist(api, user, private=True, team_users=[team["id"]])
    assert wl["team_users"] == [team["id"]]
    assert client.get(f"/v1/worklists/{wl['id']}", headers=other.headers).status_code == 200
    assert client.get(f"/v1/worklists/{wl['id']}/permissions", headers=other.headers).json() == ["move_items"]
    api.ok("DELETE", f"/v1/teams/{team['id']}/users/{other.id}")
    assert client.get(f"/v1/worklists/{wl['id']}", headers=other.headers).status_code == 404


def test_private_worklists(client, api, user, other, admin):
    wl = worklist(api, user, private=True, title=uniq("Secret list "))
    for who in (None, other, admin):  # superusers do not bypass
        headers = who.headers if who else {}
        assert client.get(f"/v1/worklists/{wl['id']}", headers=headers).status_code == 404
        assert client.get(f"/v1/worklists/{wl['id']}/items", headers=headers).status_code == 404
        assert client.get(f"/v1/worklists/{wl['id']}/filters", headers=headers).status_code == 404
        r = client.get("/v1/worklists", params={"title": wl["title"]}, headers=headers)
        assert r.json() == [] and r.headers["X-Total"] == "0"
        # Its timeline events (which carry its title) are hidden too.
        r = client.get("/v1/events", params={"worklist_id": wl["id"]}, headers=headers)
        assert r.json() == [] and r.headers["X-Total"] == "0" and wl["title"] not in r.text
    own = client.get("/v1/events", params={"worklist_id": wl["id"]}, headers=user.headers).json()
    assert own and all(e["worklist_id"] == wl["id"] for e in own)
    for who in (None, other, admin):
        headers = who.headers if who else {}
        assert client.get(f"/v1/events/{own[0]['id']}", headers=headers).status_code == 404
    r = client.put(f"/v1/worklists/{wl['id']}", json={"title": "x"}, headers=other.headers)
    assert r.status_code == 404
    r = client.post("/v1/subscriptions", json={"target_type": "worklist", "target_id": wl["id"]},
                    headers=other.headers)
    assert r.status_code == 400
    r = client.get("/v1/worklists", params={"title": wl["title"]}, headers=user.headers)
    assert [w["id"] for w in r.json()] == [wl["id"]] and r.headers["X-Total"] == "1"
    # Adding someone as a user makes it visible to them.
    api.ok("POST", f"/v1/worklists/{wl['id']}/permissions", user, json={"codename": "move_items",
                                                                        "users": [other.id]})
    assert client.get(f"/v1/worklists/{wl['id']}", headers=other.headers).status_code == 200


def test_cards_of_private_stories_are_hidden_and_not_counted(client, api, user, other):
    """§5.4, §6 item 13: cards pointing at invisible stories are left out of every read and count."""
    secret = uniq("zqhidden")
    private = api.story(user, title=f"Private {secret}", private=True)["id"]
    public = api.story(user)["id"]
    project = api.project()
    hidden_task = api.task(private, project["id"], user, title=f"Task {secret}")["id"]
    wl = worklist(api, user)
    api.ok("PUT", f"/v1/worklists/{wl['id']}/permissions", user, json={"codename": "move_items",
                                                                       "users": [other.id]})
    add(api, wl["id"], public, who=user)
    private_card = add(api, wl["id"], private, who=user)
    task_card = add(api, wl["id"], hidden_task, "task", who=user)
    assert len(client.get(f"/v1/worklists/{wl['id']}/items", headers=user.headers).json()) == 3
    for who in (None, other):
        headers = who.headers if who else {}
        for path in (f"/v1/worklists/{wl['id']}", f"/v1/worklists/{wl['id']}/items", "/v1/worklists",
                     f"/v1/events?worklist_id={wl['id']}", "/v1/events"):
            r = client.get(path, headers=headers)
            assert r.status_code == 200 and secret not in r.text, path
        r = client.get(f"/v1/worklists/{wl['id']}/items", headers=headers)
        assert [i["item_id"] for i in r.json()] == [public] and r.headers["X-Total"] == "1"
        assert client.get("/v1/worklists", params={"story_id": private}, headers=headers).json() == []
        # The invisible cards answer like missing ones.
        for card in (private_card, task_card):
            if who is not None:
                r = client.put(f"/v1/worklists/{wl['id']}/items/{card['id']}", json={"list_position": 0},
                               headers=headers)
                assert r.status_code == 404
        if who is not None:
            r = client.post(f"/v1/worklists/{wl['id']}/items", json={"item_id": private, "item_type": "story"},
                            headers=headers)
            assert r.status_code == 404
    ids = [w["id"] for w in client.get("/v1/worklists", params={"story_id": private},
                                       headers=user.headers).json()]
    assert ids == [wl["id"]]
    # The owner still sees the events with the titles.
    assert secret in client.get(f"/v1/events?worklist_id={wl['id']}", headers=user.headers).text


def test_positions_are_ranks_among_the_cards_the_reader_sees(client, api, user, other):
    """Finding 6: a gap in the positions would show where a private card stands."""
    first, second, third = (api.story(user)["id"] for _ in range(3))
    private = api.story(user, private=True)["id"]
    wl = worklist(api, user)
    api.ok("PUT", f"/v1/worklists/{wl['id']}/permissions", user, json={"codename": "move_items",
                                                                       "users": [other.id]})
    for sid in (private, first, second):
        add(api, wl["id"], sid, who=user)
    assert positions(client, wl["id"], user) == [(private, 0), (first, 1), (second, 2)]
    for headers in ({}, other.headers):
        items = client.get(f"/v1/worklists/{wl['id']}/items", headers=headers).json()
        assert [(i["item_id"], i["list_position"]) for i in items] == [(first, 0), (second, 1)]
        whole = client.get(f"/v1/worklists/{wl['id']}", headers=headers).json()
        assert [(i["item_id"], i["list_position"]) for i in whole["items"]] == [(first, 0), (second, 1)]
    # A card added by someone who cannot see the private one lands where they asked among what they see,
    # and the answer gives its rank among those.
    card = add(api, wl["id"], third, who=other, list_position=1)
    assert card["list_position"] == 1
    assert positions(client, wl["id"], other) == [(first, 0), (third, 1), (second, 2)]
    assert positions(client, wl["id"], user) == [(private, 0), (first, 1), (third, 2), (second, 3)]
    moved = api.ok("PUT", f"/v1/worklists/{wl['id']}/items/{card['id']}", other, json={"list_position": 0})
    assert moved["list_position"] == 0
    assert positions(client, wl["id"], other) == [(third, 0), (first, 1), (second, 2)]
    assert positions(client, wl["id"], user)[:2] == [(private, 0), (third, 1)]
    # Events (read by everyone who sees the card's story) carry ranks among public cards.
    changes = events(client, other, wl["id"], "worklist_contents_changed")
    assert {"old": 1, "new": 0} == {"old": changes[-1]["updated"][0]["old"]["position"],
                                    "new": changes[-1]["updated"][0]["new"]["position"]}
    assert [c["added"][0]["position"] for c in changes if c["added"]][:2] == [0, 1]


def test_worklist_subscribers_are_notified_within_visibility(client, api, user, other):
    wl = worklist(api, user)
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "worklist", "target_id": wl["id"]})
    secret = uniq("zqinbox")
    private = api.story(user, title=f"Private {secret}", private=True)["id"]
    add(api, wl["id"], api.story(user)["id"], who=user)
    add(api, wl["id"], private, who=user)
    inbox = client.get("/v1/subscription_events", headers=other.headers)
    assert inbox.status_code == 200
    rows = [e for e in inbox.json() if e["event_type"] == "worklist_contents_changed"]
    assert len(rows) == 1 and secret not in inbox.text
    # Made private, the list no longer notifies the subscriber.
    api.ok("PUT", f"/v1/worklists/{wl['id']}", user, json={"private": True})
    add(api, wl["id"], api.story(user)["id"], who=user)
    rows = [e for e in client.get("/v1/subscription_events", headers=other.headers).json()
            if e["event_type"] == "worklist_contents_changed"]
    assert len(rows) == 1


def test_filters_crud(client, api, user, other):
    wl = worklist(api, user, automatic=True)
    base = f"/v1/worklists/{wl['id']}/filters"
    r = client.post(base, json={"type": "Story", "filter_criteria": [
        {"title": "tag", "field": "Tags", "value": "needs-review", "negative": False}]}, headers=user.headers)
    assert r.status_code == 200, r.text
    f = r.json()
    assert set(f) == {"id", "created_at", "updated_at", "list_id", "type", "filter_criteria"}
    crit = f["filter_criteria"][0]
    assert set(crit) == {"id", "created_at", "updated_at", "filter_id", "title", "field", "value", "negative"}
    assert client.get(f"{base}/{f['id']}").json()["id"] == f["id"]
    assert [x["id"] for x in client.get(base).json()] == [f["id"]]
    r = client.put(f"{base}/{f['id']}", json={"filter_criteria": [
        {"id": crit["id"], "field": "Tags", "value": "reviewed", "negative": True},
        {"field": "StoryStatus", "value": "active"}]}, headers=user.headers)
    assert r.status_code == 200, r.text
    got = r.json()["filter_criteria"]
    assert [(c["id"] == crit["id"], c["value"], c["negative"]) for c in got] == [
        (True, "reviewed", True), (False, "active", False)]
    r = client.put(f"{base}/{f['id']}", json={"filter_criteria": [{"field": "Text", "value": "x"}]},
                   headers=user.headers)
    assert [c["field"] for c in r.json()["filter_criteria"]] == ["Text"]
    r = client.post(base, json={"type": "Story", "filter_criteria": [{"field": "Project", "value": "abc"}]},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "filter_criteria.0.value"
    assert client.post(base, json={"type": "Epic"}, headers=user.headers).status_code == 400
    assert client.post(base, json={"type": "Story"}, headers=other.headers).status_code == 403
    # §6 item 4: a filter id of another list answers 404 through this one.
    mine = worklist(api, other)
    for method in ("GET", "PUT", "DELETE"):
        r = client.request(method, f"/v1/worklists/{mine['id']}/filters/{f['id']}", headers=other.headers,
                           json={"type": "Task"} if method == "PUT" else None)
        assert r.status_code == 404, method
    r = client.delete(f"{base}/{f['id']}", headers=user.headers)
    assert r.status_code == 200 and r.content == b""
    assert client.get(f"{base}/{f['id']}").status_code == 404
    changes = events(client, user, wl["id"], "worklist_filters_changed")
    assert [(bool(c["added"]), bool(c["updated"]), bool(c["removed"])) for c in changes] == [
        (True, False, False), (False, True, False), (False, True, False), (False, False, True)]
    assert all(set(c) == {"worklist_id", "author_id", "added", "removed", "updated"} for c in changes)
    assert len(changes) == 4 and changes[-1]["removed"][0]["id"] == f["id"]


def test_automatic_worklist_items_are_computed(client, api, user, other):
    """§6 item 17: GET items of an automatic list answers the computed items (StoryBoard: 500)."""
    tag = uniq("autotag")
    project = api.project()
    a = api.story(user, title=uniq("Alpha "), tags=[tag])
    b = api.story(user, title=uniq("Beta "), tags=[tag])
    hidden = api.story(user, title=uniq("Gamma "), tags=[tag], private=True)
    api.story(user, title=uniq("Delta "))
    t = api.task(b["id"], project["id"], user, assignee_id=other.id)
    api.task(a["id"], project["id"], user)
    wl = worklist(api, user, automatic=True, filters=[
        {"type": "Story", "filter_criteria": [{"field": "Tags", "value": tag}]}])
    r = client.get(f"/v1/worklists/{wl['id']}/items", headers=other.headers)
    assert r.status_code == 200, r.text
    assert [(i["item_type"], i["item_id"], i["list_position"]) for i in r.json()] == [
        ("story", a["id"], 0), ("story", b["id"], 0)]
    assert r.headers["X-Total"] == "2" and r.json()[0]["story"]["title"] == a["title"]
    mine = client.get(f"/v1/worklists/{wl['id']}/items", headers=user.headers).json()
    assert [i["item_id"] for i in mine] == [a["id"], b["id"], hidden["id"]]
    assert [i["item_id"] for i in client.get(f"/v1/worklists/{wl['id']}").json()["items"]] == [a["id"], b["id"]]
    # AND within a filter, `negative`, and OR between filters.
    f = client.get(f"/v1/worklists/{wl['id']}/filters").json()[0]
    api.ok("PUT", f"/v1/worklists/{wl['id']}/filters/{f['id']}", user, json={"filter_criteria": [
        {"field": "Tags", "value": tag}, {"field": "User", "value": str(other.id), "negative": True}]})
    got = [i["item_id"] for i in client.get(f"/v1/worklists/{wl['id']}/items", headers=other.headers).json()]
    assert got == [a["id"]]
    api.ok("POST", f"/v1/worklists/{wl['id']}/filters", user, json={"type": "Task", "filter_criteria": [
        {"field": "User", "value": other.id}, {"field": "Project", "value": project["id"]},
        {"field": "Unknown", "value": "ignored"}]})
    got = [(i["item_type"], i["item_id"]) for i in
           client.get(f"/v1/worklists/{wl['id']}/items", headers=other.headers).json()]
    assert got == [("story", a["id"]), ("task", t["id"])]
    # Cards cannot be added by hand.
    r = client.post(f"/v1/worklists/{wl['id']}/items", json={"item_id": a["id"], "item_type": "story"},
                    headers=user.headers)
    assert r.status_code == 400


def test_automatic_filter_fields(client, api, user):
    group = api.group()
    project = api.project()
    api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{project['id']}")
    s = api.story(user, title=uniq("Findme "))
    task = api.task(s["id"], project["id"], user, status="review")
    cases = [("Story", "ProjectGroup", group["id"], ("story", s["id"])),
             ("Story", "Project", project["id"], ("story", s["id"])),
             ("Story", "Story", s["id"], ("story", s["id"])),
             ("Story", "TaskStatus", "review", ("story", s["id"])),
             ("Story", "Text", s["title"].lower(), ("story", s["id"])),
             ("Task", "ProjectGroup", group["id"], ("task", task["id"])),
             ("Task", "Story", s["id"], ("task", task["id"])),
             ("Task", "TaskStatus", "review", ("task", task["id"])),
             ("Task", "StoryStatus", "active", ("task", task["id"])),
             ("Task", "Text", task["title"], ("task", task["id"]))]
    for ftype, field, value, expected in cases:
        crit = [{"field": field, "value": value}, {"field": "Project", "value": project["id"]}]
        if ftype == "Story":
            crit[1] = {"field": "Story", "value": s["id"]}
        wl = worklist(api, user, automatic=True, filters=[{"type": ftype, "filter_criteria": crit}])
        got = [(i["item_type"], i["item_id"]) for i in client.get(f"/v1/worklists/{wl['id']}/items").json()]
        assert got == [expected], (ftype, field)


def test_list_filters(client, api, user, other):
    project = api.project()
    story = api.story(user)
    wl = worklist(api, user, project_id=project["id"])
    add(api, wl["id"], story["id"], who=user)
    api.ok("POST", "/v1/subscriptions", other, json={"target_type": "worklist", "target_id": wl["id"]})
    for params in ({"project_id": project["id"]}, {"story_id": story["id"]}, {"user_id": user.id,
                   "project_id": project["id"]}, {"subscriber_id": other.id}, {"item_type": "story",
                   "project_id": project["id"]}, {"title": wl["title"].upper()}):
        # What someone follows is theirs to list (audit finding 9).
        r = client.get("/v1/worklists", params=params, headers=other.headers if "subscriber_id" in params else {})
        assert [w["id"] for w in r.json()] == [wl["id"]], params
        assert r.headers["X-Total"] == "1"
    r = client.get("/v1/worklists", params={"creator_id": user.id, "limit": 1, "offset": 0})
    assert r.headers["X-Limit"] == "1" and r.headers["X-Offset"] == "0"
    r = client.post("/v1/worklists", json={"title": "x", "project_id": 2_000_000_000}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "project_id"


# ---- beyond StoryBoard: more criteria, saved searches -------------------------------------------------

def _age(app, task_ids, days):
    import datetime as dt

    from sqlalchemy import update

    from storyline.db import session_scope
    from storyline.stories.models import Task

    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    with session_scope(app.state.write_sessions) as session:
        session.execute(update(Task).where(Task.id.in_(task_ids)).values(created_at=when, updated_at=when))


def _items(client, wl_id, who=None):
    r = client.get(f"/v1/worklists/{wl_id}/items", headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    return [(i["item_type"], i["item_id"]) for i in r.json()]


def test_storyline_criteria_fields(client, api, user, app):
    project = api.project()
    branch = api.ok("GET", "/v1/branches", params={"project_id": project["id"]})[0]["id"]
    milestone = api.ok("POST", "/v1/milestones", json={"name": uniq("ms-"), "branch_id": branch})["id"]
    s = api.story(user)
    old = api.task(s["id"], project["id"], user, status="merged", milestone_id=milestone)
    new = api.task(s["id"], project["id"], user)
    _age(app, [old["id"]], 30)
    cases = [("Branch", branch, [old["id"], new["id"]]), ("Milestone", milestone, [old["id"]]),
             ("InactiveDays", 10, [old["id"]]), ("ActiveWithinDays", 10, [new["id"]]),
             ("UpdatedBefore", "2000-01-01T00:00:00Z", []), ("UpdatedAfter", "2000-01-01T00:00:00+00:00",
                                                             [old["id"], new["id"]])]
    for field, value, expected in cases:
        wl = worklist(api, user, automatic=True, filters=[{"type": "Task", "filter_criteria": [
            {"field": "Project", "value": project["id"]}, {"field": field, "value": value}]}])
        assert _items(client, wl["id"]) == [("task", t) for t in expected], field
    wl = worklist(api, user, automatic=True, filters=[{"type": "Story", "filter_criteria": [
        {"field": "Milestone", "value": milestone}]}])
    assert _items(client, wl["id"]) == [("story", s["id"])]
    r = client.post("/v1/worklists", json={"title": "x", "automatic": True, "filters": [{"type": "Task",
                    "filter_criteria": [{"field": "UpdatedBefore", "value": "last week"}]}]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "filter_criteria.0.value"


def test_saved_search_as_automatic_worklist(client, api, user, other):
    project = api.project()
    a, b = api.story(user), api.story(user)
    in_review = api.task(a["id"], project["id"], user, status="review")
    in_progress = api.task(b["id"], project["id"], user, status="inprogress", assignee_id=other.id)
    api.task(b["id"], project["id"], user, status="todo")
    hidden = api.story(user, private=True)
    hidden_task = api.task(hidden["id"], project["id"], user, status="review")
    r = client.post("/preview/worklists/from_search", json={
        "title": "My review queue", "type": "Task", "project_id": project["id"],
        "task_status": ["review", "inprogress"]}, headers=user.headers)
    assert r.status_code == 200, r.text
    wl = r.json()
    assert wl["automatic"] is True and len(wl["filters"]) == 2
    assert [(i["item_type"], i["item_id"]) for i in wl["items"]] == [
        ("task", in_review["id"]), ("task", in_progress["id"]), ("task", hidden_task["id"])]
    assert _items(client, wl["id"], other) == [("task", in_review["id"]), ("task", in_progress["id"])]
    r = client.post("/preview/worklists/from_search", json={
        "title": "Assigned", "type": "Story", "assignee_id": other.id, "project_id": project["id"]},
        headers=user.headers)
    assert [(i["item_type"], i["item_id"]) for i in r.json()["items"]] == [("story", b["id"])]
    # A saved search is an ordinary worklist: it can become a board lane.
    board = api.ok("POST", "/v1/boards", user, json={"title": "Queue", "lanes": [{"list_id": wl["id"]}]})
    assert len(client.get(f"/v1/boards/{board['id']}", headers=other.headers).json()["lanes"][0]["worklist"]
               ["items"]) == 2
    for body, field in (({"title": "x"}, "type"), ({"title": "x", "task_status": ["done"]}, "task_status"),
                        ({"title": "x", "updated_after": "yesterday"}, "updated_after"),
                        ({"title": "x", "project_id": 2_000_000_000}, "project_id")):
        r = client.post("/preview/worklists/from_search", json=body, headers=user.headers)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert client.post("/preview/worklists/from_search", json={"title": "x", "text": "y"}).status_code == 401


def test_priority_lists(client, api, user, other):
    project = api.project()
    cycle = uniq("2026.")
    # Finding 3: the one list of a project or team for a cycle cannot be taken by a stranger.
    r = client.post("/preview/priority_lists", json={"project_id": project["id"], "cycle": cycle},
                    headers=user.headers)
    assert r.status_code == 403
    core = api.ok("POST", "/v1/teams", json={"name": uniq("prio-core-")})
    api.ok("PUT", f"/v1/teams/{core['id']}/users/{user.id}")
    api.ok("PUT", f"/v1/teams/{core['id']}/projects/{project['id']}")
    r = client.post("/preview/priority_lists", json={"project_id": project["id"], "cycle": cycle},
                    headers=user.headers)
    assert r.status_code == 200, r.text
    plist = r.json()
    assert plist["title"] == f"Priorities for {cycle}" and plist["automatic"] is False
    assert plist["priority"] == {"cycle": cycle, "project_id": project["id"], "team_id": None}
    again = client.post("/preview/priority_lists", json={"project_id": project["id"], "cycle": cycle},
                        headers=user.headers)
    assert again.status_code == 409
    secret = api.story(user, private=True)
    first, second = api.story(user), api.story(user)
    for sid in (secret["id"], first["id"], second["id"]):
        add(api, plist["id"], sid, who=user)
    # A team's list, edited by the team's members.
    team = api.ok("POST", "/v1/teams", json={"name": uniq("prio-team-")})
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{other.id}")
    r = client.post("/preview/priority_lists", json={"team_id": team["id"], "cycle": cycle}, headers=user.headers)
    assert r.status_code == 403
    tlist = api.ok("POST", "/preview/priority_lists", other, json={"team_id": team["id"], "cycle": cycle})
    assert tlist["team_owners"] == [team["id"]]
    add(api, tlist["id"], second["id"], who=other, list_position=0)
    r = client.get(f"/preview/stories/{second['id']}/priority_lists", headers=other.headers)
    assert r.status_code == 200
    assert [(x["worklist_id"], x["position"]) for x in r.json()] == [(plist["id"], 1), (tlist["id"], 0)]
    # The owner sees the private story above it.
    mine = client.get(f"/preview/stories/{second['id']}/priority_lists", headers=user.headers).json()
    assert [(x["worklist_id"], x["position"]) for x in mine] == [(plist["id"], 2), (tlist["id"], 0)]
    assert client.get(f"/preview/stories/{secret['id']}/priority_lists", headers=other.headers).status_code == 404
    listed = client.get("/preview/priority_lists", params={"project_id": project["id"]}, headers=other.headers)
    assert [x["id"] for x in listed.json()] == [plist["id"]] and listed.headers["X-Total"] == "1"
    assert [i["item_id"] for i in listed.json()[0]["items"]] == [first["id"], second["id"]]
    assert [x["id"] for x in client.get("/preview/priority_lists", params={"cycle": cycle}).json()] == [
        plist["id"], tlist["id"]]
    for body, field in (({"cycle": "x"}, "project_id"), ({"cycle": "x", "team_id": 2_000_000_000}, "team_id"),
                        ({"project_id": project["id"]}, "cycle")):
        r = client.post("/preview/priority_lists", json=body, headers=user.headers)
        assert r.status_code == 400 and r.json()["field"] == field, body


def test_card_events_follow_the_story_when_it_turns_private(client, api, user, other):
    """A card added while its story was public: once the story is private, its title no longer shows."""
    word = uniq("zqlater")
    story = api.story(user, title=f"Open for now {word}")
    wl = worklist(api, user)
    add(api, wl["id"], story["id"], who=user)
    assert word in client.get("/v1/events", params={"worklist_id": wl["id"]}, headers=other.headers).text
    api.ok("PUT", f"/v1/stories/{story['id']}", user, json={"private": True, "users": [user.id]})
    for who in (None, other):
        r = client.get("/v1/events", params={"worklist_id": wl["id"]}, headers=who.headers if who else {})
        assert r.status_code == 200 and word not in r.text
        assert int(r.headers["X-Total"]) == len(r.json())
    assert word in client.get("/v1/events", params={"worklist_id": wl["id"]}, headers=user.headers).text


def test_worklist_subscription_hidden_after_losing_access(client, api, user, other):
    wl = worklist(api, user, private=True, title=uniq("Shared list "))
    api.ok("POST", f"/v1/worklists/{wl['id']}/permissions", user, json={"codename": "move_items",
                                                                        "users": [other.id]})
    sub = api.ok("POST", "/v1/subscriptions", other, json={"target_type": "worklist", "target_id": wl["id"]})
    mine = client.get("/v1/subscriptions", params={"target_type": "worklist"}, headers=other.headers).json()
    assert sub["id"] in [s["id"] for s in mine]
    api.ok("PUT", f"/v1/worklists/{wl['id']}/permissions", user, json={"codename": "move_items", "users": []})
    mine = client.get("/v1/subscriptions", params={"target_type": "worklist"}, headers=other.headers).json()
    assert sub["id"] not in [s["id"] for s in mine]
    assert client.get(f"/v1/subscriptions/{sub['id']}", headers=other.headers).status_code == 404


def test_items_list_archived_cards_and_cards_carry_due_dates(client, api, user, other):
    """As StoryBoard: GET /items lists archived cards too (after the active ones, `archived: true`,
    position 99999), while the worklist's own read shows the active ones; a card's story or task
    carries `due_dates`, the ids of the due dates it is on that the reader may see."""
    project = api.project()
    a, b = api.story(user)["id"], api.story(user)["id"]
    private = api.story(user, private=True)["id"]
    task = api.task(a, project["id"], user)["id"]
    wl = worklist(api, user)
    cards = {key: add(api, wl["id"], item_id, item_type, who=user)["id"]
             for key, item_id, item_type in (("a", a, "story"), ("task", task, "task"), ("b", b, "story"),
                                             ("private", private, "story"))}
    for key in ("b", "private"):
        assert client.delete(f"/v1/worklists/{wl['id']}/items/{cards[key]}", headers=user.headers).status_code == 204
    public_date = api.ok("POST", "/v1/due_dates", user, json={"name": uniq("Freeze "), "date": "2030-03-01"})
    secret_date = api.ok("POST", "/v1/due_dates", user, json={"name": uniq("Embargo "), "date": "2030-04-01",
                                                               "private": True})
    for d in (public_date, secret_date):
        api.ok("PUT", f"/v1/due_dates/{d['id']}", user, json={"stories": [a], "tasks": [task]})

    r = client.get(f"/v1/worklists/{wl['id']}/items", headers=user.headers)
    assert r.status_code == 200 and r.headers["X-Total"] == "4"
    assert [(i["id"], i["archived"], i["list_position"]) for i in r.json()] == [
        (cards["a"], False, 0), (cards["task"], False, 1), (cards["b"], True, 99999), (cards["private"], True, 99999)]
    by_card = {i["id"]: i for i in r.json()}
    both = sorted([public_date["id"], secret_date["id"]])
    assert by_card[cards["a"]]["story"]["due_dates"] == both
    assert by_card[cards["task"]]["task"]["due_dates"] == both
    assert by_card[cards["b"]]["story"]["due_dates"] == [] and by_card[cards["b"]]["story"]["id"] == b
    story_keys = list(by_card[cards["a"]]["story"])
    assert story_keys[story_keys.index("tags") + 1] == "due_dates"  # where StoryBoard puts it
    task_keys = list(by_card[cards["task"]]["task"])
    assert task_keys[task_keys.index("milestone_id") + 1] == "due_dates"
    # The answer is what the OpenAPI document declares (a card's story and task are typed, due_dates too).
    for item in r.json():
        card = WorklistItemOut.model_validate(item)
        assert (card.story or card.task) is not None
        assert (card.story.due_dates if card.story else card.task.due_dates) == item[item["item_type"]]["due_dates"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "due_dates" in schemas["CardStoryOut"]["properties"] and "due_dates" in schemas["CardTaskOut"]["properties"]

    # Someone else: the private story's card is not there (archived or not), the private date neither.
    for headers in ({}, other.headers):
        r = client.get(f"/v1/worklists/{wl['id']}/items", headers=headers)
        assert r.headers["X-Total"] == "3" and cards["private"] not in [i["id"] for i in r.json()]
        by_card = {i["id"]: i for i in r.json()}
        assert by_card[cards["a"]]["story"]["due_dates"] == [public_date["id"]]
        assert by_card[cards["task"]]["task"]["due_dates"] == [public_date["id"]]

    # The worklist's own read (and a board's) shows the active cards, with due_dates on them too.
    whole = client.get(f"/v1/worklists/{wl['id']}", headers=user.headers).json()
    assert [i["id"] for i in whole["items"]] == [cards["a"], cards["task"]]
    assert whole["items"][0]["story"]["due_dates"] == both
    board = api.ok("POST", "/v1/boards", user, json={"title": uniq("Board "), "lanes": [
        {"list_id": wl["id"], "position": 0}]})
    lane = client.get(f"/v1/boards/{board['id']}", headers=other.headers).json()["lanes"][0]["worklist"]
    assert [i["id"] for i in lane["items"]] == [cards["a"], cards["task"]]
    assert lane["items"][1]["task"]["due_dates"] == [public_date["id"]]
