"""The changes the web client's saved-view controls make (issue 15; docs/search.md, "Saved views"): pin and
unpin to the home page and to a project, save a view's columns, each a PUT of only those fields that keeps the
others; a refused change writes nothing; only the owner changes a view (403 for a team member, 404 for others)."""

from __future__ import annotations

from builders import make_persona, uniq


def put(client, view_id, who, body):
    return client.put(f"/preview/views/{view_id}", json=body, headers=who.headers)


def read(client, view_id, who):
    r = client.get(f"/preview/views/{view_id}", headers=who.headers)
    assert r.status_code == 200, r.text
    return r.json()


def kept(view):
    return {k: view[k] for k in ("name", "query", "columns", "sort", "team_id", "pinned_home", "project_id")}


def test_pin_toggles_and_columns_keep_the_other_fields(client, api, user):
    proj, proj2 = api.project(), api.project()
    r = client.post("/preview/views", json={"name": uniq("Pins "), "query": "is:open", "columns": ["id", "title"],
                                            "sort": "id-asc"}, headers=user.headers)
    assert r.status_code == 200, r.text
    view = r.json()
    before = kept(view)
    assert before["pinned_home"] is False and before["project_id"] is None

    steps = [({"pinned_home": True}, {"pinned_home": True}),
             ({"project_id": proj["id"]}, {"pinned_home": True, "project_id": proj["id"]}),
             ({"project_id": proj2["id"]}, {"pinned_home": True, "project_id": proj2["id"]}),
             ({"pinned_home": False}, {"project_id": proj2["id"]}),
             ({"columns": ["creator", "id", "title", "creator"]},
              {"project_id": proj2["id"], "columns": ["creator", "id", "title"]}),
             ({"project_id": None}, {"columns": ["creator", "id", "title"]})]
    for body, changed in steps:
        r = put(client, view["id"], user, body)
        assert r.status_code == 200, (body, r.text)
        assert kept(r.json()) == {**before, **changed}, body
        assert kept(read(client, view["id"], user)) == {**before, **changed}, body
    pinned = client.get("/preview/views", params={"pinned_home": True}, headers=user.headers).json()
    assert view["id"] not in [v["id"] for v in pinned]
    assert view["id"] in [v["id"] for v in client.get("/preview/views", params={"pinned_home": False},
                                                      headers=user.headers).json()]


def test_a_refused_pin_writes_nothing(client, api, user):
    proj = api.project()
    view = client.post("/preview/views", json={"name": uniq("Refused "), "query": "is:open",
                                               "project_id": proj["id"]}, headers=user.headers).json()
    before = kept(view)
    r = put(client, view["id"], user, {"pinned_home": True, "project_id": 2**31 - 1})
    assert r.status_code == 400 and r.json()["field"] == "project_id", r.text
    r = put(client, view["id"], user, {"pinned_home": True, "columns": ["id", "nope"]})
    assert r.status_code == 400 and r.json()["field"] == "columns.1", r.text
    r = put(client, view["id"], user, {"pinned_home": "sometimes"})
    assert r.status_code in (400, 422) and "pinned_home" in r.text, r.text
    assert kept(read(client, view["id"], user)) == before
    assert client.delete(f"/preview/views/{view['id']}", headers=user.headers).status_code == 204
    r = put(client, view["id"], user, {"pinned_home": True})
    assert r.status_code == 404, r.text


def test_only_the_owner_pins(client, api, app, user, other):
    outsider = make_persona(app)
    proj = api.project()
    team = api.ok("POST", "/v1/teams", json={"name": uniq("pinners-")})
    for who in (user, other):
        api.ok("PUT", f"/v1/teams/{team['id']}/users/{who.id}")
    view = client.post("/preview/views", json={"name": uniq("Shared "), "query": "is:open", "team_id": team["id"],
                                               "pinned_home": True}, headers=user.headers).json()
    before = kept(view)
    for body in ({"pinned_home": False}, {"project_id": proj["id"]}, {"columns": ["id", "title"]}):
        r = put(client, view["id"], other, body)
        assert r.status_code == 403 and "owner" in r.json()["message"], r.text
        assert put(client, view["id"], outsider, body).status_code == 404
    assert kept(read(client, view["id"], user)) == before
    assert read(client, view["id"], other)["mine"] is False
