"""Cross-cutting v1 conventions: paths, CORS, JSON encoding, errors, atomic failures."""

from builders import uniq


def test_api_v1_alias_trailing_slash_and_unknown_routes(client, api, user):
    proj = api.project()
    assert client.get(f"/api/v1/projects/{proj['id']}").json()["id"] == proj["id"]
    s = api.story(user)
    r = client.post("/v1/tasks/", json={"title": "Slash task", "story_id": s["id"], "project_id": proj["id"]},
                    headers=user.headers)
    assert r.status_code == 200
    r = client.get("/v1/search/stories", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json() == {"code": 404, "title": "Not Found", "description": None}
    assert client.get("/v1/stories/99999999999999").status_code == 404


def test_indexed_list_parameters(client, api, user):
    a, b = uniq("ix"), uniq("ix")
    s = api.story(user, tags=[a, b])
    r = client.get(f"/v1/stories?tags[0]={a}&tags[1]={b}")
    assert [x["id"] for x in r.json()] == [s["id"]]


def test_json_is_ascii_with_content_length(client, api, user):
    s = api.story(user, title="Ünïcode story ✓", description="日本語")
    r = client.get(f"/v1/stories/{s['id']}")
    assert r.content.isascii()
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert r.json()["title"] == "Ünïcode story ✓" and r.json()["description"] == "日本語"


def test_cors(client):
    origin = "https://storyboard.example.org"
    r = client.options("/v1/stories", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 204 and r.content == b""
    assert r.headers["Access-Control-Allow-Origin"] == origin
    exposed = r.headers["Access-Control-Expose-Headers"]
    for h in ("x-total", "x-limit", "x-marker", "x-offset", "authorization"):
        assert h in exposed
    assert r.headers["Access-Control-Max-Age"] == "3600"
    r = client.get("/v1/systeminfo", headers={"Origin": "https://pr-1.review.example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://pr-1.review.example.org"
    # A pattern matches the whole origin, never a prefix of it.
    r = client.get("/v1/systeminfo", headers={"Origin": "https://pr-1.review.example.org.evil.test"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.get("/v1/systeminfo", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_openapi_document(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in ("/v1/stories", "/v1/stories/{story_id}", "/v1/stories/search", "/v1/tasks",
                 "/v1/stories/{story_id}/comments", "/v1/events", "/v1/tags", "/v1/projects",
                 "/v1/project_groups", "/v1/users", "/v1/teams", "/v1/branches", "/v1/milestones",
                 "/v1/subscriptions", "/v1/subscription_events", "/v1/systeminfo", "/v1/task_statuses"):
        assert path in paths, path


def test_failed_requests_write_nothing(client, api, user):
    title = uniq("Atomic story")
    r = client.post("/v1/stories", json={"title": title, "private": True, "users": [{"id": 987654321}]},
                    headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "users"
    r = client.post("/v1/stories", json={"title": title, "tags": ["ok", "x" * 51]}, headers=user.headers)
    assert r.status_code == 400
    assert client.get("/v1/stories", params={"title": title}).headers["X-Total"] == "0"
    proj = api.project()
    s = api.story(user)
    t = api.task(s["id"], proj["id"], user)
    before = client.get(f"/v1/stories/{s['id']}/events").headers["X-Total"]
    r = client.put(f"/v1/tasks/{t['id']}", json={"title": "Changed title", "assignee_id": 987654321},
                   headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "assignee_id"
    assert client.get(f"/v1/tasks/{t['id']}").json()["title"] == t["title"]
    assert client.get(f"/v1/stories/{s['id']}/events").headers["X-Total"] == before
    r = client.post("/v1/stories", json={"title": "Has a NUL \u0000 inside"}, headers=user.headers)
    assert r.status_code == 400 and r.json()["field"] == "title"


def test_numeric_strings_accepted(client, api, user):
    proj = api.project()
    s = api.story(user)
    r = client.post("/v1/tasks", json={"title": "Numeric strings", "story_id": str(s["id"]),
                                       "project_id": str(proj["id"])}, headers=user.headers)
    assert r.status_code == 200 and r.json()["story_id"] == s["id"]


def test_answers_with_credentials_are_private_to_caches(client, admin):
    r = client.get("/v1/users/self", headers=admin.headers)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/v1/stories/999999", headers=admin.headers).headers["Cache-Control"] == "private, no-cache"
    assert "Cache-Control" not in client.get("/v1/systeminfo").headers  # anonymous: public data
