from builders import uniq


def test_create_and_get_project_by_id_and_name(client, api):
    name = f"openstack/{uniq('nova')}"
    p = api.project(name, description="Compute")
    assert set(p) >= {"id", "created_at", "updated_at", "name", "description", "is_active", "repo_url",
                      "autocreate_branches"}
    assert p["updated_at"] is None and p["created_at"].endswith("+00:00")
    for path in (f"/v1/projects/{p['id']}", f"/v1/projects/{name}", f"/api/v1/projects/{name}/",
                 f"/v1/projects/{name.replace('/', '%2F')}"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.json()["name"] == name


def test_project_validation_names_the_field(client, admin):
    for bad in ("ab", "-nova", "nova/", "a//b"):
        r = client.post("/v1/projects", json={"name": bad}, headers=admin.headers)
        assert r.status_code == 400, bad
        assert r.json()["field"] == "name"


def test_project_create_needs_superuser(client, user):
    r = client.post("/v1/projects", json={"name": uniq("proj-")}, headers=user.headers)
    assert r.status_code == 403
    assert r.json() == {"code": 403, "title": "Forbidden",
                        "description": "This action is limited to superusers only."}
    r = client.post("/v1/projects", json={"name": uniq("proj-")})
    assert r.status_code == 401


def test_project_list_filters_paging_headers(client, api):
    tag = uniq("zeta")
    made = [api.project(f"{tag}-{i}", description=f"desc {tag}") for i in range(5)]
    r = client.get("/v1/projects", params={"name": tag.upper(), "limit": 2, "sort_dir": "desc"})
    assert r.status_code == 200
    assert r.headers["X-Total"] == "5" and r.headers["X-Limit"] == "2"
    assert [p["id"] for p in r.json()] == [made[4]["id"], made[3]["id"]]
    r = client.get("/v1/projects", params={"name": tag, "offset": 3})
    assert [p["id"] for p in r.json()] == [made[3]["id"], made[4]["id"]]
    assert r.headers["X-Offset"] == "3" and "X-Limit" not in r.headers
    r = client.get("/v1/projects", params={"name": tag, "marker": made[1]["id"], "limit": 2})
    assert [p["id"] for p in r.json()] == [made[2]["id"], made[3]["id"]]
    assert r.headers["X-Marker"] == str(made[1]["id"])
    assert client.get("/v1/projects", params={"sort_field": "nope"}).status_code == 400
    assert client.get("/v1/projects", params={"sort_dir": "up"}).status_code == 400


def test_project_search_prefix(client, api):
    word = uniq("quokka")
    p = api.project(uniq("srch-"), description=f"The {word}extra project")
    r = client.get("/v1/projects/search", params={"q": word})
    assert [x["id"] for x in r.json()] == [p["id"]]


def test_missing_project_404_and_bad_token_401(client):
    r = client.get("/v1/projects/999999")
    assert r.status_code == 404 and r.json()["faultstring"] == "Project 999999 not found"
    r = client.get("/v1/projects", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}
    r = client.get("/v1/projects", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
