"""Boards (reference §2.15, §5.4, §6 items 4, 5, 26): lanes are worklists, cards move between lanes."""

from __future__ import annotations

import json
import threading

from builders import uniq

BOARD_KEYS = {"id", "created_at", "updated_at", "title", "description", "creator_id", "project_id", "private",
              "archived", "lanes", "due_dates", "owners", "users", "team_owners", "team_users"}
LANE_KEYS = {"id", "created_at", "updated_at", "board_id", "list_id", "position", "worklist"}


def worklist(api, who, **fields):
    fields.setdefault("title", uniq("Lane "))
    return api.ok("POST", "/v1/worklists", who, json=fields)


def board(api, who, lanes=(), **fields):
    fields.setdefault("title", uniq("Board "))
    return api.ok("POST", "/v1/boards", who, json={"lanes": [{"list_id": i, "position": n} for n, i in
                                                              enumerate(lanes)], **fields})


def card(api, who, lane, item_id, item_type="story"):
    return api.ok("POST", f"/v1/worklists/{lane}/items", who, json={"item_id": item_id, "item_type": item_type})


def board_events(client, who, board_id, event_type):
    r = client.get("/v1/events", params={"board_id": board_id, "event_type": event_type}, headers=who.headers)
    assert r.status_code == 200
    return [json.loads(e["event_info"]) for e in r.json()]


def test_create_board_with_lanes(client, api, user):
    todo, done = worklist(api, user), worklist(api, user)
    r = client.post("/v1/boards", json={"title": "Sprint", "description": "Two lanes", "lanes": [
        {"list_id": todo["id"], "position": 0}, {"list_id": done["id"], "position": 1}]}, headers=user.headers)
    assert r.status_code == 200, r.text
    b = r.json()
    assert set(b) == BOARD_KEYS and b["owners"] == [user.id] and b["due_dates"] == []
    assert [set(lane) for lane in b["lanes"]] == [LANE_KEYS, LANE_KEYS]
    assert [(lane["list_id"], lane["position"]) for lane in b["lanes"]] == [(todo["id"], 0), (done["id"], 1)]
    assert b["lanes"][0]["worklist"]["title"] == todo["title"]
    created = board_events(client, user, b["id"], "board_created")
    assert created == [{"board_id": b["id"], "author_id": user.id, "board_title": "Sprint",
                        "board_description": "Two lanes"}]
    perms = board_events(client, user, b["id"], "board_permission_created")
    assert sorted(p["codename"] for p in perms) == ["edit_board", "move_cards"]
    # Lanes are hidden from the worklist list unless asked for.
    listed = [w["id"] for w in client.get("/v1/worklists", params={"creator_id": user.id}).json()]
    assert todo["id"] not in listed
    lanes = client.get("/v1/worklists", params={"board_id": b["id"]}).json()
    assert sorted(w["id"] for w in lanes) == sorted([todo["id"], done["id"]])
    assert todo["id"] in [w["id"] for w in client.get("/v1/worklists", params={
        "creator_id": user.id, "hide_lanes": "false"}).json()]
    assert client.post("/v1/boards", json={"title": "x"}).status_code == 401
    r = client.post("/v1/boards", json={"title": "x" * 101}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"


def test_moving_cards_between_lanes(client, api, user, other):
    todo, doing = worklist(api, user), worklist(api, user)
    b = board(api, user, [todo["id"], doing["id"]])
    stories = [api.story(user)["id"] for _ in range(3)]
    cards = [card(api, user, todo["id"], s) for s in stories]
    r = client.put(f"/v1/worklists/{todo['id']}/items/{cards[1]['id']}",
                   json={"list_id": doing["id"], "list_position": 0}, headers=user.headers)
    assert r.status_code == 200 and r.json()["list_id"] == doing["id"]
    got = client.get(f"/v1/boards/{b['id']}").json()
    lanes = {lane["list_id"]: [(i["item_id"], i["list_position"]) for i in lane["worklist"]["items"]]
             for lane in got["lanes"]}
    assert lanes == {todo["id"]: [(stories[0], 0), (stories[2], 1)], doing["id"]: [(stories[1], 0)]}
    assert got["lanes"][0]["worklist"]["items"][0]["story"]["id"] == stories[0]
    # Lanes take their rights from the board: move_cards on the board lets `other` move cards.
    r = client.put(f"/v1/worklists/{todo['id']}/items/{cards[0]['id']}", json={"list_position": 1},
                   headers=other.headers)
    assert r.status_code == 403
    api.ok("POST", f"/v1/boards/{b['id']}/permissions", user, json={"codename": "move_cards",
                                                                    "users": [other.id]})
    assert client.get(f"/v1/boards/{b['id']}/permissions", headers=other.headers).json() == ["move_cards"]
    assert client.get(f"/v1/worklists/{todo['id']}/permissions", headers=other.headers).json() == [
        "edit_worklist", "move_items"]
    r = client.put(f"/v1/worklists/{todo['id']}/items/{cards[0]['id']}", json={"list_position": 1},
                   headers=other.headers)
    assert r.status_code == 200
    # Board lists leave items unresolved.
    listed = client.get("/v1/boards", params={"creator_id": user.id}).json()
    assert [x["id"] for x in listed] == [b["id"]]
    assert all("story" not in i for lane in listed[0]["lanes"] for i in lane["worklist"]["items"])


def test_lane_requires_edit_rights_on_the_worklist(client, api, user, other):
    """§6 item 5: board owners cannot take over other people's worklists."""
    theirs = worklist(api, other)
    r = client.post("/v1/boards", json={"title": "Grab", "lanes": [{"list_id": theirs["id"]}]},
                    headers=user.headers)
    assert r.status_code == 403
    mine = board(api, user)
    r = client.put(f"/v1/boards/{mine['id']}", json={"lanes": [{"list_id": theirs["id"]}]}, headers=user.headers)
    assert r.status_code == 403
    # move_items is not enough either.
    api.ok("PUT", f"/v1/worklists/{theirs['id']}/permissions", other, json={"codename": "move_items",
                                                                             "users": [user.id]})
    r = client.put(f"/v1/boards/{mine['id']}", json={"lanes": [{"list_id": theirs["id"]}]}, headers=user.headers)
    assert r.status_code == 403
    # A worklist is a lane of one board at most.
    own = worklist(api, user)
    board(api, user, [own["id"]])
    r = client.post("/v1/boards", json={"title": "Again", "lanes": [{"list_id": own["id"]}]},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "lanes"
    r = client.post("/v1/boards", json={"title": "Missing", "lanes": [{"list_id": 2_000_000_000}]},
                    headers=user.headers)
    assert r.status_code == 404


def test_private_worklist_cannot_join_a_wider_board(client, api, user, other):
    secret = worklist(api, user, private=True)
    r = client.post("/v1/boards", json={"title": "Public", "lanes": [{"list_id": secret["id"]}]},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "lanes"
    r = client.post("/v1/boards", json={"title": "Shared", "private": True, "users": [other.id],
                                        "lanes": [{"list_id": secret["id"]}]}, headers=user.headers)
    assert r.status_code == 400
    b = board(api, user, [secret["id"]], private=True)
    assert b["lanes"][0]["list_id"] == secret["id"]
    # The board cannot widen past the private lane later either (finding 9: the check ran only when the
    # lane was added): neither a new board member nor making the board public opens the worklist.
    for method in ("PUT", "POST"):
        r = client.request(method, f"/v1/boards/{b['id']}/permissions", headers=user.headers,
                           json={"codename": "move_cards", "users": [other.id]})
        assert r.status_code == 400 and r.json()["field"] == "users", r.text
    r = client.put(f"/v1/boards/{b['id']}", json={"private": False}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "private"
    assert client.get(f"/v1/worklists/{secret['id']}", headers=other.headers).status_code == 404
    assert client.get(f"/v1/boards/{b['id']}", headers=other.headers).status_code == 404
    assert client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()["private"] is True
    # Once the worklist's own audience includes them, the board may follow; the lane follows the board.
    api.ok("PUT", f"/v1/worklists/{secret['id']}/permissions", user,
           json={"codename": "move_items", "users": [other.id]})
    api.ok("PUT", f"/v1/boards/{b['id']}/permissions", user, json={"codename": "move_cards", "users": [other.id]})
    assert client.get(f"/v1/worklists/{secret['id']}", headers=other.headers).status_code == 200


def test_private_boards_and_cards(client, api, user, other, admin):
    lane = worklist(api, user)
    b = board(api, user, [lane["id"]], private=True, title=uniq("Hidden board "))
    for who in (None, other, admin):
        headers = who.headers if who else {}
        assert client.get(f"/v1/boards/{b['id']}", headers=headers).status_code == 404
        assert client.get(f"/v1/worklists/{lane['id']}", headers=headers).status_code == 404
        r = client.get("/v1/boards", params={"title": b["title"]}, headers=headers)
        assert r.json() == [] and r.headers["X-Total"] == "0"
        assert client.get(f"/v1/boards/{b['id']}/permissions", headers=headers).status_code == 404
    assert client.put(f"/v1/boards/{b['id']}", json={"title": "x"}, headers=other.headers).status_code == 404
    # A public board with a card of a private story: hidden from people who cannot see the story.
    open_lane = worklist(api, user)
    public = board(api, user, [open_lane["id"]])
    word = uniq("zqboard")
    private_story = api.story(user, title=f"Private {word}", private=True)["id"]
    card(api, user, open_lane["id"], private_story)
    card(api, user, open_lane["id"], api.story(user)["id"])
    for who in (None, other):
        headers = who.headers if who else {}
        r = client.get(f"/v1/boards/{public['id']}", headers=headers)
        assert r.status_code == 200 and word not in r.text
        assert len(r.json()["lanes"][0]["worklist"]["items"]) == 1
        assert client.get("/v1/boards", params={"story_id": private_story}, headers=headers).json() == []
    r = client.get(f"/v1/boards/{public['id']}", headers=user.headers)
    assert len(r.json()["lanes"][0]["worklist"]["items"]) == 2
    assert [x["id"] for x in client.get("/v1/boards", params={"story_id": private_story},
                                        headers=user.headers).json()] == [public["id"]]


def test_update_lanes_and_details(client, api, user, other):
    a, b_, c = worklist(api, user), worklist(api, user), worklist(api, user)
    b = board(api, user, [a["id"], b_["id"]])
    r = client.put(f"/v1/boards/{b['id']}", json={"title": "Renamed", "lanes": [
        {"list_id": c["id"], "position": 0}, {"list_id": b_["id"], "position": 0}]}, headers=user.headers)
    assert r.status_code == 200, r.text
    assert [lane["list_id"] for lane in r.json()["lanes"]] == [b_["id"], c["id"], a["id"]]
    assert [lane["position"] for lane in r.json()["lanes"]] == [0, 1, 2]
    details = board_events(client, user, b["id"], "board_details_changed")
    assert details == [{"board_id": b["id"], "author_id": user.id, "field": "title",
                        "old_value": b["title"], "new_value": "Renamed"}]
    lanes_changed = board_events(client, user, b["id"], "board_lanes_changed")
    assert len(lanes_changed) == 1
    assert set(lanes_changed[0]) == {"board_id", "author_id", "added", "removed", "updated"}
    assert [x["list_id"] for x in lanes_changed[0]["added"]] == [c["id"]]
    assert client.put(f"/v1/boards/{b['id']}", json={"title": "no"}, headers=other.headers).status_code == 403
    # move_cards does not allow editing the board.
    api.ok("PUT", f"/v1/boards/{b['id']}/permissions", user, json={"codename": "move_cards", "users": [other.id]})
    assert client.put(f"/v1/boards/{b['id']}", json={"title": "no"}, headers=other.headers).status_code == 403
    changed = board_events(client, user, b["id"], "board_permissions_changed")
    assert changed[-1]["added"] == [{str(other.id): other.name}]
    assert set(changed[-1]) == {"board_id", "permission_id", "author_id", "codename", "added", "removed"}


def test_delete_archives_board_and_lanes(client, api, user, other):
    """DELETE archives the board and its lanes; `archived` on the list is honoured (§6 item 26)."""
    lane = worklist(api, user)
    b = board(api, user, [lane["id"]])
    assert client.delete(f"/v1/boards/{b['id']}", headers=other.headers).status_code == 403
    r = client.delete(f"/v1/boards/{b['id']}", headers=user.headers)
    assert r.status_code == 204 and r.content == b""
    got = client.get(f"/v1/boards/{b['id']}").json()
    assert got["archived"] is True and got["lanes"][0]["worklist"]["archived"] is True
    active = [x["id"] for x in client.get("/v1/boards", params={"creator_id": user.id}).json()]
    archived = [x["id"] for x in client.get("/v1/boards", params={"creator_id": user.id,
                                                                  "archived": "true"}).json()]
    assert b["id"] not in active and b["id"] in archived
    assert client.get("/v1/boards", params={"archived": "maybe"}).status_code == 400


def test_board_list_filters_and_paging(client, api, user):
    project = api.project()
    boards = [board(api, user, project_id=project["id"]) for _ in range(3)]
    r = client.get("/v1/boards", params={"project_id": project["id"], "limit": 2, "offset": 1,
                                         "sort_dir": "desc"})
    assert r.status_code == 200 and r.headers["X-Total"] == "3"
    assert [x["id"] for x in r.json()] == [boards[1]["id"], boards[0]["id"]]
    assert r.headers["X-Limit"] == "2" and r.headers["X-Offset"] == "1"
    r = client.get("/v1/boards", params={"user_id": user.id, "project_id": project["id"]})
    assert len(r.json()) == 3
    assert client.get("/v1/boards", params={"title": boards[0]["title"].upper()}).json()[0]["id"] == boards[0]["id"]
    assert client.get("/v1/boards", params={"sort_field": "bogus"}).status_code == 400


def test_board_reads_cost_the_same_whatever_the_number_of_cards(client, api, user, app):
    from sqlalchemy import event

    def count(path):
        statements = []

        def record(conn, cursor, statement, *args):  # noqa: ANN001
            if threading.current_thread().name.startswith("storyline-"):
                return  # the server's background threads (outbox delivery), not this read
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SET LOCAL",
                                                          "UPDATE ACCESS_TOKENS")):
                statements.append(statement)

        event.listen(app.state.engine, "before_cursor_execute", record)
        try:
            assert client.get(path, headers=user.headers).status_code == 200
        finally:
            event.remove(app.state.engine, "before_cursor_execute", record)
        return len(statements)

    project = api.project()
    small_lane, big_lanes = api.ok("POST", "/v1/worklists", user, json={"title": "s"}), [
        api.ok("POST", "/v1/worklists", user, json={"title": f"b{i}"}) for i in range(3)]
    small = board(api, user, [small_lane["id"]])
    big = board(api, user, [w["id"] for w in big_lanes])
    s = api.story(user)
    card(api, user, small_lane["id"], s["id"])
    card(api, user, small_lane["id"], api.task(s["id"], project["id"], user)["id"], "task")
    for n in range(12):
        story = api.story(user)
        card(api, user, big_lanes[n % 3]["id"], story["id"])
        card(api, user, big_lanes[n % 3]["id"], api.task(story["id"], project["id"], user)["id"], "task")
    assert count(f"/v1/boards/{big['id']}") == count(f"/v1/boards/{small['id']}")
    assert count(f"/v1/worklists/{big_lanes[0]['id']}") == count(f"/v1/worklists/{small_lane['id']}")
    assert count(f"/v1/worklists/{big_lanes[0]['id']}/items") == count(f"/v1/worklists/{small_lane['id']}/items")


def test_review_dashboard_in_one_action(client, api, user, other, app):
    import datetime as dt

    from sqlalchemy import update

    from storyline.db import session_scope
    from storyline.stories.models import Task

    group = api.group()
    project = api.project()
    api.ok("PUT", f"/v1/project_groups/{group['id']}/projects/{project['id']}")
    s = api.story(user)
    review = api.task(s["id"], project["id"], user, status="review")
    stale = api.task(s["id"], project["id"], user, status="inprogress")
    busy = api.task(s["id"], project["id"], user, status="inprogress")
    merged = api.task(s["id"], project["id"], user, status="merged")
    old_merged = api.task(s["id"], project["id"], user, status="merged")
    secret = api.story(user, private=True)
    hidden = api.task(secret["id"], project["id"], user, status="review")
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=40)
    with session_scope(app.state.write_sessions) as session:
        session.execute(update(Task).where(Task.id.in_([stale["id"], old_merged["id"]]))
                        .values(created_at=long_ago, updated_at=long_ago))
    r = client.post("/preview/review_dashboards", json={"project_group_id": group["id"], "stale_days": 10,
                                                        "recent_days": 20}, headers=user.headers)
    assert r.status_code == 200, r.text
    b = r.json()
    assert b["title"] == f"Reviews: {group['name']}" and len(b["lanes"]) == 3
    seen = client.get(f"/v1/boards/{b['id']}", headers=other.headers).json()
    lanes = [[i["item_id"] for i in lane["worklist"]["items"]] for lane in seen["lanes"]]
    assert lanes == [[review["id"]], [stale["id"]], [merged["id"]]]
    mine = client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()
    assert [i["item_id"] for i in mine["lanes"][0]["worklist"]["items"]] == [review["id"], hidden["id"]]
    assert busy["id"] not in lanes[1] and old_merged["id"] not in lanes[2]
    r = client.post("/preview/review_dashboards", json={"project_id": project["id"]}, headers=user.headers)
    assert r.status_code == 200 and r.json()["project_id"] == project["id"]
    for body in ({}, {"project_id": project["id"], "project_group_id": group["id"]},
                 {"project_id": 2_000_000_000}, {"project_id": project["id"], "stale_days": 0}):
        assert client.post("/preview/review_dashboards", json=body, headers=user.headers).status_code == 400, body
    assert client.post("/preview/review_dashboards", json={"project_id": project["id"]}).status_code == 401


def test_stale_work_sweep(client, api, user, other, admin, app):
    import datetime as dt

    from sqlalchemy import update

    from storyline.db import session_scope
    from storyline.stories.models import Task
    from storyline.worker import run_pass

    def age(task_ids, days):
        when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
        with session_scope(app.state.write_sessions) as session:
            session.execute(update(Task).where(Task.id.in_(task_ids)).values(created_at=when, updated_at=when))

    flag_project, reset_project = api.project(), api.project()
    s = api.story(user)
    secret = api.story(user, private=True, users=[{"id": user.id}])
    stale = api.task(s["id"], flag_project["id"], user, status="inprogress")
    fresh = api.task(s["id"], flag_project["id"], user, status="review")
    hidden = api.task(secret["id"], flag_project["id"], user, status="review")
    to_reset = api.task(s["id"], reset_project["id"], user, status="review")
    age([stale["id"], hidden["id"], to_reset["id"]], 30)
    base = f"/preview/projects/{flag_project['id']}"
    assert client.get(f"{base}/stale_rule").status_code == 404
    r = client.put(f"{base}/stale_rule", json={"days": 14, "action": "flag"}, headers=user.headers)
    assert r.status_code == 403
    r = client.put(f"{base}/stale_rule", json={"days": 14, "action": "flag"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["author_id"] == admin.id
    assert client.put(f"{base}/stale_rule", json={"days": 0}, headers=admin.headers).status_code == 400
    api.ok("PUT", f"/preview/projects/{reset_project['id']}/stale_rule", json={"days": 7, "action": "reset"})
    # The dry run shows what would change, and changes nothing; the admin cannot see the private story.
    report = client.get(f"{base}/stale_report", headers=user.headers)
    assert [x["task_id"] for x in report.json()] == [stale["id"]] and report.headers["X-Total"] == "1"
    assert client.get(f"/v1/tasks/{stale['id']}").json()["status"] == "inprogress"
    result = run_pass(app.state.write_sessions, app.state.settings)
    assert result["stale_flagged"] >= 1 and result["stale_reset"] >= 1
    assert client.get(f"/v1/tasks/{stale['id']}").json()["status"] == "inprogress"
    comments = [c["content"] for c in client.get(f"/v1/stories/{s['id']}/comments").json()]
    assert any(f"Task {stale['id']}" in c and "flagged" in c for c in comments)
    assert any(f"Task {to_reset['id']}" in c and "back to todo" in c for c in comments)
    assert client.get(f"/v1/tasks/{to_reset['id']}").json()["status"] == "todo"
    assert client.get(f"/v1/tasks/{fresh['id']}").json()["status"] == "review"
    assert client.get(f"/v1/tasks/{hidden['id']}", headers=user.headers).json()["status"] == "review"
    assert client.get(f"/v1/stories/{secret['id']}/comments", headers=user.headers).json() == []
    # Flagged once: the next pass leaves them alone, and the report is empty.
    again = run_pass(app.state.write_sessions, app.state.settings)
    assert "stale_flagged" not in again and "stale_reset" not in again
    assert client.get(f"{base}/stale_report", headers=user.headers).json() == []
    for project in (flag_project, reset_project):
        api.ok("PUT", f"/preview/projects/{project['id']}/stale_rule", json={"days": 7, "enabled": False})
    assert client.get(f"{base}/stale_rule").json()["enabled"] is False
    assert client.get("/preview/projects/2000000000/stale_report").status_code == 404


def test_one_board_read_has_a_bounded_cost(client, api, user, app, monkeypatch):
    """Finding 4: automatic lanes and resolved cards are capped per read (settings), and say so."""
    tag = uniq("capped")
    stories = [api.story(user, tags=[tag])["id"] for _ in range(5)]
    auto = [worklist(api, user, automatic=True, filters=[{"type": "Story", "filter_criteria": [
        {"field": "Tags", "value": tag, "title": tag}]}]) for _ in range(2)]
    manual = worklist(api, user)
    for sid in stories[:3]:
        card(api, user, manual["id"], sid)
    b = board(api, user, [auto[0]["id"], auto[1]["id"], manual["id"]])
    settings = app.state.settings

    def lanes(headers_expected):
        r = client.get(f"/v1/boards/{b['id']}", headers=user.headers)
        assert r.status_code == 200
        assert r.headers.get("X-Truncated") == headers_expected
        return [[i["item_id"] for i in lane["worklist"]["items"]] for lane in r.json()["lanes"]]

    assert lanes(None) == [stories, stories, stories[:3]]
    monkeypatch.setattr(settings, "max_automatic_items", 4)
    assert lanes("true") == [stories[:4], stories[:4], stories[:3]]
    r = client.get(f"/v1/worklists/{auto[0]['id']}/items", headers=user.headers)
    assert [i["item_id"] for i in r.json()] == stories[:4] and r.headers["X-Truncated"] == "true"
    monkeypatch.setattr(settings, "max_board_cards", 6)
    assert lanes("true") == [stories[:4], stories[:2], []]
    monkeypatch.setattr(settings, "max_board_cards", 8)
    monkeypatch.setattr(settings, "max_automatic_items", 5)
    assert lanes("true") == [stories, stories[:3], []]
    monkeypatch.setattr(settings, "max_board_cards", 13)
    assert lanes(None) == [stories, stories, stories[:3]]
    # Lanes per board: the write that would pass the limit is refused and changes nothing.
    monkeypatch.setattr(settings, "max_board_lanes", 3)
    extra = worklist(api, user)
    r = client.put(f"/v1/boards/{b['id']}", json={"lanes": [{"list_id": extra["id"]}]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "lanes" and "3" in r.json()["message"]
    assert len(client.get(f"/v1/boards/{b['id']}", headers=user.headers).json()["lanes"]) == 3
    r = client.post("/v1/boards", json={"title": "Wide", "lanes": [{"list_id": worklist(api, user)["id"]}
                                                                    for _ in range(4)]}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "lanes"
