from builders import uniq

TEAM_KEYS = {"id", "created_at", "updated_at", "name", "description", "security"}


def new_team(api, name=None, **fields):
    return api.ok("POST", "/v1/teams", json={"name": name or uniq("team-"), **fields})


def test_create_and_get_by_id_and_name(client, api):
    name = f"openstack/{uniq('core')}"
    t = new_team(api, name, description="The core reviewers", security=True)
    assert set(t) == TEAM_KEYS
    assert t["name"] == name and t["description"] == "The core reviewers" and t["security"] is True
    assert t["updated_at"] is None and t["created_at"].endswith("+00:00")
    for path in (f"/v1/teams/{t['id']}", f"/v1/teams/{name}", f"/api/v1/teams/{name}/",
                 f"/v1/teams/{name.replace('/', '%2F')}"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.json() == t


def test_missing_team_is_404(client):
    r = client.get("/v1/teams/987654321")
    assert r.status_code == 404 and r.json()["faultstring"] == "Team 987654321 not found"
    r = client.get("/v1/teams/no-such-team")
    assert r.status_code == 404 and r.json()["faultstring"] == "Team no-such-team not found"
    assert client.get("/v1/teams/99999999999999999999999").status_code == 404
    assert client.get("/v1/teams/987654321/users").status_code == 404
    assert client.get("/v1/teams/987654321/projects").status_code == 404


def test_team_validation_names_the_field(client, admin, api):
    for bad in ("ab", "-core", "core/", "a//b", "x" * 256, "with space"):
        r = client.post("/v1/teams", json={"name": bad}, headers=admin.headers)
        assert r.status_code == 400, bad
        assert r.json()["field"] == "name"
    r = client.post("/v1/teams", json={"description": "no name"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    t = new_team(api, "n" * 255)
    assert t["name"] == "n" * 255
    r = client.post("/v1/teams", json={"name": t["name"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"


def test_team_writes_need_superuser(client, api, user):
    t = new_team(api)
    calls = [("POST", "/v1/teams", {"name": uniq("team-")}),
             ("PUT", f"/v1/teams/{t['id']}", {"name": uniq("team-")}),
             ("DELETE", f"/v1/teams/{t['id']}", None),
             ("PUT", f"/v1/teams/{t['id']}/users/{user.id}", None),
             ("DELETE", f"/v1/teams/{t['id']}/users/{user.id}", None),
             ("PUT", f"/v1/teams/{t['id']}/projects/1", None),
             ("DELETE", f"/v1/teams/{t['id']}/projects/1", None)]
    for method, path, body in calls:
        r = client.request(method, path, json=body, headers=user.headers)
        assert r.status_code == 403, (method, path)
        assert r.json() == {"code": 403, "title": "Forbidden",
                            "description": "This action is limited to superusers only."}
        assert client.request(method, path, json=body).status_code == 401, (method, path)
    assert client.get(f"/v1/teams/{t['id']}").json() == t
    assert client.get(f"/v1/teams/{t['id']}/users").json() == []


def test_update_team(client, api, admin):
    t = new_team(api)
    new_name = uniq("renamed-")
    r = client.put(f"/v1/teams/{t['id']}", json={"name": new_name, "security": True}, headers=admin.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == new_name and body["security"] is True and body["updated_at"] is not None
    r = client.put(f"/v1/teams/{t['id']}", json={"description": "Now described"}, headers=admin.headers)
    assert r.json()["name"] == new_name and r.json()["description"] == "Now described"
    taken = new_team(api)
    r = client.put(f"/v1/teams/{t['id']}", json={"name": taken["name"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.put(f"/v1/teams/{t['id']}", json={"name": "a"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.put("/v1/teams/987654321", json={"name": uniq("t-")}, headers=admin.headers)
    assert r.status_code == 404


def test_list_filters_and_paging(client, api):
    tag = uniq("koala")
    made = [new_team(api, f"{tag}-{i}", description=f"about {tag} {i % 2}") for i in range(4)]
    r = client.get("/v1/teams", params={"name": tag.upper()})
    assert [t["id"] for t in r.json()] == [t["id"] for t in made]
    assert r.headers["X-Total"] == "4"
    r = client.get("/v1/teams", params={"description": f"{tag} 1"})
    assert [t["id"] for t in r.json()] == [made[1]["id"], made[3]["id"]]
    r = client.get("/v1/teams", params={"name": tag, "limit": 2, "sort_dir": "desc"})
    assert [t["id"] for t in r.json()] == [made[3]["id"], made[2]["id"]] and r.headers["X-Limit"] == "2"
    r = client.get("/v1/teams", params={"name": tag, "marker": made[1]["id"]})
    assert [t["id"] for t in r.json()] == [made[2]["id"], made[3]["id"]]
    r = client.get("/v1/teams", params={"name": tag, "offset": 1, "limit": 1})
    assert [t["id"] for t in r.json()] == [made[1]["id"]]
    assert client.get("/v1/teams", params={"sort_field": "nope"}).status_code == 400


def test_members_and_email_hiding(client, api, admin, user, other):
    t = new_team(api)
    r = client.put(f"/v1/teams/{t['id']}/users/{user.id}", headers=admin.headers)
    assert r.status_code == 200
    assert r.json()["id"] == user.id and r.json()["email"] == user.email
    # adding twice keeps one membership
    assert client.put(f"/v1/teams/{t['id']}/users/{user.id}", headers=admin.headers).status_code == 200
    api.ok("PUT", f"/v1/teams/{t['id']}/users/{other.id}")
    members = f"/v1/teams/{t['id']}/users"
    r = client.get(members)
    assert [(u["id"], u["email"]) for u in r.json()] == [(user.id, None), (other.id, None)]
    assert r.headers["X-Total"] == "2"
    r = client.get(members, headers=user.headers)
    assert [(u["id"], u["email"]) for u in r.json()] == [(user.id, user.email), (other.id, None)]
    r = client.get(members, headers=admin.headers)
    assert [u["email"] for u in r.json()] == [user.email, other.email]
    assert client.get(f"/v1/teams/{t['id']}").json()["updated_at"] is not None
    # a team with members cannot be deleted
    r = client.delete(f"/v1/teams/{t['id']}", headers=admin.headers)
    assert r.status_code == 400 and r.json()["faultstring"]
    r = client.delete(f"/v1/teams/{t['id']}/users/{user.id}", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert [u["id"] for u in client.get(members).json()] == [other.id]
    r = client.delete(f"/v1/teams/{t['id']}/users/{user.id}", headers=admin.headers)
    assert r.status_code == 404
    api.ok("DELETE", f"/v1/teams/{t['id']}/users/{other.id}")
    r = client.delete(f"/v1/teams/{t['id']}", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/v1/teams/{t['id']}").status_code == 404
    assert client.delete(f"/v1/teams/{t['id']}", headers=admin.headers).status_code == 404


def test_member_of_missing_user_or_team(client, api, admin, user):
    t = new_team(api)
    r = client.put(f"/v1/teams/{t['id']}/users/987654321", headers=admin.headers)
    assert r.status_code == 404 and r.json()["faultstring"] == "User 987654321 not found"
    r = client.put(f"/v1/teams/987654321/users/{user.id}", headers=admin.headers)
    assert r.status_code == 404


def test_team_projects(client, api, admin):
    t = new_team(api)
    p1, p2 = api.project(), api.project()
    r = client.put(f"/v1/teams/{t['id']}/projects/{p1['id']}", headers=admin.headers)
    assert r.status_code == 200 and r.json()["id"] == p1["id"] and r.json()["name"] == p1["name"]
    api.ok("PUT", f"/v1/teams/{t['id']}/projects/{p2['id']}")
    api.ok("PUT", f"/v1/teams/{t['id']}/projects/{p2['id']}")
    r = client.get(f"/v1/teams/{t['id']}/projects")
    assert [p["id"] for p in r.json()] == [p1["id"], p2["id"]] and r.headers["X-Total"] == "2"
    # teams by project
    other_team = new_team(api)
    api.ok("PUT", f"/v1/teams/{other_team['id']}/projects/{p2['id']}")
    r = client.get("/v1/teams", params={"project_id": p2["id"]})
    assert [x["id"] for x in r.json()] == [t["id"], other_team["id"]]
    assert [x["id"] for x in client.get("/v1/teams", params={"project_id": p1["id"]}).json()] == [t["id"]]
    r = client.delete(f"/v1/teams/{t['id']}/projects/{p1['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert [p["id"] for p in client.get(f"/v1/teams/{t['id']}/projects").json()] == [p2["id"]]
    assert client.delete(f"/v1/teams/{t['id']}/projects/{p1['id']}", headers=admin.headers).status_code == 404
    r = client.put(f"/v1/teams/{t['id']}/projects/987654321", headers=admin.headers)
    assert r.status_code == 404
    # a team linked to projects (but without members) can be deleted
    assert client.delete(f"/v1/teams/{other_team['id']}", headers=admin.headers).status_code == 204
    assert [x["id"] for x in client.get("/v1/teams", params={"project_id": p2["id"]}).json()] == [t["id"]]


def test_sub_resource_names_reach_the_by_name_lookup(client, api):
    name = f"{uniq('grp')}/users"
    t = new_team(api, name)
    r = client.get(f"/v1/teams/{name}")
    assert r.status_code == 200 and r.json()["id"] == t["id"]
