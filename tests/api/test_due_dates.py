"""Due dates (reference §2.16, §5.4, §6 item 20): never deleted, detached from boards, private ones
invisible (404), assigned stories and tasks shown only when visible."""

from __future__ import annotations

from builders import uniq

DUE_KEYS = {"id", "created_at", "updated_at", "name", "date", "private", "creator_id", "tasks", "stories",
            "count", "owners", "users", "team_owners", "team_users", "editable", "assignable"}


def due(api, who, **fields):
    fields.setdefault("name", uniq("Release "))
    fields.setdefault("date", "2030-04-01T12:00:00Z")
    return api.ok("POST", "/v1/due_dates", who, json=fields)


def test_create_get_and_edit(client, api, user, other):
    r = client.post("/v1/due_dates", json={"name": "Freeze", "date": "2030-03-01T10:00:00+02:00"},
                    headers=user.headers)
    assert r.status_code == 200, r.text
    d = r.json()
    assert set(d) == DUE_KEYS
    assert d["date"] == "2030-03-01T08:00:00+00:00" and d["owners"] == [user.id] and d["count"] == 0
    assert d["editable"] is True and d["assignable"] is True
    anon = client.get(f"/v1/due_dates/{d['id']}").json()
    assert anon["editable"] is False and anon["assignable"] is False
    r = client.put(f"/v1/due_dates/{d['id']}", json={"name": "Hard freeze"}, headers=user.headers)
    assert r.status_code == 200 and r.json()["name"] == "Hard freeze"
    assert client.put(f"/v1/due_dates/{d['id']}", json={"name": "no"}, headers=other.headers).status_code == 403
    r = client.put(f"/v1/due_dates/{d['id']}", json={"date": "not a date"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert client.post("/v1/due_dates", json={"name": "x", "date": "2030-01-01"}).status_code == 401
    r = client.post("/v1/due_dates", json={"name": "x"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "date"
    assert client.get("/v1/due_dates/2000000000").status_code == 404


def test_assign_permissions(client, api, user, other):
    d = due(api, user, users=[other.id])
    assert d["users"] == [other.id]
    s = api.story(user)
    project = api.project()
    t = api.task(s["id"], project["id"], user)
    # assign_date holders assign stories and tasks, but cannot rename.
    r = client.put(f"/v1/due_dates/{d['id']}", json={"stories": [{"id": s["id"]}], "tasks": [t["id"]]},
                   headers=other.headers)
    assert r.status_code == 200, r.text
    got = r.json()
    assert [x["id"] for x in got["stories"]] == [s["id"]] and [x["id"] for x in got["tasks"]] == [t["id"]]
    assert got["count"] == 2 and got["assignable"] is True and got["editable"] is False
    assert client.put(f"/v1/due_dates/{d['id']}", json={"private": True}, headers=other.headers).status_code == 403
    r = client.put(f"/v1/due_dates/{d['id']}", json={"stories": []}, headers=other.headers)
    assert r.json()["stories"] == [] and r.json()["count"] == 1
    r = client.put(f"/v1/due_dates/{d['id']}", json={"stories": [2_000_000_000]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "stories"
    assert client.get(f"/v1/due_dates/{d['id']}/permissions", headers=other.headers).json() == ["assign_date"]
    r = client.put(f"/v1/due_dates/{d['id']}/permissions", json={"codename": "assign_date", "users": []},
                   headers=user.headers)
    assert r.status_code == 200 and r.json() == "assign_date"
    assert client.put(f"/v1/due_dates/{d['id']}", json={"tasks": []}, headers=other.headers).status_code == 403
    r = client.post(f"/v1/due_dates/{d['id']}/permissions", json={"codename": "edit_date", "users": [other.id]},
                    headers=other.headers)
    assert r.status_code == 403


def test_private_due_dates_are_invisible(client, api, user, other, admin):
    """§6 item 20: an invisible due date answers 404 (StoryBoard returned the error object)."""
    d = due(api, user, private=True, name=uniq("Embargoed "))
    for who in (None, other, admin):
        headers = who.headers if who else {}
        assert client.get(f"/v1/due_dates/{d['id']}", headers=headers).status_code == 404
        assert client.get(f"/v1/due_dates/{d['id']}/permissions", headers=headers).status_code == 404
        r = client.get("/v1/due_dates", params={"name": d["name"]}, headers=headers)
        assert r.json() == [] and r.headers["X-Total"] == "0"
    assert client.put(f"/v1/due_dates/{d['id']}", json={"name": "x"}, headers=other.headers).status_code == 404
    assert client.get(f"/v1/due_dates/{d['id']}", headers=user.headers).status_code == 200
    r = client.get("/v1/due_dates", params={"name": d["name"]}, headers=user.headers)
    assert [x["id"] for x in r.json()] == [d["id"]] and r.headers["X-Total"] == "1"


def test_private_stories_on_a_due_date_are_hidden_and_not_counted(client, api, user, other):
    word = uniq("zqdue")
    private = api.story(user, title=f"Private {word}", private=True)
    public = api.story(user)
    d = due(api, user, users=[other.id])
    api.ok("PUT", f"/v1/due_dates/{d['id']}", user, json={"stories": [private["id"], public["id"]]})
    r = client.get(f"/v1/due_dates/{d['id']}", headers=other.headers)
    assert word not in r.text and r.json()["count"] == 1
    # Replacing the list keeps what the caller cannot see.
    api.ok("PUT", f"/v1/due_dates/{d['id']}", other, json={"stories": []})
    r = client.get(f"/v1/due_dates/{d['id']}", headers=user.headers)
    assert [s["id"] for s in r.json()["stories"]] == [private["id"]]
    # Nobody can assign a story they cannot see.
    r = client.put(f"/v1/due_dates/{d['id']}", json={"stories": [private["id"]]}, headers=other.headers)
    assert r.status_code == 400


def test_attach_and_detach(client, api, user, other):
    lane = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Lane ")})
    b = api.ok("POST", "/v1/boards", user, json={"title": uniq("Board "), "lanes": [{"list_id": lane["id"]}]})
    d = due(api, user, board_id=b["id"])
    r = client.get("/v1/due_dates", params={"board_id": b["id"]})
    assert [x["id"] for x in r.json()] == [d["id"]] and r.headers["X-Total"] == "1"
    assert [x["id"] for x in client.get(f"/v1/boards/{b['id']}").json()["due_dates"]] == [d["id"]]
    # A card shows a due date.
    card = api.ok("POST", f"/v1/worklists/{lane['id']}/items", user,
                  json={"item_id": api.story(user)["id"], "item_type": "story"})
    r = client.put(f"/v1/worklists/{lane['id']}/items/{card['id']}", json={"display_due_date": d["id"]},
                   headers=user.headers)
    assert r.status_code == 200 and r.json()["resolved_due_date"]["id"] == d["id"]
    r = client.put(f"/v1/worklists/{lane['id']}/items/{card['id']}", json={"display_due_date": -1},
                   headers=user.headers)
    assert r.json()["display_due_date"] is None and r.json()["resolved_due_date"] is None
    # Attaching to a worklist through PUT needs rights on the worklist.
    wl = api.ok("POST", "/v1/worklists", other, json={"title": uniq("Theirs ")})
    r = client.put(f"/v1/due_dates/{d['id']}", json={"worklist_id": wl["id"]}, headers=user.headers)
    assert r.status_code == 403
    mine = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Mine ")})
    api.ok("PUT", f"/v1/due_dates/{d['id']}", user, json={"worklist_id": mine["id"]})
    assert [x["id"] for x in client.get("/v1/due_dates", params={"worklist_id": mine["id"]}).json()] == [d["id"]]
    # DELETE only detaches: 200, empty body, and the due date lives on.
    assert client.delete(f"/v1/due_dates/{d['id']}", params={"board_id": b["id"]},
                         headers=other.headers).status_code == 403
    r = client.delete(f"/v1/due_dates/{d['id']}", params={"board_id": b["id"]}, headers=user.headers)
    assert r.status_code == 200 and r.content == b""
    assert client.get("/v1/due_dates", params={"board_id": b["id"]}).json() == []
    assert client.get(f"/v1/due_dates/{d['id']}").status_code == 200
    r = client.delete(f"/v1/due_dates/{d['id']}", headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "board_id"


def test_list_parameters(client, api, user, other):
    name = uniq("Listed ")
    d = due(api, user, name=name, date="2031-05-05T00:00:00Z", users=[other.id])
    for params in ({"name": name.lower()}, {"owner": user.id, "name": name}, {"user": other.id, "name": name},
                   {"date": "2031-05-05T00:00:00+00:00", "name": name}):
        assert [x["id"] for x in client.get("/v1/due_dates", params=params).json()] == [d["id"]], params
    assert client.get("/v1/due_dates", params={"date": "soon"}).status_code == 400
    assert client.get("/v1/due_dates", params={"sort_field": "nope"}).status_code == 400
    assert client.get("/v1/due_dates", params={"sort_dir": "up"}).status_code == 400


def test_filtering_by_a_private_board_or_worklist_answers_like_a_missing_one(client, api, user, other):
    """Finding 9: public due dates on a private board must not tell that the board exists."""
    lane = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Lane ")})
    hidden_board = api.ok("POST", "/v1/boards", user, json={"title": uniq("Hidden "), "private": True,
                                                            "lanes": [{"list_id": lane["id"]}]})
    hidden_list = api.ok("POST", "/v1/worklists", user, json={"title": uniq("Hidden "), "private": True})
    d = due(api, user, board_id=hidden_board["id"])
    api.ok("PUT", f"/v1/due_dates/{d['id']}", user, json={"worklist_id": hidden_list["id"]})
    for name, hidden in (("board_id", hidden_board["id"]), ("worklist_id", hidden_list["id"])):
        mine = client.get("/v1/due_dates", params={name: hidden}, headers=user.headers)
        assert [x["id"] for x in mine.json()] == [d["id"]]
        for headers in ({}, other.headers):
            theirs = client.get("/v1/due_dates", params={name: hidden}, headers=headers)
            missing = client.get("/v1/due_dates", params={name: 2_000_000_001}, headers=headers)
            assert (theirs.status_code, theirs.json(), theirs.headers["X-Total"]) == (
                missing.status_code, missing.json(), missing.headers["X-Total"]) == (200, [], "0")
