"""/v1/branches and /v1/milestones: master branch per project, uniqueness, expiry rules, paging."""

import datetime as dt

from builders import uniq

FORBIDDEN = {"code": 403, "title": "Forbidden", "description": "This action is limited to superusers only."}
UNAUTHORIZED = {"code": 401, "title": "Unauthorized", "description": None}
BRANCH_KEYS = {"id", "created_at", "updated_at", "name", "project_id", "expired", "expiration_date",
               "autocreated", "restricted"}
MILESTONE_KEYS = {"id", "created_at", "updated_at", "name", "branch_id", "expired", "expiration_date"}


def branch(api, project_id, name=None, **fields):
    return api.ok("POST", "/v1/branches", json={"name": name or uniq("stable-"), "project_id": project_id,
                                                 **fields})


def milestone(api, branch_id, name=None, **fields):
    body = {"name": name or uniq("m-"), "branch_id": branch_id, **fields}
    return api.ok("POST", "/v1/milestones", json=body)


def near_now(stamp):
    value = dt.datetime.fromisoformat(stamp)
    assert value.tzinfo is not None and stamp.endswith("+00:00")
    return abs((dt.datetime.now(dt.UTC) - value).total_seconds()) < 300


# --- branches ------------------------------------------------------------------------------------

def test_every_project_gets_a_restricted_master_branch(client, api):
    p = api.project()
    r = client.get("/v1/branches", params={"project_id": p["id"]})
    assert r.status_code == 200 and r.headers["X-Total"] == "1"
    [master] = r.json()
    assert set(master) == BRANCH_KEYS
    assert master["name"] == "master" and master["project_id"] == p["id"]
    assert master["restricted"] is True and master["expired"] is False
    assert master["expiration_date"] is None and master["autocreated"] is False
    assert client.get(f"/v1/branches/{master['id']}").json() == master


def test_create_and_get_branch(client, api):
    p = api.project()
    b = branch(api, p["id"], "stable/2024.1", expiration_date="2030-01-01T00:00:00Z", autocreated=True)
    assert set(b) == BRANCH_KEYS
    assert b["name"] == "stable/2024.1" and b["project_id"] == p["id"]
    assert b["expired"] is False and b["expiration_date"] is None
    assert b["restricted"] is False and b["autocreated"] is True
    assert b["updated_at"] is None and b["created_at"].endswith("+00:00")
    assert client.get(f"/v1/branches/{b['id']}").json() == b
    assert client.get(f"/api/v1/branches/{b['id']}/").json() == b


def test_branch_name_unique_per_project(client, api, admin):
    p1, p2 = api.project(), api.project()
    b = branch(api, p1["id"])
    r = client.post("/v1/branches", json={"name": b["name"], "project_id": p1["id"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.post("/v1/branches", json={"name": "master", "project_id": p1["id"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    other = branch(api, p2["id"], b["name"])
    assert other["project_id"] == p2["id"]
    b2 = branch(api, p1["id"])
    r = client.put(f"/v1/branches/{b2['id']}", json={"name": b["name"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"


def test_branch_validation_names_the_field(client, api, admin):
    p = api.project()
    cases = [
        ({"project_id": p["id"]}, "name"),
        ({"name": "ab", "project_id": p["id"]}, "name"),
        ({"name": "b" * 101, "project_id": p["id"]}, "name"),
        ({"name": "nul\x00name", "project_id": p["id"]}, "name"),
        ({"name": uniq("br-")}, "project_id"),
        ({"name": uniq("br-"), "project_id": "twelve"}, "project_id"),
        ({"name": uniq("br-"), "project_id": 999999}, "project_id"),
        ({"name": uniq("br-"), "project_id": 10**20}, "project_id"),
        ({"name": uniq("br-"), "project_id": p["id"], "restricted": "maybe"}, "restricted"),
        ({"name": uniq("br-"), "project_id": p["id"], "expired": True}, "expired"),
    ]
    for body, field in cases:
        r = client.post("/v1/branches", json=body, headers=admin.headers)
        assert r.status_code == 400, body
        assert r.json()["field"] == field, (body, r.json())
    assert client.get("/v1/branches", params={"project_id": p["id"]}).headers["X-Total"] == "1"


def test_numeric_strings_are_accepted(client, api):
    p = api.project()
    b = branch(api, str(p["id"]))
    assert b["project_id"] == p["id"]
    m = milestone(api, str(b["id"]))
    assert m["branch_id"] == b["id"]


def test_branch_expiry_rules(client, api, admin):
    b = branch(api, api.project()["id"])
    out = api.ok("PUT", f"/v1/branches/{b['id']}", json={"expired": True})
    assert out["expired"] is True and near_now(out["expiration_date"]) and out["updated_at"] is not None
    # expiring again keeps the first date; an expiration_date in the body is not taken
    again = api.ok("PUT", f"/v1/branches/{b['id']}", json={"expired": True, "expiration_date": "2001-01-01"})
    assert again["expiration_date"] == out["expiration_date"]
    out = api.ok("PUT", f"/v1/branches/{b['id']}", json={"expired": False})
    assert out["expired"] is False and out["expiration_date"] is None
    assert client.get(f"/v1/branches/{b['id']}").json() == out


def test_branch_cannot_move_to_another_project(client, api, admin):
    p, q = api.project(), api.project()
    b = branch(api, p["id"])
    r = client.put(f"/v1/branches/{b['id']}", json={"project_id": q["id"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "project_id"
    # the same project is not a move
    out = api.ok("PUT", f"/v1/branches/{b['id']}", json={"project_id": p["id"], "restricted": True})
    assert out["project_id"] == p["id"] and out["restricted"] is True
    assert client.get(f"/v1/branches/{b['id']}").json()["project_id"] == p["id"]


def test_branch_partial_update_and_master_name(client, api, admin):
    p = api.project()
    b = branch(api, p["id"], restricted=True)
    new = uniq("renamed-")
    out = api.ok("PUT", f"/v1/branches/{b['id']}", json={"name": new})
    assert out["name"] == new and out["restricted"] is True and out["updated_at"] is not None
    out = api.ok("PUT", f"/v1/branches/{b['id']}", json={"name": None, "restricted": None})
    assert out["name"] == new and out["restricted"] is True
    r = client.put(f"/v1/branches/{b['id']}", json={"name": "no"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"
    [master] = client.get("/v1/branches", params={"project_id": p["id"], "name": "master"}).json()
    r = client.put(f"/v1/branches/{master['id']}", json={"name": "main"}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"


def test_branch_missing_and_bad_ids(client, admin):
    for path in ("/v1/branches/999999", "/v1/branches/99999999999999999999", "/v1/branches/-3"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["faultcode"] == "Client", path
    assert client.get("/v1/branches/999999").json()["faultstring"] == "Branch 999999 not found"
    r = client.get("/v1/branches/abc")
    assert r.status_code == 400 and r.json()["field"] == "branch_id"
    r = client.put("/v1/branches/999999", json={"restricted": True}, headers=admin.headers)
    assert r.status_code == 404


def test_branch_writes_need_a_superuser(client, api, user):
    p = api.project()
    b = branch(api, p["id"])
    for method, path, body in (("POST", "/v1/branches", {"name": uniq("br-"), "project_id": p["id"]}),
                               ("POST", "/v1/branches", {}),
                               ("PUT", f"/v1/branches/{b['id']}", {"name": uniq("br-")})):
        r = client.request(method, path, json=body, headers=user.headers)
        assert (r.status_code, r.json()) == (403, FORBIDDEN), (method, path)
        r = client.request(method, path, json=body)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), (method, path)
    assert client.get(f"/v1/branches/{b['id']}").json() == b
    r = client.get("/v1/branches", headers={"Authorization": "Bearer bogus"})
    assert (r.status_code, r.json()) == (401, UNAUTHORIZED)
    assert client.get("/v1/branches", headers=user.headers).status_code == 200


def test_no_branch_or_milestone_delete(client, api, admin):
    b = branch(api, api.project()["id"])
    m = milestone(api, b["id"])
    assert client.delete(f"/v1/branches/{b['id']}", headers=admin.headers).status_code == 405
    assert client.delete(f"/v1/milestones/{m['id']}", headers=admin.headers).status_code == 405
    assert client.get(f"/v1/branches/{b['id']}").status_code == 200
    assert client.get(f"/v1/milestones/{m['id']}").status_code == 200


def test_branch_list_filters_and_paging(client, api):
    tag = uniq("rel")
    g = api.group()
    p1, p2, p3 = api.project(), api.project(), api.project()
    for p in (p1, p2):
        api.ok("PUT", f"/v1/project_groups/{g['id']}/projects/{p['id']}")
    made = [branch(api, p["id"], f"{tag}-{i}") for i, p in enumerate((p1, p2, p3, p1))]
    ids = [b["id"] for b in made]
    r = client.get("/v1/branches", params={"name": tag.upper()})
    assert [b["id"] for b in r.json()] == ids and r.headers["X-Total"] == "4"
    r = client.get("/v1/branches", params={"project_id": p1["id"]})
    assert sorted(b["name"] for b in r.json()) == sorted(["master", f"{tag}-0", f"{tag}-3"])
    r = client.get("/v1/branches", params={"project_group_id": g["id"]})
    assert {b["project_id"] for b in r.json()} == {p1["id"], p2["id"]} and r.headers["X-Total"] == "5"
    r = client.get("/v1/branches", params={"project_group_id": g["id"], "name": tag})
    assert [b["id"] for b in r.json()] == [ids[0], ids[1], ids[3]]
    r = client.get("/v1/branches", params={"name": tag, "limit": 2, "sort_dir": "desc"})
    assert [b["id"] for b in r.json()] == [ids[3], ids[2]]
    assert r.headers["X-Total"] == "4" and r.headers["X-Limit"] == "2"
    r = client.get("/v1/branches", params={"name": tag, "marker": ids[1], "limit": 1})
    assert [b["id"] for b in r.json()] == [ids[2]] and r.headers["X-Marker"] == str(ids[1])
    r = client.get("/v1/branches", params={"name": tag, "offset": 1, "limit": 2})
    assert [b["id"] for b in r.json()] == ids[1:3] and r.headers["X-Offset"] == "1"
    r = client.get("/v1/branches", params={"name": tag, "sort_field": "project_id", "sort_dir": "desc"})
    assert [b["id"] for b in r.json()] == [ids[2], ids[1], ids[3], ids[0]]
    r = client.get("/v1/branches", params={"project_id": 999999})
    assert (r.status_code, r.json(), r.headers["X-Total"]) == (200, [], "0")
    for params in ({"project_id": 10**20}, {"project_group_id": -(10**20)}, {"name": "nul\x00"}):
        r = client.get("/v1/branches", params=params)
        assert (r.status_code, r.json()["field"]) == (400, next(iter(params))), params
    assert client.get("/v1/branches", params={"sort_field": "bogus"}).status_code == 400
    r = client.get("/v1/branches", params={"project_id": "one"})
    assert r.status_code == 400 and r.json()["field"] == "project_id"


# --- milestones ----------------------------------------------------------------------------------

def test_create_and_get_milestone(client, api):
    b = branch(api, api.project()["id"])
    m = milestone(api, b["id"], "2024.1-rc1", expiration_date="2030-01-01")
    assert set(m) == MILESTONE_KEYS
    assert m["name"] == "2024.1-rc1" and m["branch_id"] == b["id"]
    assert m["expired"] is False and m["expiration_date"] is None and m["updated_at"] is None
    assert client.get(f"/v1/milestones/{m['id']}").json() == m


def test_milestone_validation_and_uniqueness(client, api, admin):
    p = api.project()
    b1, b2 = branch(api, p["id"]), branch(api, p["id"])
    m = milestone(api, b1["id"])
    cases = [
        ({"branch_id": b1["id"]}, "name"),
        ({"name": "m1", "branch_id": b1["id"]}, "name"),
        ({"name": "m" * 101, "branch_id": b1["id"]}, "name"),
        ({"name": uniq("m-")}, "branch_id"),
        ({"name": uniq("m-"), "branch_id": 999999}, "branch_id"),
        ({"name": uniq("m-"), "branch_id": 10**20}, "branch_id"),
        ({"name": uniq("m-"), "branch_id": b1["id"], "expired": True}, "expired"),
        ({"name": m["name"], "branch_id": b1["id"]}, "name"),
    ]
    for body, field in cases:
        r = client.post("/v1/milestones", json=body, headers=admin.headers)
        assert r.status_code == 400, body
        assert r.json()["field"] == field, (body, r.json())
    assert milestone(api, b2["id"], m["name"])["branch_id"] == b2["id"]
    m2 = milestone(api, b1["id"])
    r = client.put(f"/v1/milestones/{m2['id']}", json={"name": m["name"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "name"


def test_milestone_expiry_and_no_moving(client, api, admin):
    p = api.project()
    b1, b2 = branch(api, p["id"]), branch(api, p["id"])
    m = milestone(api, b1["id"])
    r = client.put(f"/v1/milestones/{m['id']}", json={"branch_id": b2["id"]}, headers=admin.headers)
    assert r.status_code == 400 and r.json()["field"] == "branch_id"
    out = api.ok("PUT", f"/v1/milestones/{m['id']}", json={"expired": True, "branch_id": b1["id"]})
    assert out["expired"] is True and near_now(out["expiration_date"]) and out["branch_id"] == b1["id"]
    new = uniq("m-")
    out2 = api.ok("PUT", f"/v1/milestones/{m['id']}", json={"name": new})
    assert out2["name"] == new and out2["expired"] is True
    assert out2["expiration_date"] == out["expiration_date"]
    out = api.ok("PUT", f"/v1/milestones/{m['id']}", json={"expired": False})
    assert out["expired"] is False and out["expiration_date"] is None
    assert client.get(f"/v1/milestones/{m['id']}").json() == out


def test_milestone_missing_and_permissions(client, api, user):
    r = client.get("/v1/milestones/999999")
    assert r.status_code == 404 and r.json()["faultstring"] == "Milestone 999999 not found"
    assert client.get("/v1/milestones/99999999999999999999").status_code == 404
    b = branch(api, api.project()["id"])
    m = milestone(api, b["id"])
    for method, path, body in (("POST", "/v1/milestones", {"name": uniq("m-"), "branch_id": b["id"]}),
                               ("PUT", f"/v1/milestones/{m['id']}", {"expired": True})):
        r = client.request(method, path, json=body, headers=user.headers)
        assert (r.status_code, r.json()) == (403, FORBIDDEN), (method, path)
        r = client.request(method, path, json=body)
        assert (r.status_code, r.json()) == (401, UNAUTHORIZED), (method, path)
    r = client.put("/v1/milestones/999999", json={"expired": True}, headers=api.admin.headers)
    assert r.status_code == 404
    assert client.get(f"/v1/milestones/{m['id']}").json() == m


def test_milestone_list_filters_and_paging(client, api):
    tag = uniq("ms")
    p = api.project()
    b1, b2 = branch(api, p["id"]), branch(api, p["id"])
    made = [milestone(api, b["id"], f"{tag}-{i}") for i, b in enumerate((b1, b2, b1, b1))]
    ids = [m["id"] for m in made]
    r = client.get("/v1/milestones", params={"name": tag})
    assert [m["id"] for m in r.json()] == ids and r.headers["X-Total"] == "4"
    r = client.get("/v1/milestones", params={"branch_id": b1["id"]})
    assert [m["id"] for m in r.json()] == [ids[0], ids[2], ids[3]]
    r = client.get("/v1/milestones", params={"branch_id": b1["id"], "limit": 2, "marker": ids[0]})
    assert [m["id"] for m in r.json()] == [ids[2], ids[3]]
    assert (r.headers["X-Limit"], r.headers["X-Marker"], r.headers["X-Total"]) == ("2", str(ids[0]), "3")
    r = client.get("/v1/milestones", params={"name": tag, "sort_field": "branch_id", "sort_dir": "desc",
                                             "limit": 1})
    assert [m["id"] for m in r.json()] == [ids[1]]
    r = client.get("/v1/milestones", params={"name": tag, "offset": 3})
    assert [m["id"] for m in r.json()] == [ids[3]] and "X-Limit" not in r.headers
    for params in ({"branch_id": 10**20}, {"name": "\x00"}, {"marker": -(10**20)}):
        r = client.get("/v1/milestones", params=params)
        assert (r.status_code, r.json()["field"]) == (400, next(iter(params))), params
    assert client.get("/v1/milestones", params={"branch_id": 999999}).json() == []
    assert client.get("/v1/milestones", params={"sort_dir": "sideways"}).status_code == 400


def test_stories_filtered_by_branch_and_milestone(client, api, user):
    """Additive filters: stories with a task on a branch / milestone (StoryBoard has neither)."""
    proj = api.project()
    b = branch(api, proj["id"])
    m = milestone(api, b["id"])
    on_branch, on_milestone, other = (api.story(user) for _ in range(3))
    api.task(on_branch["id"], proj["id"], user, branch_id=b["id"])
    api.task(on_milestone["id"], proj["id"], user, branch_id=b["id"], status="merged", milestone_id=m["id"])
    api.task(other["id"], proj["id"], user)
    r = client.get("/v1/stories", params={"branch_id": b["id"]})
    assert [x["id"] for x in r.json()] == [on_branch["id"], on_milestone["id"]] and r.headers["X-Total"] == "2"
    r = client.get("/v1/stories", params={"milestone_id": m["id"], "project_id": proj["id"]})
    assert [x["id"] for x in r.json()] == [on_milestone["id"]]
    assert client.get("/v1/stories/search", params={"q": "", "branch_id": b["id"]}).status_code == 200
    assert client.get("/v1/stories", params={"branch_id": "x"}).status_code == 400
