"""/v1/project_groups: CRUD, name lookup with slashes, membership, deletion rules, paging."""

from builders import uniq

FORBIDDEN = {"code": 403, "title": "Forbidden", "description": "This action is limited to superusers only."}
UNAUTHORIZED = {"code": 401, "title": "Unauthorized", "description": None}


def test_create_and_get_by_id_and_name_with_slashes(client, api):
    name = f"openstack/{uniq('infra')}/core"
    g = api.ok("POST", "/v1/project_groups", json={"name": name, "title": "OpenStack Infra"})
    assert set(g) == {"id", "created_at", "updated_at", "name", "title"}
    assert g["name"] == name and g["title"] == "OpenStack Infra"
    assert g["updated_at"] is None and g["created_at"].endswith("+00:00")
    for path in (f"/v1/project_groups/{g['id']}", f"/v1/project_groups/{name}",
                 f"/api/v1/project_groups/{name}/", f"/v1/project_groups/{name.replace('/', '%2F')}"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.json() == g


def test_post_answers_200_and_content_length(client, admin):
    body = {"name": uniq("grp-"), "title": "Title"}
    r = client.post("/v1/project_groups", json=body, headers=admin.headers)
    assert r.status_code == 200
    assert r.headers["content-length"] == str(len(r.content))


def test_group_projects_subresource_by_id_and_name(client, api):
    name = f"ns/{uniq('grp')}"
    g = api.ok("POST", "/v1/project_groups", json={"name": name, "title": "Namespaced"})
    p1, p2 = api.project(), api.project(f"ns/{uniq('proj')}")
    outsider = api.project()
    for p in (p2, p1):
        added = api.ok("PUT", f"/v1/project_groups/{g['id']}/projects/{p['id']}")
        assert added == p
    for path in (f"/v1/project_groups/{g['id']}/projects", f"/v1/project_groups/{name}/projects",
                 f"/api/v1/project_groups/{name}/projects/"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert [p["id"] for p in r.json()] == sorted([p1["id"], p2["id"]])
        assert outsider["id"] not in [p["id"] for p in r.json()]
        assert r.json()[0] == p1
    # the project list filter sees the same membership
    r = client.get("/v1/projects", params={"project_group_id": g["id"]})
    assert sorted(p["id"] for p in r.json()) == sorted([p1["id"], p2["id"]])


def test_group_named_projects_and_empty_group_projects(client, api):
    g = api.group()
    assert client.get(f"/v1/project_groups/{g['id']}/projects").json() == []
    # a group may itself be called "projects": a single segment is always the group
    existing = client.get("/v1/project_groups", params={"name": "projects"}).json()
    named = next((x for x in existing if x["name"] == "projects"), None) or api.group("projects")
    r = client.get("/v1/project_groups/projects")
    assert r.status_code == 200 and r.json()["id"] == named["id"]


def test_missing_group_404(client):
    for path in ("/v1/project_groups/999999", "/v1/project_groups/no-such-group",
                 "/v1/project_groups/no/such/group", "/v1/project_groups/999999/projects",
                 "/v1/project_groups/no-such-group/projects", "/v1/project_groups/99999999999999999999",
                 "/v1/project_groups/a%00b"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["faultcode"] == "Client" and "not found" in r.json()["faultstring"].lower(), path
    assert client.get("/v1/project_groups/999999").json()["faultstring"] == "Project Group 999999 not found"


def test_create_validation_names_the_field(client, admin):
    good = {"name": uniq("grp-"), "title": "A fine title"}
    cases = [
        ({"title": "No name"}, "name"),
        ({**good, "name": "ab"}, "name"),
        ({**good, "name": "-nova"}, "name"),
        ({**good, "name": "nova/"}, "name"),
        ({**good, "name": "a//b"}, "name"),
        ({**good, "name": "x" * 101}, "name"),
        ({"name": uniq("grp-")}, "title"),
        ({**good, "title": "ab"}, "title"),
        ({**good, "title": "t" * 256}, "title"),
        ({**good, "title": "bad\x00title"}, "title"),
        ({**good, "name": 12345}, "name"),
    ]
    for body, field in cases:
        r = client.post("/v1/project_groups", json=body, headers=admin.headers)
        assert r.status_code == 400, body
        assert r.json()["field"] == field, (body, r.json())
        assert r.json()["message"], body
    assert client.get("/v1/project_groups", params={"name": good["name"]}).json() == []


def test_malformed_bodies_are_400(client, admin):
    for content in (b"{not json", b"[1, 2]", b"", b"null"):
        r = client.post("/v1/project_groups", content=content, headers={
            **admin.headers, "Content-Type": "application/json"})
        assert r.status_code == 400, content
        assert "field" in r.json() and "message" in r.json()


def test_duplicate_name_is_400_on_create_and_update(client, api, admin):
    a, b = api.group(), api.group()
    r = client.post("/v1/project_groups", json={"name": a["name"], "title": "Again"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.put(f"/v1/project_groups/{b['id']}", json={"name": a["name"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    assert client.get(f"/v1/project_groups/{b['id']}").json()["name"] == b["name"]


def test_unknown_attributes_and_read_only_fields_are_ignored(client, api):
    g = api.ok("POST", "/v1/project_groups", json={
        "name": uniq("grp-"), "title": "Extra", "id": 1, "created_at": "2001-01-01T00:00:00", "color": "red"})
    assert g["id"] != 1 or client.get("/v1/project_groups/1").json()["title"] == "Extra"
    assert "color" not in g and not g["created_at"].startswith("2001")


def test_partial_update(client, api, admin):
    g = api.group()
    r = client.put(f"/v1/project_groups/{g['id']}", json={"title": "New title"}, headers=admin.headers)
    assert r.status_code == 200
    out = r.json()
    assert out["title"] == "New title" and out["name"] == g["name"] and out["updated_at"] is not None
    new_name = f"renamed/{uniq('grp')}"
    out = api.ok("PUT", f"/v1/project_groups/{g['id']}", json={"name": new_name})
    assert out["name"] == new_name and out["title"] == "New title"
    assert client.get(f"/v1/project_groups/{new_name}").json()["id"] == g["id"]
    # null and empty bodies change nothing
    out = api.ok("PUT", f"/v1/project_groups/{g['id']}", json={"name": None, "title": None})
    assert out["name"] == new_name
    assert api.ok("PUT", f"/v1/project_groups/{g['id']}", json={})["title"] == "New title"
    r = client.put(f"/v1/project_groups/{g['id']}", json={"title": "x"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"
    r = client.put("/v1/project_groups/999999", json={"title": "Whatever"}, headers=admin.headers)
    assert r.status_code == 404
    r = client.put("/v1/project_groups/abc", json={"title": "Whatever"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "group_id"


def test_writes_need_a_superuser(client, api, user):
    g = api.group()
    p = api.project()
    writes = [
        ("POST", "/v1/project_groups", {"name": uniq("grp-"), "title": "Nope"}),
        ("POST", "/v1/project_groups", {"name": "x"}),  # refused before validation
        ("PUT", f"/v1/project_groups/{g['id']}", {"title": "Nope"}),
        ("DELETE", f"/v1/project_groups/{g['id']}", None),
        ("PUT", f"/v1/project_groups/{g['id']}/projects/{p['id']}", None),
        ("DELETE", f"/v1/project_groups/{g['id']}/projects/{p['id']}", None),
    ]
    for method, path, body in writes:
        r = client.request(method, path, json=body, headers=user.headers)
        assert (r.status_code, r.json()) == (403, FORBIDDEN), (method, path)
        r = client.request(method, path, json=body)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), (method, path)
        r = client.request(method, path, json=body, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401, (method, path)
    assert client.get(f"/v1/project_groups/{g['id']}").json() == g
    assert client.get(f"/v1/project_groups/{g['id']}/projects").json() == []


def test_reads_are_open_but_a_bad_token_is_401(client, api, user):
    g = api.group()
    assert client.get(f"/v1/project_groups/{g['id']}").status_code == 200
    assert client.get(f"/v1/project_groups/{g['id']}", headers=user.headers).status_code == 200
    for path in ("/v1/project_groups", f"/v1/project_groups/{g['id']}",
                 f"/v1/project_groups/{g['id']}/projects"):
        r = client.get(path, headers={"Authorization": "Bearer expired-or-wrong"})
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), path


def test_membership_rules(client, api, admin):
    g, p = api.group(), api.project()
    base = f"/v1/project_groups/{g['id']}/projects"
    assert api.ok("PUT", f"{base}/{p['id']}")["id"] == p["id"]
    r = client.put(f"{base}/{p['id']}", headers=admin.headers)
    assert r.status_code == 400 and r.json()["faultcode"] == "Client"
    assert client.put(f"{base}/999999", headers=admin.headers).status_code == 404
    r = client.put(f"/v1/project_groups/999999/projects/{p['id']}", headers=admin.headers)
    assert r.status_code == 404
    assert client.put(f"{base}/99999999999999999999", headers=admin.headers).status_code == 404
    # a project may belong to many groups
    g2 = api.group()
    api.ok("PUT", f"/v1/project_groups/{g2['id']}/projects/{p['id']}")
    r = client.delete(f"{base}/{p['id']}", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(base).json() == []
    assert [x["id"] for x in client.get(f"/v1/project_groups/{g2['id']}/projects").json()] == [p["id"]]
    # removing again, or an unknown project, or from an unknown group: 404
    assert client.delete(f"{base}/{p['id']}", headers=admin.headers).status_code == 404
    assert client.delete(f"{base}/999999", headers=admin.headers).status_code == 404
    r = client.delete(f"/v1/project_groups/999999/projects/{p['id']}", headers=admin.headers)
    assert r.status_code == 404


def test_delete_only_empty_groups(client, api, admin):
    g, p = api.group(), api.project()
    api.ok("PUT", f"/v1/project_groups/{g['id']}/projects/{p['id']}")
    r = client.delete(f"/v1/project_groups/{g['id']}", headers=admin.headers)
    assert r.status_code == 400 and r.json()["faultcode"] == "Client" and r.json()["faultstring"]
    assert client.get(f"/v1/project_groups/{g['id']}").status_code == 200
    api.ok("DELETE", f"/v1/project_groups/{g['id']}/projects/{p['id']}")
    r = client.delete(f"/v1/project_groups/{g['id']}", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/v1/project_groups/{g['id']}").status_code == 404
    assert client.get(f"/v1/projects/{p['id']}").status_code == 200
    assert client.delete(f"/v1/project_groups/{g['id']}", headers=admin.headers).status_code == 404
    assert client.delete("/v1/project_groups/99999999999999999999", headers=admin.headers).status_code == 404


def test_no_project_delete_route_through_groups(client, api, admin):
    r = client.post(f"/v1/project_groups/{api.group()['id']}/projects", headers=admin.headers)
    assert r.status_code == 405


def test_list_filters_paging_headers(client, api):
    tag = uniq("omega")
    made = [api.ok("POST", "/v1/project_groups", json={"name": f"{tag}-{i}", "title": f"Title {tag} {i % 2}"})
            for i in range(5)]
    ids = [g["id"] for g in made]
    r = client.get("/v1/project_groups", params={"name": tag.upper(), "limit": 2, "sort_dir": "desc"})
    assert r.status_code == 200
    assert r.headers["X-Total"] == "5" and r.headers["X-Limit"] == "2"
    assert [g["id"] for g in r.json()] == [ids[4], ids[3]]
    r = client.get("/v1/project_groups", params={"title": f"{tag} 1"})
    assert [g["id"] for g in r.json()] == [ids[1], ids[3]] and r.headers["X-Total"] == "2"
    r = client.get("/v1/project_groups", params={"name": tag, "offset": 3})
    assert [g["id"] for g in r.json()] == ids[3:]
    assert r.headers["X-Offset"] == "3" and "X-Limit" not in r.headers
    r = client.get("/v1/project_groups", params={"name": tag, "marker": ids[1], "limit": 2})
    assert [g["id"] for g in r.json()] == ids[2:4] and r.headers["X-Marker"] == str(ids[1])
    r = client.get("/v1/project_groups", params={"name": tag, "sort_field": "title", "sort_dir": "asc"})
    assert [g["id"] for g in r.json()] == [ids[0], ids[2], ids[4], ids[1], ids[3]]
    r = client.get("/v1/project_groups", params={"name": tag, "limit": -1})
    assert r.status_code == 200 and r.json() == [] and r.headers["X-Total"] == "5"
    # no limit means every row
    assert len(client.get("/v1/project_groups", params={"name": tag}).json()) == 5


def test_list_bad_parameters(client):
    r = client.get("/v1/project_groups", params={"sort_field": "nope"})
    assert r.status_code == 400 and r.json()["faultstring"] == "Invalid sort_field [nope]"
    assert client.get("/v1/project_groups", params={"sort_dir": "up"}).status_code == 400
    r = client.get("/v1/project_groups", params={"limit": "abc"})
    assert r.status_code == 400 and r.json()["field"] == "limit"
    r = client.get("/v1/project_groups", params={"subscriber_id": "x"})
    assert r.status_code == 400 and r.json()["field"] == "subscriber_id"
    # values no database could hold are refused, naming the parameter
    for params in ({"marker": 10**20}, {"subscriber_id": 10**20}, {"name": "a\x00b"}, {"title": "\x00"},
                   {"limit": 10**10}, {"offset": 10**20}):
        r = client.get("/v1/project_groups", params=params)
        assert r.status_code == 400, params
        assert r.json()["field"] == next(iter(params)), params
    r = client.get("/v1/project_groups", params={"title": "%"})
    assert r.status_code == 200


def test_like_wildcards_are_literal(client, api):
    tag = uniq("lit")
    a = api.ok("POST", "/v1/project_groups", json={"name": f"{tag}_x", "title": "100% sure"})
    api.ok("POST", "/v1/project_groups", json={"name": f"{tag}-y", "title": "100 percent"})
    assert [g["id"] for g in client.get("/v1/project_groups", params={"name": f"{tag}_"}).json()] == [a["id"]]
    r = client.get("/v1/project_groups", params={"name": tag, "title": "0%"})
    assert [g["id"] for g in r.json()] == [a["id"]]


def test_subscriber_filter(client, api, app, user):
    from storyline.db import session_scope
    from storyline.subscriptions.models import Subscription

    mine, other = api.group(), api.group()
    with session_scope(app.state.write_sessions) as session:
        session.add(Subscription(user_id=user.id, target_type="project_group", target_id=mine["id"]))
        session.add(Subscription(user_id=user.id, target_type="project", target_id=other["id"]))
    r = client.get("/v1/project_groups", params={"subscriber_id": user.id}, headers=user.headers)
    assert [g["id"] for g in r.json()] == [mine["id"]] and r.headers["X-Total"] == "1"
