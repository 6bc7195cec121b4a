"""POST /preview/boards/{id}/lanes (issue 15, "saved views usable as board lanes"; docs/planning.md): a new manual
lane, or an automatic lane from one of the caller's saved views, added as the board's last lane in one
transaction. A refused request writes nothing (no worklist left behind, no lane, no event)."""

from __future__ import annotations

import json

from builders import make_persona, uniq


def make_board(api, who, lanes=("To do",), **fields):
    lists = [api.ok("POST", "/v1/worklists", who, json={"title": t}) for t in lanes]
    return api.ok("POST", "/v1/boards", who, json={"title": uniq("Board "), **fields,
                                                     "lanes": [{"list_id": w["id"]} for w in lists]})


def add_lane(client, who, board_id, body):
    return client.post(f"/preview/boards/{board_id}/lanes", json=body, headers=who.headers if who else {})


def view(client, who, query, **fields):
    r = client.post("/preview/views", json={"name": uniq("View "), "query": query, **fields}, headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def lane_events(client, who, board_id):
    r = client.get("/v1/events", params={"board_id": board_id, "event_type": "board_lanes_changed"},
                   headers=who.headers)
    assert r.status_code == 200, r.text
    return [json.loads(e["event_info"]) for e in r.json()]


def my_lists(client, who):
    r = client.get("/v1/worklists", params={"creator_id": who.id, "hide_lanes": "false", "limit": 500},
                   headers=who.headers)
    return sorted(w["id"] for w in r.json())


def test_a_manual_lane_goes_last(client, api, user):
    b = make_board(api, user, ("To do", "Done"))
    r = add_lane(client, user, b["id"], {"title": "Blocked"})
    assert r.status_code == 200, r.text
    lanes = r.json()["lanes"]
    assert [lane["worklist"]["title"] for lane in lanes] == ["To do", "Done", "Blocked"]
    assert [lane["position"] for lane in lanes] == [0, 1, 2]
    new = lanes[2]["worklist"]
    assert new["automatic"] is False and new["filters"] == [] and new["items"] == []
    # A v1 worklist and lane like any other: the board read, the lanes list and a card on it.
    again = client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()
    assert [lane["list_id"] for lane in again["lanes"]] == [lane["list_id"] for lane in lanes]
    story = api.story(user)
    api.ok("POST", f"/v1/worklists/{new['id']}/items", user, json={"item_id": story["id"], "item_type": "story"})
    events = lane_events(client, user, b["id"])
    assert events[-1]["added"] == [{"lane_id": lanes[2]["id"], "list_id": new["id"], "position": 2}]


def test_a_view_becomes_an_automatic_lane_with_its_query(client, api, user, other):
    word = uniq("lanequery")
    mine = api.story(user, title=f"Mine {word}")
    secret = api.story(other, title=f"Secret {word}", private=True)
    api.story(user, title="Unrelated story")
    v = view(client, user, f"{word} -tag:never", sort="id-desc", columns=["id", "title"])
    b = make_board(api, user)
    r = add_lane(client, user, b["id"], {"view_id": v["id"]})
    assert r.status_code == 200, r.text
    lane = r.json()["lanes"][-1]["worklist"]
    assert lane["title"] == v["name"] and lane["automatic"] is True
    assert [(f["type"], [(c["field"], c["value"]) for c in f["filter_criteria"]]) for f in lane["filters"]] == [
        ("Story", [("Query", f"{word} -tag:never")])]
    # The caller sees the matches they may see; the private story's author sees theirs too (per reader).
    assert [i["item_id"] for i in lane["items"]] == [mine["id"]]
    theirs = client.get(f"/v1/boards/{b['id']}", headers=other.headers).json()["lanes"][-1]["worklist"]["items"]
    assert sorted(i["item_id"] for i in theirs) == sorted([mine["id"], secret["id"]])
    anonymous = client.get(f"/v1/boards/{b['id']}").json()["lanes"][-1]["worklist"]["items"]
    assert [i["item_id"] for i in anonymous] == [mine["id"]]
    # A title given wins over the view's name; the lane keeps the query it was made with.
    r = add_lane(client, user, b["id"], {"view_id": v["id"], "title": "Renamed lane"})
    assert r.status_code == 200 and r.json()["lanes"][-1]["worklist"]["title"] == "Renamed lane"
    assert client.put(f"/preview/views/{v['id']}", json={"query": "is:closed"}, headers=user.headers).status_code == 200
    lanes = client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()["lanes"]
    assert [lane["worklist"]["filters"][0]["filter_criteria"][0]["value"] for lane in lanes[1:]] == [
        f"{word} -tag:never"] * 2
    assert [i["item_id"] for i in lanes[1]["worklist"]["items"]] == [mine["id"]]


def test_a_view_shared_with_the_callers_team_may_become_a_lane(client, api, user, other, app):
    team = api.ok("POST", "/v1/teams", json={"name": uniq("team-")})
    for who in (user, other):
        api.ok("PUT", f"/v1/teams/{team['id']}/users/{who.id}")
    shared = view(client, other, "is:open", team_id=team["id"])
    private = view(client, other, "is:open")
    b = make_board(api, user)
    assert add_lane(client, user, b["id"], {"view_id": shared["id"]}).status_code == 200
    # Another's view not shared with the caller is refused as a missing one would be, naming the field.
    before = (my_lists(client, user), len(lane_events(client, user, b["id"])))
    for view_id in (private["id"], 2_000_000_000):
        r = add_lane(client, user, b["id"], {"view_id": view_id})
        assert r.status_code == 400 and r.json()["field"] == "view_id", r.text
        assert r.json()["message"] == f"View {view_id} not found"
    assert (my_lists(client, user), len(lane_events(client, user, b["id"]))) == before
    assert len(client.get(f"/v1/boards/{b['id']}").json()["lanes"]) == 2


def test_who_may_add_a_lane(client, api, user, other, app):
    public = make_board(api, user)
    hidden = make_board(api, user, private=True)
    mover = make_persona(app)
    api.ok("POST", f"/v1/boards/{public['id']}/permissions", user,
           json={"codename": "move_cards", "users": [mover.id]})
    assert add_lane(client, None, public["id"], {"title": "x"}).status_code == 401
    assert add_lane(client, other, public["id"], {"title": "x"}).status_code == 403
    assert add_lane(client, mover, public["id"], {"title": "x"}).status_code == 403
    r = add_lane(client, other, hidden["id"], {"title": "x"})
    missing = add_lane(client, other, 2_000_000_000, {"title": "x"})
    assert r.status_code == missing.status_code == 404
    assert r.json()["message"].replace(str(hidden["id"]), "N") == missing.json()["message"].replace("2000000000", "N")
    for who in (other, mover):
        assert my_lists(client, who) == []
    assert len(client.get(f"/v1/boards/{public['id']}").json()["lanes"]) == 1
    # An owner added through a team may.
    team = api.ok("POST", "/v1/teams", json={"name": uniq("team-")})
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{other.id}")
    api.ok("POST", f"/v1/boards/{hidden['id']}/permissions", user,
           json={"codename": "edit_board", "teams": [team["id"]]})
    r = add_lane(client, other, hidden["id"], {"title": "Theirs"})
    assert r.status_code == 200, r.text
    assert [lane["worklist"]["title"] for lane in r.json()["lanes"]] == ["To do", "Theirs"]


def test_refusals_name_the_field_and_write_nothing(client, api, user, app, monkeypatch):
    b = make_board(api, user)
    empty = view(client, user, "")
    long_query = " OR ".join(f"word{n}" for n in range(40))
    too_long = view(client, user, long_query)
    cases = [({}, "title"), ({"title": ""}, "title"), ({"title": "x" * 101}, "title"),
             ({"view_id": empty["id"]}, "view_id"), ({"view_id": too_long["id"]}, "view_id"),
             ({"view_id": "seven"}, "view_id")]
    before = my_lists(client, user)
    for body, field in cases:
        r = add_lane(client, user, b["id"], body)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert "at most 255" in add_lane(client, user, b["id"], {"view_id": too_long["id"]}).json()["message"]
    # Past the server's lane limit: the new worklist is undone with the lane.
    monkeypatch.setattr(app.state.settings, "max_board_lanes", 2)
    assert add_lane(client, user, b["id"], {"title": "Second"}).status_code == 200
    after_second = my_lists(client, user)
    r = add_lane(client, user, b["id"], {"title": "Third"})
    assert r.status_code == 400 and r.json()["field"] == "lanes", r.text
    assert my_lists(client, user) == after_second and len(after_second) == len(before) + 1
    lanes = client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()["lanes"]
    assert [lane["worklist"]["title"] for lane in lanes] == ["To do", "Second"]
