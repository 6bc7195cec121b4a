from storyline import __version__


def test_systeminfo_shape(client, app):
    r = client.get("/v1/systeminfo")
    assert r.status_code == 200
    settings = app.state.settings
    assert r.json() == {
        "version": __version__,
        "config": {
            "enable_attachments": settings.enable_attachments,
            "enable_editable_comments": settings.enable_editable_comments,
            "enable_notifications": settings.enable_notifications,
        },
    }
    assert client.get("/api/v1/systeminfo").json() == r.json()
    assert int(r.headers["Content-Length"]) == len(r.content)


def test_systeminfo_checks_a_sent_token(client, user):
    assert client.get("/v1/systeminfo", headers=user.headers).status_code == 200
    r = client.get("/v1/systeminfo", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.json() == {"code": 401, "title": "Unauthorized", "description": None}


def test_task_statuses_fixed_order(client):
    r = client.get("/v1/task_statuses")
    assert r.status_code == 200
    assert r.json() == [
        {"key": "todo", "name": "Todo"}, {"key": "merged", "name": "Merged"},
        {"key": "invalid", "name": "Invalid"}, {"key": "review", "name": "Review"},
        {"key": "inprogress", "name": "Progress"},
    ]
    assert r.headers["X-Total"] == "5"
    assert "X-Limit" not in r.headers


def test_task_statuses_limit_and_name(client):
    r = client.get("/v1/task_statuses", params={"limit": 2})
    assert [s["key"] for s in r.json()] == ["todo", "merged"]
    assert r.headers["X-Total"] == "5" and r.headers["X-Limit"] == "2"
    r = client.get("/v1/task_statuses", params={"name": "RE"})
    assert [s["key"] for s in r.json()] == ["review", "inprogress"]
    assert r.headers["X-Total"] == "2"
    r = client.get("/v1/task_statuses", params={"name": "prog"})
    assert r.json() == [{"key": "inprogress", "name": "Progress"}]
    r = client.get("/v1/task_statuses", params={"limit": -3})
    assert r.status_code == 200 and r.json() == []
    r = client.get("/v1/task_statuses", params={"offset": 3})
    assert [s["key"] for s in r.json()] == ["review", "inprogress"]
    assert client.get("/v1/task_statuses", params={"limit": "x"}).status_code == 400
