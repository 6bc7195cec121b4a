"""Preview planning for teams: the Team criterion of automatic worklists and a team's review dashboard."""

from __future__ import annotations

from builders import uniq


def test_team_review_dashboard_follows_membership(client, api, user, other, admin):
    team = api.ok("POST", "/v1/teams", json={"name": uniq("team-")})
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{other.id}")
    project = api.project()
    s = api.story(user)
    theirs = api.task(s["id"], project["id"], user, status="review", assignee_id=other.id)
    mine = api.task(s["id"], project["id"], user, status="review", assignee_id=user.id)
    nobody = api.task(s["id"], project["id"], user, status="review")
    r = client.post("/preview/review_dashboards", json={"team_id": team["id"]}, headers=user.headers)
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["title"] == f"Reviews: {team['name']}" and len(board["lanes"]) == 3
    review = [i["item_id"] for i in board["lanes"][0]["worklist"]["items"]]
    assert review == [theirs["id"]] and mine["id"] not in review and nobody["id"] not in review
    criteria = board["lanes"][0]["worklist"]["filters"][0]["filter_criteria"]
    assert {"field": "Team", "value": str(team["id"])} in [{"field": c["field"], "value": c["value"]}
                                                          for c in criteria]
    # Membership is read at every read: a new member's tasks appear on the lane.
    api.ok("PUT", f"/v1/teams/{team['id']}/users/{user.id}")
    again = client.get(f"/v1/boards/{board['id']}", headers=user.headers).json()
    assert [i["item_id"] for i in again["lanes"][0]["worklist"]["items"]] == [theirs["id"], mine["id"]]
    # A Story filter on Team: stories with a task assigned to a member.
    wl = client.post("/v1/worklists", headers=user.headers, json={
        "title": "Team stories", "automatic": True,
        "filters": [{"type": "Story", "filter_criteria": [{"field": "Team", "value": str(team["id"])}]}]}).json()
    items = client.get(f"/v1/worklists/{wl['id']}/items", headers=user.headers).json()
    assert [i["item_id"] for i in items] == [s["id"]]


def test_team_review_dashboard_bad_input_changes_nothing(client, api, user):
    team = api.ok("POST", "/v1/teams", json={"name": uniq("team-")})
    project = api.project()
    before = client.get("/v1/boards", params={"creator_id": user.id}).json()
    for body, field in (({"team_id": 2_000_000_000}, "team_id"),
                        ({"team_id": team["id"], "project_id": project["id"]}, "project_id"),
                        ({}, "project_id")):
        r = client.post("/preview/review_dashboards", json=body, headers=user.headers)
        assert r.status_code == 400 and r.json()["field"] == field, (body, r.text)
    assert client.get("/v1/boards", params={"creator_id": user.id}).json() == before
    assert client.get("/v1/worklists", params={"creator_id": user.id, "hide_lanes": "false"}).json() == []
